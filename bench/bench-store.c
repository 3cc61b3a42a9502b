/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-bench-store: the consent store at scale.
 *   --write DIR --grants N   writes DIR/store.snapshot (the snapshot of
 *                            userspace/broker/idg-store-snapshot.c) holding N
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
#include "idg-store-private.h"
#include "idg-identity.h"
#include "bench-common.h"

#include <stdio.h>
#include <string.h>
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

/* The store is built in memory with the store's own code and written as
 * its snapshot (store.snapshot and an empty journal), as a broker that made
 * those grants would have left it: 1,000,000 grants in seconds. */
static gboolean
write_store (GError **error)
{
  g_autoptr(IdgStore) store = idg_store_new_empty ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  static const gchar *const scopes[] = { "imei", "imsi,iccid", "imei,imsi,iccid,msisdn", "eid" };

  for (gint i = 0; i < opt_grants; i++)
    {
      g_autofree gchar *sel_str = NULL;
      g_autofree gchar *purpose = g_strdup_printf ("bench grant %d", i);
      g_autoptr(IdgSelector) sel = NULL;
      IdgStoreGrant *g;
      guint32 n = (guint32) i + 1;

      switch (i % 4)
        {
        case 0:  sel_str = g_strdup_printf ("uid:%d", 100000 + i); break;
        case 1:  sel_str = g_strdup_printf ("uid:%d,exe:/opt/svc%d/bin/svc", 100000 + i, i); break;
        case 2:  sel_str = g_strdup_printf ("unit:svc%d.service", i); break;
        default: sel_str = g_strdup_printf ("uid:%d,cgroup:/system.slice/svc%d.service", 100000 + i, i); break;
        }
      sel = idg_selector_parse (sel_str, error);
      if (!sel)
        return FALSE;
      g = g_new0 (IdgStoreGrant, 1);
      g->id = n;
      idg_store_grant_set_selector (g, sel);
      g->scopes = idg_kind_mask_parse (scopes[i % 4], NULL);
      g->purpose = idg_store_intern (purpose);
      g->created = now;
      memcpy (g->token_hash, &n, sizeof n);   /* distinct; no token matches it */
      g->flags |= IDG_STORE_GRANT_HAS_HASH;
      if (!idg_store_put_grant (store, g))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "grant %d refused", i);
          return FALSE;
        }
    }
  g_mkdir_with_parents (opt_write, 0700);
  store->dir = g_strdup (opt_write);
  return idg_store_disk_rewrite (store, error);
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
