/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idguard-modem-sim: a simulated modem speaking QMI, MBIM and AT on ptys
 * (see docs/simulator.md). Glue only: the protocols live in sim-qmi.c,
 * sim-mbim.c and sim-at.c.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include "sim-at.h"
#include "sim-control.h"
#include "sim-ids.h"
#include "sim-mbim.h"
#include "sim-port.h"
#include "sim-qmi.h"

/* A partial frame older than this is dropped: the host gave up on it. */
#define IDLE_RESET_US (500 * G_TIME_SPAN_MILLISECOND)

typedef struct {
  GMainLoop *loop;
  gchar     *ids_path;
  SimIds    *ids;
  SimIds    *staged;          /* values set for the next swap */
  SimFault   fault[SIM_N_PROTOS];
  guint32    mbim_max_transfer;
  GPtrArray *endpoints;       /* Endpoint: every pty and AT socket client */
  GHashTable *control_clients;/* SimPort * -> GString * (line buffer) */
  gchar     *control_path;
  gint       control_fd;
  gint       at_socket_fd;
  guint      control_watch;
  guint      at_socket_watch;
} Sim;

/* One host-facing port and the protocol engine behind it. Each pty (and
 * each AT socket connection) has its own engine: its own client ids, MBIM
 * session, AT settings; the identifiers and faults are shared. */
typedef struct {
  Sim      *sim;
  SimProto  proto;
  SimPort  *port;
  gpointer  engine;           /* SimQmi, SimMbim or SimAt */
  gint64    last;             /* time of the last input */
} Endpoint;

static void
endpoint_free (gpointer data)
{
  Endpoint *e = data;

  sim_port_free (e->port);
  switch (e->proto) {
  case SIM_PROTO_QMI:
    sim_qmi_free (e->engine);
    break;
  case SIM_PROTO_MBIM:
    sim_mbim_free (e->engine);
    break;
  case SIM_PROTO_AT:
    sim_at_free (e->engine);
    break;
  case SIM_N_PROTOS:
    break;
  }
  g_free (e);
}

/* ------------------------------------------------------------------------ */

static void
deliver (Sim *sim, SimProto proto, SimPort *port, GByteArray *out)
{
  switch (sim->fault[proto]) {
  case SIM_FAULT_NORMAL:
    break;
  case SIM_FAULT_SILENT:
    g_byte_array_set_size (out, 0);
    break;
  case SIM_FAULT_SLOW:
    /* a modem that takes its time: every answer SIM_SLOW_MS late, in
     * order (the whole simulator waits) */
    if (out->len > 0)
      g_usleep (SIM_SLOW_MS * 1000);
    break;
  case SIM_FAULT_GARBAGE: {
    guint i;

    for (i = 0; i < out->len; i++)
      out->data[i] = (guint8) g_random_int_range (0, 256);
    break;
  }
  }
  if (port)
    sim_port_write (port, out->data, out->len);
  g_byte_array_set_size (out, 0);
}

/* TRUE if the host was quiet long enough for a partial frame to be stale. */
static gboolean
idle_gap (gint64 *last)
{
  gint64 now = g_get_monotonic_time ();
  gboolean gap = now - *last > IDLE_RESET_US;

  *last = now;
  return gap;
}

static void
endpoint_input (SimPort *port, const guint8 *data, gsize len, gpointer user_data)
{
  Endpoint *e = user_data;
  Sim *sim = e->sim;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gboolean gap = idle_gap (&e->last);

  if (len == 0) {                 /* an AT socket client left */
    g_ptr_array_remove_fast (sim->endpoints, e);
    return;
  }
  switch (e->proto) {
  case SIM_PROTO_QMI:
    if (gap)
      sim_qmi_reset_input (e->engine);
    sim_qmi_feed (e->engine, data, len, out);
    break;
  case SIM_PROTO_MBIM:
    if (gap)
      sim_mbim_reset_input (e->engine);
    sim_mbim_feed (e->engine, data, len, out);
    break;
  case SIM_PROTO_AT:
    sim_at_feed (e->engine, data, len, out);
    break;
  case SIM_N_PROTOS:
    break;
  }
  deliver (sim, e->proto, port, out);
}

static Endpoint *
endpoint_new (Sim *sim, SimProto proto)
{
  Endpoint *e = g_new0 (Endpoint, 1);

  e->sim = sim;
  e->proto = proto;
  switch (proto) {
  case SIM_PROTO_QMI:
    e->engine = sim_qmi_new (sim->ids);
    break;
  case SIM_PROTO_MBIM:
    e->engine = sim_mbim_new (sim->ids);
    sim_mbim_set_max_transfer (e->engine, sim->mbim_max_transfer);
    break;
  case SIM_PROTO_AT:
    e->engine = sim_at_new (sim->ids);
    break;
  case SIM_N_PROTOS:
    break;
  }
  return e;
}

