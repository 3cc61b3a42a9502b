/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mbim-watch DEVICE SECONDS: a long-running libmbim client for the
 * integration tests. Opens DEVICE through the proxy (as ModemManager does),
 * prints "ready", then one line per Subscriber Ready Status indication it
 * receives ("srs imsi=... iccid=... msisdn=..."), and exits 0 after SECONDS.
 * Every proxy client is subscribed to Subscriber Ready Status by default,
 * so it sends no subscribe list of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <libmbim-glib.h>

static GMainLoop *loop;
static int status = 1;

static void
indication_cb (MbimDevice  *device,
               MbimMessage *message,
               gpointer     user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *imsi = NULL;
  g_autofree gchar *iccid = NULL;
  g_auto(GStrv) numbers = NULL;

  if (mbim_message_indicate_status_get_service (message) != MBIM_SERVICE_BASIC_CONNECT ||
      mbim_message_indicate_status_get_cid (message) != MBIM_CID_BASIC_CONNECT_SUBSCRIBER_READY_STATUS)
    return;
  if (!mbim_message_subscriber_ready_status_notification_parse (message, NULL, &imsi, &iccid, NULL,
                                                                NULL, &numbers, &error)) {
    printf ("srs unparseable: %s\n", error->message);
  } else {
    printf ("srs imsi=%s iccid=%s msisdn=%s\n", imsi ? imsi : "", iccid ? iccid : "",
            numbers && numbers[0] ? numbers[0] : "");
  }
  fflush (stdout);
}

static void
open_ready (MbimDevice   *device,
            GAsyncResult *res,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!mbim_device_open_full_finish (device, res, &error)) {
    fprintf (stderr, "mbim-watch: open failed: %s\n", error->message);
    g_main_loop_quit (loop);
    return;
  }
  g_signal_connect (device, MBIM_DEVICE_SIGNAL_INDICATE_STATUS, G_CALLBACK (indication_cb), NULL);
  printf ("ready\n");
  fflush (stdout);
  status = 0;
}

static void
new_ready (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  MbimDevice **out = user_data;

  *out = mbim_device_new_finish (res, &error);
  if (!*out) {
    fprintf (stderr, "mbim-watch: %s\n", error->message);
    g_main_loop_quit (loop);
    return;
  }
  mbim_device_open_full (*out, MBIM_DEVICE_OPEN_FLAGS_PROXY, 15, NULL,
                         (GAsyncReadyCallback) open_ready, NULL);
}

static gboolean
done_cb (gpointer user_data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GFile) file = NULL;
  MbimDevice *device = NULL;

  if (argc != 3) {
    fprintf (stderr, "usage: mbim-watch DEVICE SECONDS\n");
    return 2;
  }
  loop = g_main_loop_new (NULL, FALSE);
  file = g_file_new_for_path (argv[1]);
  mbim_device_new (file, NULL, new_ready, &device);
  g_timeout_add_seconds ((guint) atoi (argv[2]), done_cb, NULL);
  g_main_loop_run (loop);
  g_clear_object (&device);
  g_main_loop_unref (loop);
  return status;
}
