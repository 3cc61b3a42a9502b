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
  SimQmi    *qmi;
  SimMbim   *mbim;
  SimPort   *qmi_port;
  SimPort   *mbim_port;
  SimPort   *at_port;
  SimAt     *at;
  gint64     qmi_last;
  gint64     mbim_last;
  GHashTable *at_clients;     /* SimPort * -> SimAt * */
  GHashTable *control_clients;/* SimPort * -> GString * (line buffer) */
  gchar     *control_path;
  gint       control_fd;
  gint       at_socket_fd;
  guint      control_watch;
  guint      at_socket_watch;
} Sim;

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
qmi_input (SimPort *port, const guint8 *data, gsize len, gpointer user_data)
{
  Sim *sim = user_data;
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (idle_gap (&sim->qmi_last))
    sim_qmi_reset_input (sim->qmi);
  sim_qmi_feed (sim->qmi, data, len, out);
  deliver (sim, SIM_PROTO_QMI, port, out);
}

static void
mbim_input (SimPort *port, const guint8 *data, gsize len, gpointer user_data)
{
  Sim *sim = user_data;
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (idle_gap (&sim->mbim_last))
    sim_mbim_reset_input (sim->mbim);
  sim_mbim_feed (sim->mbim, data, len, out);
  deliver (sim, SIM_PROTO_MBIM, port, out);
}

static void
at_input (SimPort *port, const guint8 *data, gsize len, gpointer user_data)
{
  Sim *sim = user_data;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  SimAt *at;

  if (port == sim->at_port) {
    at = sim->at;
  } else {
    if (len == 0) {
      g_hash_table_remove (sim->at_clients, port);
      return;
    }
    at = g_hash_table_lookup (sim->at_clients, port);
  }
  sim_at_feed (at, data, len, out);
  deliver (sim, SIM_PROTO_AT, port, out);
}

static void
at_accept (gint fd, gpointer user_data)
{
  Sim *sim = user_data;
  SimPort *port = sim_port_new_fd (fd, at_input, sim);

  g_hash_table_insert (sim->at_clients, port, sim_at_new (sim->ids));
}

/* ------------------------------------------------------------------------ */
/* SIM swap */

static gboolean
do_swap (Sim *sim, GError **error)
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

  if (sim->qmi) {
    sim_qmi_sim_changed (sim->qmi, out);
    deliver (sim, SIM_PROTO_QMI, sim->qmi_port, out);
  }
  if (sim->mbim) {
    sim_mbim_sim_changed (sim->mbim, out);
    deliver (sim, SIM_PROTO_MBIM, sim->mbim_port, out);
  }
  g_message ("SIM swapped");
  return TRUE;
}

static gboolean
sigusr1_cb (gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!do_swap (user_data, &error))
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
    ok = do_swap (sim, error);
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
  g_autofree gchar *qmi_link = NULL, *mbim_link = NULL, *at_link = NULL;
  g_autofree gchar *ids_path = NULL, *control_path = NULL, *at_socket = NULL;
  gint max_transfer = 0;
  GOptionEntry entries[] = {
    { "qmi", 0, 0, G_OPTION_ARG_FILENAME, &qmi_link, "Serve QMI (QMUX) on a pty linked at LINK", "LINK" },
    { "mbim", 0, 0, G_OPTION_ARG_FILENAME, &mbim_link, "Serve MBIM on a pty linked at LINK", "LINK" },
    { "at", 0, 0, G_OPTION_ARG_FILENAME, &at_link, "Serve AT commands on a pty linked at LINK", "LINK" },
    { "at-socket", 0, 0, G_OPTION_ARG_STRING, &at_socket,
      "Also serve AT on the abstract unix socket NAME (bound verbatim, e.g. abstract:sim0 for ModemManager's test mode)", "NAME" },
    { "ids", 0, 0, G_OPTION_ARG_FILENAME, &ids_path,
      "Identifiers as key=value lines (imei, imeisv, esn, meid, imsi, iccid, eid, msisdn); re-read on SIGUSR1/swap", "FILE" },
    { "control", 0, 0, G_OPTION_ARG_FILENAME, &control_path,
      "Control socket: one command per line: swap | set KEY=VALUE | fault qmi|mbim|at|all normal|garbage|silent | ping", "SOCKET" },
    { "mbim-max-control-transfer", 0, 0, G_OPTION_ARG_INT, &max_transfer,
      "Cap the MBIM control transfer size (forces fragmentation; minimum 64)", "N" },
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
  if (!qmi_link && !mbim_link && !at_link && !at_socket) {
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
  sim.control_fd = sim.at_socket_fd = -1;
  sim.at_clients = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) sim_port_free, (GDestroyNotify) sim_at_free);
  sim.control_clients = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) sim_port_free, string_free);

  if (qmi_link) {
    sim.qmi = sim_qmi_new (sim.ids);
    if (!(sim.qmi_port = sim_port_new_pty (qmi_link, qmi_input, &sim, &error)))
      goto out;
  }
  if (mbim_link) {
    sim.mbim = sim_mbim_new (sim.ids);
    sim_mbim_set_max_transfer (sim.mbim, (guint32) max_transfer);
    if (!(sim.mbim_port = sim_port_new_pty (mbim_link, mbim_input, &sim, &error)))
      goto out;
  }
  if (at_link) {
    sim.at = sim_at_new (sim.ids);
    if (!(sim.at_port = sim_port_new_pty (at_link, at_input, &sim, &error)))
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
  g_hash_table_destroy (sim.at_clients);
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
  sim_port_free (sim.qmi_port);
  sim_port_free (sim.mbim_port);
  sim_port_free (sim.at_port);
  sim_qmi_free (sim.qmi);
  sim_mbim_free (sim.mbim);
  sim_at_free (sim.at);
  sim_ids_free (sim.staged);
  sim_ids_free (sim.ids);
  g_main_loop_unref (sim.loop);
  return status;
}
