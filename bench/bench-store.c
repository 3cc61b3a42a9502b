/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-bench-store: the consent store at scale.
 *   --write DIR --grants N   writes DIR/store.json (the snapshot format of
 *                            userspace/broker/idg-store-disk.c) holding N
 *                            active grants to N distinct services: uid, exe,
 *                            unit and cgroup selectors in turn, none of
 *                            which matches this process (a proxy client
 *                            without consent: the lookup finds nothing).
 *                            Far faster than N `idguardctl grant`.
 *   --lookup DIR             loads the store with the broker's own code
 *                            (idg_store_load) and times it, then times
 *                            idg_store_allowed_kinds() for this process's
 *                            identity, the per-message lookup of the doors
 *                            (best of 5 rounds of --count lookups).
 * Prints key=value pairs: load_ms=.. lookup_ns=.. grants=..
 */
#include "idg-store.h"
#include "idg-identity.h"
#include "bench-common.h"

#include <stdio.h>
#include <unistd.h>

static gchar   *opt_write;
static gchar   *opt_lookup;
static gint     opt_grants = 1000;
static gint     opt_count = 200000;

static GOptionEntry entries[] = {
  { "write", 0, 0, G_OPTION_ARG_FILENAME, &opt_write, "write a store with --grants grants", "DIR" },
  { "grants", 'n', 0, G_OPTION_ARG_INT, &opt_grants, "grants to write", "N" },
  { "lookup", 0, 0, G_OPTION_ARG_FILENAME, &opt_lookup, "load the store and time lookups", "DIR" },
  { "count", 0, 0, G_OPTION_ARG_INT, &opt_count, "lookups to time", "N" },
  { NULL }
};

static gboolean
write_store (GError **error)
{
  g_autofree gchar *path = g_build_filename (opt_write, "store.json", NULL);
  g_autoptr(GString) s = g_string_sized_new ((gsize) opt_grants * 260);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  static const gchar *const scopes[] = { "imei", "imsi,iccid", "imei,imsi,iccid,msisdn", "eid" };

  g_string_append (s, "{\"version\":1,\"generation\":1,\"grants\":[");
  for (gint i = 0; i < opt_grants; i++)
    {
      g_autofree gchar *sel = NULL;

      switch (i % 4)
        {
        case 0:  sel = g_strdup_printf ("uid:%d", 100000 + i); break;
        case 1:  sel = g_strdup_printf ("uid:%d,exe:/opt/svc%d/bin/svc", 100000 + i, i); break;
        case 2:  sel = g_strdup_printf ("unit:svc%d.service", i); break;
        default: sel = g_strdup_printf ("uid:%d,cgroup:/system.slice/svc%d.service", 100000 + i, i); break;
        }
      g_string_append_printf (s,
                              "%s{\"id\":\"g-%016x\",\"selector\":\"%s\",\"scopes\":\"%s\","
                              "\"purpose\":\"bench grant %d\",\"created\":%" G_GINT64_FORMAT ","
                              "\"expires\":0,\"revoked\":false,\"revoked-at\":0,"
                              "\"token-hash\":\"%064x\",\"request\":null}",
                              i ? "," : "", (guint) i + 1, sel, scopes[i % 4], i, now, (guint) i + 1);
    }
  g_string_append (s, "],\"requests\":[]}\n");
  g_mkdir_with_parents (opt_write, 0700);
  return g_file_set_contents_full (path, s->str, (gssize) s->len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static gboolean
time_lookup (GError **error)
{
  g_autoptr(IdgIdentity) me = idg_identity_from_pid (getpid (), getuid (), getgid (), NULL);
  guint64 t0 = bench_now_ns (), t1;
  IdgStore *store = idg_store_load (opt_lookup, error);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint32 mask = 0;
  gdouble best = G_MAXDOUBLE;

  if (!store)
    return FALSE;
  t1 = bench_now_ns ();
  if (!me)
    {
      idg_store_free (store);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no identity for this process");
      return FALSE;
    }
  printf ("grants=%u load_ms=%.1f", idg_store_count_grants (store), (t1 - t0) / 1e6);
  /* best of 5 rounds: the floor of the cost, not this machine's neighbours */
  for (gint round = 0; round < 5; round++)
    {
      t0 = bench_now_ns ();
      for (gint i = 0; i < opt_count; i++)
        mask |= idg_store_allowed_kinds (store, me, now, NULL);
      t1 = bench_now_ns ();
      best = MIN (best, (t1 - t0) / (gdouble) opt_count);
    }
  printf (" lookup_ns=%.1f matched=%u\n", best, mask != 0);
  idg_store_free (store);
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- consent store at scale");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || (!opt_write == !opt_lookup) ||
      opt_grants < 0 || opt_count < 1)
    {
      g_printerr ("usage: idg-bench-store (--write DIR --grants N | --lookup DIR [--count N])%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      return 2;
    }
  if (opt_write ? !write_store (&error) : !time_lookup (&error))
    {
      g_printerr ("idg-bench-store: %s\n", error->message);
      return 1;
    }
  return 0;
}
