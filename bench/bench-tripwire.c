/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-bench-tripwire: what the value tripwire costs per message and how
 * often it fires on traffic that holds no identifier.
 *
 * The tripwire is built from a random identifier set (all eight kinds) plus
 * a previous SIM's IMSI, ICCID, EID and MSISDN, as the broker holds them
 * after one swap. Then, for each traffic class, MiB of generated traffic
 * are scanned in messages of --size bytes (allowed: nothing, as for a client
 * without consent):
 *   binary  uniformly random bytes, binary tripwire (QMI, MBIM)
 *   text    printable ASCII as in AT replies, text tripwire (AT)
 *   digits  random decimal digits only, text tripwire: the worst case for
 *           the 6-digit runs
 * and prints, per class, lines "NAME|VALUE|UNIT":
 *   tripwire scan CLASS          ns per KiB (best of --rounds)
 *   tripwire false hits CLASS    messages masked per MiB of traffic
 * plus the build time and the automaton's size. --callgrind scans
 * --mib MiB of the binary class once (for valgrind --tool=callgrind
 * --toggle-collect=idg_tripwire_scan) and prints the KiB scanned.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "idg-encoding.h"
#include "idg-tripwire.h"

static gint     opt_size = 256;
static gint     opt_rounds = 5;
static gdouble  opt_mib = 8;
static gboolean opt_callgrind;

static GOptionEntry entries[] = {
  { "size", 's', 0, G_OPTION_ARG_INT, &opt_size, "message size in bytes", "N" },
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt_rounds, "timing rounds (best is kept)", "N" },
  { "mib", 'm', 0, G_OPTION_ARG_DOUBLE, &opt_mib, "MiB of traffic per class and round", "N" },
  { "callgrind", 0, 0, G_OPTION_ARG_NONE, &opt_callgrind, "one pass over the binary class only", NULL },
  { NULL }
};

static void
rand_digits (GRand *r,
             gchar *out,
             guint  n)
{
  guint i;

  for (i = 0; i < n; i++)
    out[i] = (gchar) ('0' + g_rand_int_range (r, 0, 10));
}

/* One identifier set, as tests/tools/gen-ids.py makes them. */
static void
add_set (IdgTripwire *tw,
         GRand       *r,
         gboolean     device)
{
  gchar v[40];
  guint i;

  if (device) {
    memset (v, 0, sizeof v);
    memcpy (v, "35", 2);
    rand_digits (r, v + 2, 12);
    v[14] = idg_luhn_check_digit (v, 14);
    idg_tripwire_add (tw, IDG_KIND_IMEI, v);
    rand_digits (r, v + 14, 2);
    idg_tripwire_add (tw, IDG_KIND_IMEISV, v);
    memset (v, 0, sizeof v);
    for (i = 0; i < 14; i++)
      v[i] = "0123456789ABCDEF"[g_rand_int_range (r, 0, 16)];
    idg_tripwire_add (tw, IDG_KIND_MEID, v);
    v[8] = '\0';
    idg_tripwire_add (tw, IDG_KIND_ESN, v);
  }
  memset (v, 0, sizeof v);
  memcpy (v, "310260", 6);
  rand_digits (r, v + 6, 9);
  idg_tripwire_add (tw, IDG_KIND_IMSI, v);
  memset (v, 0, sizeof v);
  memcpy (v, "8901", 4);
  rand_digits (r, v + 4, 14);
  v[18] = idg_luhn_check_digit (v, 18);
  idg_tripwire_add (tw, IDG_KIND_ICCID, v);
  memset (v, 0, sizeof v);
  memcpy (v, "89049032", 8);
  rand_digits (r, v + 8, 24);
  idg_eid_fix_check (v);
  idg_tripwire_add (tw, IDG_KIND_EID, v);
  memset (v, 0, sizeof v);
  memcpy (v, "+1", 2);
  rand_digits (r, v + 2, 10);
  idg_tripwire_add (tw, IDG_KIND_MSISDN, v);
}

static IdgTripwire *
build (GRand    *r,
       gboolean  binary)
{
  IdgTripwire *tw = idg_tripwire_new (binary);

  add_set (tw, r, TRUE);    /* current */
  add_set (tw, r, FALSE);   /* the previous SIM */
  idg_tripwire_n_states (tw);
  return tw;
}

typedef enum { CLASS_BINARY, CLASS_TEXT, CLASS_DIGITS } Class;
static const gchar *const class_names[] = { "binary", "text", "digits" };

static void
fill (GRand  *r,
      Class   c,
      guint8 *buf,
      gsize   n)
{
  gsize i;

  for (i = 0; i < n; i++)
    switch (c) {
    case CLASS_BINARY:
      buf[i] = (guint8) g_rand_int_range (r, 0, 256);
      break;
    case CLASS_TEXT:
      buf[i] = (guint8) g_rand_int_range (r, 0x20, 0x7F);
      break;
    case CLASS_DIGITS:
      buf[i] = (guint8) ('0' + g_rand_int_range (r, 0, 10));
      break;
    }
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- the value tripwire's cost");
  g_autoptr(GError) error = NULL;
  GRand *r = g_rand_new ();
  gsize total, msgs, size, i;
  guint8 *traffic, *work;
  guint c;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  size = (gsize) CLAMP (opt_size, 16, 65536);
  msgs = MAX ((gsize) (opt_mib * 1048576.0) / size, 1);
  total = msgs * size;
  traffic = g_malloc (total);
  work = g_malloc (size);

  if (opt_callgrind) {
    g_autoptr(IdgTripwire) tw = build (r, TRUE);

    fill (r, CLASS_BINARY, traffic, total);
    for (i = 0; i < msgs; i++) {
      memcpy (work, traffic + i * size, size);
      idg_tripwire_scan (tw, 0, work, size, NULL);
    }
    printf ("tripwire callgrind KiB|%" G_GSIZE_FORMAT "|KiB\n", total / 1024);
    return 0;
  }

  {
    gint64 t0 = g_get_monotonic_time ();
    g_autoptr(IdgTripwire) tw = build (r, TRUE);
    gint64 t1 = g_get_monotonic_time ();

    printf ("tripwire build (two SIMs)|%.3f|ms\n", (t1 - t0) / 1000.0);
    printf ("tripwire patterns|%u|count\n", idg_tripwire_n_patterns (tw));
    printf ("tripwire automaton states|%u|count\n", idg_tripwire_n_states (tw));
  }
  for (c = CLASS_BINARY; c <= CLASS_DIGITS; c++) {
    g_autoptr(IdgTripwire) tw = build (r, c == CLASS_BINARY);
    gdouble best = G_MAXDOUBLE;
    guint64 masked = 0;
    gint round;

    fill (r, (Class) c, traffic, total);
    for (round = 0; round < opt_rounds; round++) {
      gint64 t0 = g_get_monotonic_time (), dt;

      masked = 0;
      for (i = 0; i < msgs; i++) {
        memcpy (work, traffic + i * size, size);
        masked += idg_tripwire_scan (tw, 0, work, size, NULL) != 0;
      }
      dt = g_get_monotonic_time () - t0;
      best = MIN (best, dt * 1000.0 / (total / 1024.0));
    }
    printf ("tripwire scan %s traffic|%.0f|ns/KiB\n", class_names[c], best);
    printf ("tripwire false hits %s traffic (%" G_GSIZE_FORMAT "-byte messages)|%.2f|1/MiB\n",
            class_names[c], size, masked * 1048576.0 / total);
  }
  g_free (traffic);
  g_free (work);
  g_rand_free (r);
  return 0;
}
