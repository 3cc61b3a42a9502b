/* SPDX-License-Identifier: GPL-2.0-or-later */
/* idg-tally: the privacy report's counting of audit records. */
#include "idg-tally.h"

#define NOW  (G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC)
#define HOUR (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

static void
add (GVariantBuilder *b,
     gint64           time,
     const gchar     *service,
     const gchar     *kind,
     const gchar     *decision,
     guint32          count,
     const gchar     *reason)
{
  GVariantBuilder r;

  g_variant_builder_init (&r, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&r, "{sv}", "time", g_variant_new_int64 (time));
  g_variant_builder_add (&r, "{sv}", "service", g_variant_new_string (service));
  g_variant_builder_add (&r, "{sv}", "kind", g_variant_new_string (kind));
  g_variant_builder_add (&r, "{sv}", "decision", g_variant_new_string (decision));
  g_variant_builder_add (&r, "{sv}", "count", g_variant_new_uint32 (count));
  g_variant_builder_add (&r, "{sv}", "reason", g_variant_new_string (reason));
  g_variant_builder_add_value (b, g_variant_builder_end (&r));
}

static IdgTallyRow *
row (IdgTally    *t,
     const gchar *service,
     const gchar *kind)
{
  guint i;

  for (i = 0; i < t->rows->len; i++) {
    IdgTallyRow *r = g_ptr_array_index (t->rows, i);

    if (g_str_equal (r->service, service) && g_str_equal (r->kind, kind))
      return r;
  }
  return NULL;
}

static void
test_count (void)
{
  GVariantBuilder b;
  g_autoptr(GVariant) records = NULL;
  g_autoptr(IdgTally) t = NULL;
  IdgTallyRow *r;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  add (&b, NOW - HOUR, "unit:b.service", "imei", "release", 1, "");
  add (&b, NOW - 2 * HOUR, "unit:b.service", "imei", "release", 2, "");
  add (&b, NOW - 30 * HOUR, "unit:b.service", "imei", "refuse", 4, "no grant");
  add (&b, NOW - 6 * 24 * HOUR - HOUR, "unit:b.service", "imei", "rewrite", 1, "");
  add (&b, NOW - 8 * 24 * HOUR, "unit:b.service", "imei", "release", 100, "");     /* too old */
  add (&b, NOW + HOUR, "exe:/usr/sbin/ModemManager", "imsi", "rewrite", 3, "tripwire qmi/dms");
  add (&b, NOW - HOUR, "exe:/usr/sbin/ModemManager", "imsi", "rewrite", 2, "tripwires are not this");
  add (&b, NOW - HOUR, "unit:a.service", "raw-sim", "refuse", 1, "raw SIM access");
  records = g_variant_ref_sink (g_variant_builder_end (&b));

  t = idg_tally_new (records, NOW);
  g_assert_cmpuint (t->rows->len, ==, 3);
  r = row (t, "unit:b.service", "imei");
  g_assert_nonnull (r);
  g_assert_cmpuint (r->total[IDG_TALLY_RELEASED], ==, 3);
  g_assert_cmpuint (r->total[IDG_TALLY_REFUSED], ==, 4);
  g_assert_cmpuint (r->total[IDG_TALLY_REWRITTEN], ==, 1);
  g_assert_cmpuint (r->day[0][IDG_TALLY_RELEASED], ==, 3);
  g_assert_cmpuint (r->day[1][IDG_TALLY_REFUSED], ==, 4);
  g_assert_cmpuint (r->day[6][IDG_TALLY_REWRITTEN], ==, 1);
  r = row (t, "exe:/usr/sbin/ModemManager", "imsi");
  g_assert_nonnull (r);
  /* a record from the future counts as now; "tripwires..." is not the tripwire */
  g_assert_cmpuint (r->day[0][IDG_TALLY_REWRITTEN], ==, 5);
  g_assert_cmpuint (r->tripwire, ==, 3);
  g_assert_cmpuint (t->tripwire, ==, 3);
  g_assert_cmpuint (t->total[IDG_TALLY_RELEASED], ==, 3);
  g_assert_cmpuint (t->total[IDG_TALLY_REFUSED], ==, 5);
  g_assert_cmpuint (t->total[IDG_TALLY_REWRITTEN], ==, 6);

  /* sorted by service, then kind */
  g_assert_cmpstr (((IdgTallyRow *) g_ptr_array_index (t->rows, 0))->service, ==, "exe:/usr/sbin/ModemManager");
  g_assert_cmpstr (((IdgTallyRow *) g_ptr_array_index (t->rows, 1))->service, ==, "unit:a.service");
}

static void
test_flood (void)
{
  GVariantBuilder b, r;
  g_autoptr(GVariant) records = NULL;
  g_autoptr(IdgTally) t = NULL;
  IdgTallyRow *row0;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_init (&r, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&r, "{sv}", "time", g_variant_new_int64 (NOW - HOUR));
  g_variant_builder_add (&r, "{sv}", "service", g_variant_new_string ("uid:1000"));
  g_variant_builder_add (&r, "{sv}", "kind", g_variant_new_string ("imei,imsi"));
  g_variant_builder_add (&r, "{sv}", "decision", g_variant_new_string ("flood"));
  g_variant_builder_add (&r, "{sv}", "refused", g_variant_new_uint64 (900));
  g_variant_builder_add (&r, "{sv}", "rewritten", g_variant_new_uint64 (12));
  g_variant_builder_add_value (&b, g_variant_builder_end (&r));
  /* a record without a time is left out, not counted as the epoch */
  g_variant_builder_init (&r, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&r, "{sv}", "decision", g_variant_new_string ("release"));
  g_variant_builder_add_value (&b, g_variant_builder_end (&r));
  records = g_variant_ref_sink (g_variant_builder_end (&b));

  t = idg_tally_new (records, NOW);
  g_assert_cmpuint (t->rows->len, ==, 1);
  row0 = g_ptr_array_index (t->rows, 0);
  g_assert_true (row0->flood);
  g_assert_cmpuint (row0->total[IDG_TALLY_REFUSED], ==, 900);
  g_assert_cmpuint (row0->total[IDG_TALLY_REWRITTEN], ==, 12);
  g_assert_cmpuint (t->total[IDG_TALLY_RELEASED], ==, 0);
}

static void
test_empty (void)
{
  g_autoptr(IdgTally) t = idg_tally_new (NULL, NOW);
  g_autoptr(GVariant) wrong = g_variant_ref_sink (g_variant_new_string ("not records"));
  g_autoptr(IdgTally) t2 = idg_tally_new (wrong, NOW);

  g_assert_cmpuint (t->rows->len, ==, 0);
  g_assert_cmpuint (t2->rows->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/settings/tally/count", test_count);
  g_test_add_func ("/settings/tally/flood", test_flood);
  g_test_add_func ("/settings/tally/empty", test_empty);
  return g_test_run ();
}