static gboolean
add_pty (Sim *sim, SimProto proto, const gchar *link, GError **error)
{
  Endpoint *e = endpoint_new (sim, proto);

  e->port = sim_port_new_pty (link, endpoint_input, e, error);
  if (!e->port) {
    endpoint_free (e);
    return FALSE;
  }
  g_ptr_array_add (sim->endpoints, e);
  return TRUE;
}

static void
at_accept (gint fd, gpointer user_data)
{
  Sim *sim = user_data;
  Endpoint *e = endpoint_new (sim, SIM_PROTO_AT);

  e->port = sim_port_new_fd (fd, endpoint_input, e);
  g_ptr_array_add (sim->endpoints, e);
}

/* ------------------------------------------------------------------------ */
/* SIM swap */

/* quiet: the AT ports say nothing (some modems keep card changes to
 * themselves); otherwise they get +CPIN unsolicited codes. */
static gboolean
do_swap (Sim *sim, gboolean quiet, GError **error)
{
  static const gchar *card_keys[] = { "imsi", "iccid", "msisdn", "eid" };
  g_autoptr(SimIds) next = sim_ids_dup (sim->ids);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  SimIds old;
  guint i;

  if (sim->ids_path) {
    g_autoptr(SimIds) file = sim_ids_load (sim->ids_path, error);

    if (!file)
      return FALSE;
    /* a swap changes the card: subscriber values only */
    for (i = 0; i < G_N_ELEMENTS (card_keys); i++)
      sim_ids_copy_key (next, file, card_keys[i]);
  }
  sim_ids_overlay (next, sim->staged);
  sim_ids_free (sim->staged);
  sim->staged = sim_ids_new_empty ();

  /* update in place: the engines hold the pointer */
  old = *sim->ids;
  *sim->ids = *next;
  *next = old;

  for (i = 0; i < sim->endpoints->len; i++) {
    Endpoint *e = g_ptr_array_index (sim->endpoints, i);

    if (e->proto == SIM_PROTO_QMI)
      sim_qmi_sim_changed (e->engine, out);
    else if (e->proto == SIM_PROTO_MBIM)
      sim_mbim_sim_changed (e->engine, out);
    else if (e->proto == SIM_PROTO_AT && !quiet)
      sim_at_sim_changed (e->engine, out);
    deliver (sim, e->proto, e->port, out);
  }
  g_message ("SIM swapped");
  return TRUE;
}

static gboolean
sigusr1_cb (gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!do_swap (user_data, FALSE, &error))
    g_warning ("swap failed: %s", error->message);
  return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  Sim *sim = user_data;

  g_main_loop_quit (sim->loop);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* control socket */

static gboolean
control_run (Sim *sim, const gchar *line, GError **error)
{
  SimControlCommand cmd;
  gboolean ok = TRUE;
  guint i;

  if (!sim_control_parse (line, &cmd, error))
    return FALSE;
  switch (cmd.verb) {
  case SIM_CONTROL_PING:
    break;
  case SIM_CONTROL_SWAP:
    ok = do_swap (sim, cmd.quiet, error);
    break;
  case SIM_CONTROL_SET:
    ok = sim_ids_set (sim->staged, cmd.key, cmd.value, error);
    break;
  case SIM_CONTROL_FAULT:
    for (i = 0; i < SIM_N_PROTOS; i++)
      if (cmd.protos & (1u << i))
        sim->fault[i] = cmd.fault;
    break;
  }
  sim_control_clear (&cmd);
  return ok;
}

static void
control_input (SimPort *port, const guint8 *data, gsize len, gpointer user_data)
{
  Sim *sim = user_data;
  GString *buf = g_hash_table_lookup (sim->control_clients, port);
  gchar *nl;

  if (len == 0) {
    g_hash_table_remove (sim->control_clients, port);
    return;
  }
  g_string_append_len (buf, (const gchar *) data, (gssize) len);
  while ((nl = memchr (buf->str, '\n', buf->len))) {
    g_autofree gchar *line = g_strndup (buf->str, (gsize) (nl - buf->str));
    g_autoptr(GError) error = NULL;
    g_autofree gchar *reply = NULL;

    g_string_erase (buf, 0, nl - buf->str + 1);
    if (control_run (sim, line, &error))
      reply = g_strdup ("ok\n");
    else
      reply = g_strdup_printf ("error: %s\n", error->message);
    sim_port_write (port, (const guint8 *) reply, strlen (reply));
  }
  if (buf->len > 4096)
    g_string_truncate (buf, 0);
}

static void
control_accept (gint fd, gpointer user_data)
{
  Sim *sim = user_data;
  SimPort *port = sim_port_new_fd (fd, control_input, sim);

  g_hash_table_insert (sim->control_clients, port, g_string_new (NULL));
}

static void
string_free (gpointer s)
{
  g_string_free (s, TRUE);
}

