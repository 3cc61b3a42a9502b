/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-bench-ids: what a service pays to read one identifier.
 *   --lib KIND        idguard_get() of libidguard, COUNT times, with the token
 *                     of --token-file (transport chosen by libidguard's usual
 *                     environment: IDGUARD_SOCKET / IDGUARD_TRANSPORT)
 *   --dbus ADDRESS    Properties.Get of --interface/--property on --dest
 *                     --path over the bus at ADDRESS (one connection, reused):
 *                     ModemManager's EquipmentIdentifier, the baseline.
 * Prints the result line of bench-common; a refused read counts as an error.
 */
#include "bench-common.h"

#include <idguard.h>
#include <stdio.h>
#include <string.h>

static gchar *opt_kind;
static gchar *opt_token_file;
static gchar *opt_dbus;
static gchar *opt_dest;
static gchar *opt_path;
static gchar *opt_iface;
static gchar *opt_prop;
static gint   opt_count = 1000;

static GOptionEntry entries[] = {
  { "lib", 0, 0, G_OPTION_ARG_STRING, &opt_kind, "read KIND through libidguard", "KIND" },
  { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_token_file, "token for --lib", "PATH" },
  { "dbus", 0, 0, G_OPTION_ARG_STRING, &opt_dbus, "read a property over the bus at ADDRESS", "ADDRESS" },
  { "dest", 0, 0, G_OPTION_ARG_STRING, &opt_dest, "bus name", "NAME" },
  { "path", 0, 0, G_OPTION_ARG_STRING, &opt_path, "object path", "PATH" },
  { "interface", 0, 0, G_OPTION_ARG_STRING, &opt_iface, "interface of the property", "IFACE" },
  { "property", 0, 0, G_OPTION_ARG_STRING, &opt_prop, "property name", "NAME" },
  { "count", 'n', 0, G_OPTION_ARG_INT, &opt_count, "reads", "N" },
  { NULL }
};

static gboolean
read_lib (const gchar *token, BenchStats *stats, GError **error)
{
  char value[IDGUARD_VALUE_MAX];
  int rc = idguard_get (opt_kind, token, value, sizeof value);

  memset (value, 0, sizeof value);
  if (rc == IDGUARD_E_NO_BROKER)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "%s", idguard_strerror (rc));
      return FALSE;
    }
  if (rc != IDGUARD_OK)
    stats->errors++;
  return TRUE;
}

static gboolean
read_dbus (GDBusConnection *bus, BenchStats *stats, GError **error)
{
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (bus, opt_dest, opt_path, "org.freedesktop.DBus.Properties", "Get",
                                 g_variant_new ("(ss)", opt_iface, opt_prop), G_VARIANT_TYPE ("(v)"),
                                 G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);

  if (!reply)
    return FALSE;
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- identifier read cost");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autofree gchar *token = NULL;
  BenchStats stats;
  gboolean ok = TRUE;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || opt_count < 1 ||
      (!opt_kind == !opt_dbus) || (opt_kind && !opt_token_file) ||
      (opt_dbus && (!opt_dest || !opt_path || !opt_iface || !opt_prop)))
    {
      g_printerr ("usage: idg-bench-ids (--lib KIND --token-file PATH | --dbus ADDRESS --dest N --path P "
                  "--interface I --property P) [--count N]%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      return 2;
    }
  if (opt_kind)
    {
      if (!g_file_get_contents (opt_token_file, &token, NULL, &error))
        goto fail;
      g_strstrip (token);
    }
  else
    {
      bus = g_dbus_connection_new_for_address_sync (opt_dbus,
                                                    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                    NULL, NULL, &error);
      if (!bus)
        goto fail;
    }

  bench_stats_init (&stats);
  stats.start_ns = bench_now_ns ();
  for (gint i = 0; i < opt_count && ok; i++)
    {
      guint64 t0 = bench_now_ns ();

      ok = opt_kind ? read_lib (token, &stats, &error) : read_dbus (bus, &stats, &error);
      g_array_append_val (stats.latency_ns, (guint64) { bench_now_ns () - t0 });
    }
  stats.end_ns = bench_now_ns ();
  if (ok)
    bench_stats_print (&stats);
  bench_stats_clear (&stats);
  if (ok)
    return 0;

fail:
  g_printerr ("idg-bench-ids: %s\n", error->message);
  return 1;
}
