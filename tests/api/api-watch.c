/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a Settings UI sees: connects to the broker's peer-to-peer socket,
 * prints "ready", then one line per org.idguard.Admin1 signal
 * ("RequestPending ID SCOPES PURPOSE", "GrantsChanged"), and exits after
 * COUNT signals (0) or SECONDS (1).
 *
 *   api-watch SOCKET SECONDS COUNT
 */
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>

static GMainLoop *loop;
static int remaining;

static void
on_signal (GDBusConnection *conn, const gchar *sender, const gchar *path,
           const gchar *iface, const gchar *name, GVariant *args, gpointer data)
{
  if (g_strcmp0 (name, "RequestPending") == 0) {
    const gchar *id, *requester, *scopes, *purpose;

    g_variant_get (args, "(&s&s&s&s)", &id, &requester, &scopes, &purpose);
    printf ("RequestPending %s %s %s\n", id, scopes, purpose);
  } else {
    printf ("%s\n", name);
  }
  fflush (stdout);
  if (--remaining <= 0)
    g_main_loop_quit (loop);
}

static gboolean
on_timeout (gpointer data)
{
  *(int *) data = 1;
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) conn = NULL;
  g_autofree gchar *escaped = NULL;
  g_autofree gchar *address = NULL;
  int timed_out = 0;

  if (argc != 4) {
    fprintf (stderr, "usage: api-watch SOCKET SECONDS COUNT\n");
    return 2;
  }
  escaped = g_dbus_address_escape_value (argv[1]);
  address = g_strdup_printf ("unix:path=%s", escaped);
  conn = g_dbus_connection_new_for_address_sync (address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &error);
  if (!conn) {
    fprintf (stderr, "api-watch: %s\n", error->message);
    return 2;
  }
  remaining = atoi (argv[3]);
  loop = g_main_loop_new (NULL, FALSE);
  g_dbus_connection_signal_subscribe (conn, NULL, "org.idguard.Admin1", NULL,
                                      "/org/idguard/Broker1", NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, on_signal, NULL, NULL);
  g_timeout_add_seconds ((guint) atoi (argv[2]), on_timeout, &timed_out);
  printf ("ready\n");
  fflush (stdout);
  g_main_loop_run (loop);
  g_main_loop_unref (loop);
  return timed_out;
}
