/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-bench-qmi-libqmi: the independent QMI load generator. It shares no
 * code with idg-bench-qmi (bench-common.c, its own framing and matching):
 * every client is libqmi's own stack, as ModemManager and qmicli -p use
 * it, a QmiDevice opened through the proxy on "@qmi-proxy"
 * (QMI_DEVICE_OPEN_FLAGS_PROXY: whoever listens there, libqmi's
 * qmi-proxy or idguardd's QMI door), a DMS client allocated on it, then
 * DMS Get IDs (the all-identifier load) back to back, one in flight per
 * client, for --seconds. Prints one line: count, errors, seconds, rps.
 */
#include <libqmi-glib.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  QmiDevice *device;
  QmiClient *dms;
} Client;

typedef struct {
  GMainLoop *loop;
  Client    *clients;
  guint      n_clients;
  guint      pending;      /* set-up steps or requests outstanding */
  gboolean   running;
  gboolean   failed;
  guint64    count;
  guint64    errors;
  gint64     start;
  gint64     end;
} Run;

static gchar   *opt_device;
static gint     opt_clients = 1;
static gdouble  opt_seconds = 2.0;

static GOptionEntry entries[] = {
  { "device", 'd', 0, G_OPTION_ARG_FILENAME, &opt_device, "modem port (sent in the proxy open)", "PATH" },
  { "clients", 'c', 0, G_OPTION_ARG_INT, &opt_clients, "concurrent clients (one proxy connection each)", "N" },
  { "seconds", 't', 0, G_OPTION_ARG_DOUBLE, &opt_seconds, "measuring time", "S" },
  { NULL }
};

static Run run;

static void send_one (Client *c);

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (run.loop);
  return G_SOURCE_REMOVE;
}

static void
step_done (void)
{
  if (--run.pending == 0)
    g_main_loop_quit (run.loop);
}

static void
get_ids_ready (QmiClientDms *dms,
               GAsyncResult *res,
               Client       *c)
{
  g_autoptr(GError) error = NULL;
  QmiMessageDmsGetIdsOutput *out = qmi_client_dms_get_ids_finish (dms, res, &error);

  if (!out || !qmi_message_dms_get_ids_output_get_result (out, NULL))
    run.errors++;
  else
    run.count++;
  if (out)
    qmi_message_dms_get_ids_output_unref (out);
  if (run.running && g_get_monotonic_time () < run.end) {
    send_one (c);
    return;
  }
  run.running = FALSE;
  step_done ();
}

static void
send_one (Client *c)
{
  qmi_client_dms_get_ids (QMI_CLIENT_DMS (c->dms), NULL, 10, NULL,
                          (GAsyncReadyCallback) get_ids_ready, c);
}

static void
allocate_ready (QmiDevice    *device,
                GAsyncResult *res,
                Client       *c)
{
  g_autoptr(GError) error = NULL;

  c->dms = qmi_device_allocate_client_finish (device, res, &error);
  if (!c->dms) {
    g_printerr ("idg-bench-qmi-libqmi: allocating a DMS client: %s\n", error->message);
    run.failed = TRUE;
  }
  step_done ();
}

static void
open_ready (QmiDevice    *device,
            GAsyncResult *res,
            Client       *c)
{
  g_autoptr(GError) error = NULL;

  if (!qmi_device_open_finish (device, res, &error)) {
    g_printerr ("idg-bench-qmi-libqmi: opening through the proxy: %s\n", error->message);
    run.failed = TRUE;
    step_done ();
    return;
  }
  qmi_device_allocate_client (device, QMI_SERVICE_DMS, QMI_CID_NONE, 10, NULL,
                              (GAsyncReadyCallback) allocate_ready, c);
}

static void
new_ready (GObject      *source,
           GAsyncResult *res,
           Client       *c)
{
  g_autoptr(GError) error = NULL;

  c->device = qmi_device_new_finish (res, &error);
  if (!c->device) {
    g_printerr ("idg-bench-qmi-libqmi: %s\n", error->message);
    run.failed = TRUE;
    step_done ();
    return;
  }
  qmi_device_open (c->device, QMI_DEVICE_OPEN_FLAGS_PROXY | QMI_DEVICE_OPEN_FLAGS_VERSION_INFO, 10, NULL,
                   (GAsyncReadyCallback) open_ready, c);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- QMI load through libqmi's own client stack");
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  gdouble secs;
  guint i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || !opt_device || opt_clients < 1 ||
      opt_clients > 200) {
    g_printerr ("usage: idg-bench-qmi-libqmi --device PATH [--clients N] [--seconds S]%s%s\n",
                error ? ": " : "", error ? error->message : "");
    return 2;
  }
  run.loop = g_main_loop_new (NULL, FALSE);
  run.n_clients = (guint) opt_clients;
  run.clients = g_new0 (Client, run.n_clients);
  file = g_file_new_for_path (opt_device);

  /* set-up: one proxy connection and one DMS client per client */
  run.pending = run.n_clients;
  for (i = 0; i < run.n_clients; i++)
    qmi_device_new (file, NULL, (GAsyncReadyCallback) new_ready, &run.clients[i]);
  g_main_loop_run (run.loop);
  if (run.failed)
    return 1;

  run.start = g_get_monotonic_time ();
  run.end = run.start + (gint64) (opt_seconds * G_USEC_PER_SEC);
  run.running = TRUE;
  run.pending = run.n_clients;
  for (i = 0; i < run.n_clients; i++)
    send_one (&run.clients[i]);
  g_main_loop_run (run.loop);
  secs = (g_get_monotonic_time () - run.start) / 1e6;
  printf ("count=%" G_GUINT64_FORMAT " errors=%" G_GUINT64_FORMAT " seconds=%.3f rps=%.1f\n",
          run.count, run.errors, secs, secs > 0 ? run.count / secs : 0.0);
  fflush (stdout);

  for (i = 0; i < run.n_clients; i++) {
    /* releases the client id, closes the proxy connection */
    if (run.clients[i].dms)
      qmi_device_release_client (run.clients[i].device, run.clients[i].dms,
                                 QMI_DEVICE_RELEASE_CLIENT_FLAGS_RELEASE_CID, 1, NULL, NULL, NULL);
    g_clear_object (&run.clients[i].dms);
  }
  /* let the releases go out */
  g_timeout_add (200, quit_cb, NULL);
  g_main_loop_run (run.loop);
  for (i = 0; i < run.n_clients; i++)
    g_clear_object (&run.clients[i].device);
  g_free (run.clients);
  g_main_loop_unref (run.loop);
  return 0;
}