/* ------------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  g_auto(GStrv) qmi_links = NULL, mbim_links = NULL, at_links = NULL;
  g_autofree gchar *ids_path = NULL, *control_path = NULL, *at_socket = NULL;
  gint max_transfer = 0;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "qmi", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &qmi_links,
      "Serve QMI (QMUX) on a pty linked at LINK (repeatable: one port each)", "LINK" },
    { "mbim", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &mbim_links,
      "Serve MBIM on a pty linked at LINK (repeatable)", "LINK" },
    { "at", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &at_links,
      "Serve AT commands on a pty linked at LINK (repeatable)", "LINK" },
    { "at-socket", 0, 0, G_OPTION_ARG_STRING, &at_socket,
      "Also serve AT on the abstract unix socket NAME (bound verbatim, e.g. abstract:sim0 for ModemManager's test mode)", "NAME" },
    { "ids", 0, 0, G_OPTION_ARG_FILENAME, &ids_path,
      "Identifiers as key=value lines (imei, imeisv, esn, meid, imsi, iccid, eid, msisdn); re-read on SIGUSR1/swap", "FILE" },
    { "control", 0, 0, G_OPTION_ARG_FILENAME, &control_path,
      "Control socket: one command per line: swap | set KEY=VALUE | fault qmi|mbim|at|all normal|garbage|silent|slow | ping", "SOCKET" },
    { "mbim-max-control-transfer", 0, 0, G_OPTION_ARG_INT, &max_transfer,
      "Cap the MBIM control transfer size (forces fragmentation; minimum 64)", "N" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  Sim sim = { 0, };
  gint status = 0;

  context = g_option_context_new ("- a simulated QMI/MBIM/AT modem");
  g_option_context_set_description (context,
    "Prints 'ready' on stdout once every port answers and serves until SIGTERM.\n"
    "SIGUSR1 swaps the SIM (re-reads --ids: imsi, iccid, msisdn, eid).\n"
    "Without --ids, fixed test values are used. See docs/simulator.md.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("idguard-modem-sim: %s\n", error->message);
    return 2;
  }
  if (version) {
    printf ("idguard-modem-sim %s\n", IDG_SIM_VERSION);
    return 0;
  }
  if (!qmi_links && !mbim_links && !at_links && !at_socket) {
    g_printerr ("idguard-modem-sim: nothing to serve (use --qmi, --mbim, --at or --at-socket)\n");
    return 2;
  }
  if (max_transfer < 0 || (max_transfer > 0 && max_transfer < 64)) {
    g_printerr ("idguard-modem-sim: --mbim-max-control-transfer must be at least 64\n");
    return 2;
  }

  signal (SIGPIPE, SIG_IGN);
  sim.loop = g_main_loop_new (NULL, FALSE);
  sim.ids_path = ids_path;
  sim.ids = ids_path ? sim_ids_load (ids_path, &error) : sim_ids_new_default ();
  if (!sim.ids) {
    g_printerr ("idguard-modem-sim: %s\n", error->message);
    return 1;
  }
  sim.staged = sim_ids_new_empty ();
  sim.mbim_max_transfer = (guint32) max_transfer;
  sim.control_fd = sim.at_socket_fd = -1;
  sim.endpoints = g_ptr_array_new_with_free_func (endpoint_free);
  sim.control_clients = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) sim_port_free, string_free);

  {
    const struct { SimProto proto; gchar **links; } kinds[] = {
      { SIM_PROTO_QMI, qmi_links }, { SIM_PROTO_MBIM, mbim_links }, { SIM_PROTO_AT, at_links },
    };
    guint k, i;

    for (k = 0; k < G_N_ELEMENTS (kinds); k++)
      for (i = 0; kinds[k].links && kinds[k].links[i]; i++)
        if (!add_pty (&sim, kinds[k].proto, kinds[k].links[i], &error))
          goto out;
  }
  if (at_socket &&
      !(sim.at_socket_watch = sim_port_listen (at_socket, TRUE, at_accept, &sim, &sim.at_socket_fd, &error)))
    goto out;
  if (control_path) {
    if (!(sim.control_watch = sim_port_listen (control_path, FALSE, control_accept, &sim, &sim.control_fd, &error)))
      goto out;
    sim.control_path = control_path;
  }

  g_unix_signal_add (SIGTERM, quit_cb, &sim);
  g_unix_signal_add (SIGINT, quit_cb, &sim);
  g_unix_signal_add (SIGUSR1, sigusr1_cb, &sim);

  fputs ("ready\n", stdout);
  fflush (stdout);
  g_main_loop_run (sim.loop);

out:
  if (error) {
    g_printerr ("idguard-modem-sim: %s\n", error->message);
    status = 1;
  }
  g_ptr_array_unref (sim.endpoints);
  g_hash_table_destroy (sim.control_clients);
  if (sim.control_watch)
    g_source_remove (sim.control_watch);
  if (sim.at_socket_watch)
    g_source_remove (sim.at_socket_watch);
  if (sim.control_fd >= 0)
    close (sim.control_fd);
  if (sim.at_socket_fd >= 0)
    close (sim.at_socket_fd);
  if (sim.control_path)
    unlink (sim.control_path);
  sim_ids_free (sim.staged);
  sim_ids_free (sim.ids);
  g_main_loop_unref (sim.loop);
  return status;
}
