// SPDX-License-Identifier: GPL-2.0-or-later
/* The audit's per-uid rate limiter: token buckets, the fixed table, the
 * flood tallies. Times are made up (the limiter takes them as arguments). */
#include <glib.h>
#include "idg-audit-limit.h"

#define MS 1000   /* usec */
#define END { 0, -1, FALSE }

typedef struct {
  guint32  uid;
  gint64   ms;
  gboolean written;
} Step;

static const struct {
  const gchar *name;
  guint        rate, burst, size;
  Step         steps[12];
} cases[] = {
  { "burst, then counted", 1, 3, 8,
    { { 7, 0, TRUE }, { 7, 0, TRUE }, { 7, 0, TRUE }, { 7, 0, FALSE }, { 7, 10, FALSE }, END } },
  { "refilled at the rate", 2, 1, 8,
    { { 7, 0, TRUE }, { 7, 0, FALSE }, { 7, 400, FALSE }, { 7, 500, TRUE }, { 7, 600, FALSE },
      { 7, 1000, TRUE }, END } },
  { "each uid its own bucket", 1, 1, 8,
    { { 1, 0, TRUE }, { 1, 0, FALSE }, { 2, 0, TRUE }, { 2, 0, FALSE }, { 0, 0, TRUE },
      { IDG_AUDIT_LIMIT_NO_UID, 0, TRUE }, { IDG_AUDIT_LIMIT_NO_UID, 0, FALSE }, END } },
  { "a long pause gives a burst, no more", 1, 2, 8,
    { { 7, 0, TRUE }, { 7, 0, TRUE }, { 7, 0, FALSE }, { 7, 100000, TRUE }, { 7, 100000, TRUE },
      { 7, 100000, FALSE }, END } },
  { "a full table: new uids share one bucket", 1, 1, 2,
    { { 1, 0, TRUE }, { 2, 0, TRUE }, { 3, 0, TRUE }, { 4, 0, FALSE }, { 1, 0, FALSE },
      { 2, 0, FALSE }, END } },
  { "an idle entry is taken over, a busy one is not", 1, 1, 1,
    { { 1, 0, TRUE }, { 2, 0, TRUE }, { 2, 0, FALSE }, { 1, 0, FALSE }, { 3, 2000, TRUE },
      { 3, 2000, FALSE }, { 1, 2000, TRUE }, { 1, 2000, FALSE }, END } },
};

static void
test_take (gconstpointer data)
{
  guint c = GPOINTER_TO_UINT (data);
  g_autoptr(IdgAuditLimit) limit = idg_audit_limit_new (cases[c].rate, cases[c].burst, cases[c].size);
  guint i;

  for (i = 0; cases[c].steps[i].ms >= 0; i++) {
    const Step *s = &cases[c].steps[i];

    g_test_message ("%s: step %u", cases[c].name, i);
    g_assert_cmpint (idg_audit_limit_take (limit, s->uid, s->ms * MS, IDG_DECISION_REFUSE, 0, 0, 1),
                     ==, s->written);
  }
}

static void
collect (const IdgAuditFlood *flood, gpointer data)
{
  g_array_append_val ((GArray *) data, *flood);
}

/* What was not written is counted per uid, by decision, with the doors and
 * kinds seen; a drain hands it over once. */
static void
test_tally (void)
{
  g_autoptr(IdgAuditLimit) limit = idg_audit_limit_new (1, 1, 8);
  g_autoptr(GArray) floods = g_array_new (FALSE, FALSE, sizeof (IdgAuditFlood));
  IdgAuditFlood *f;
  guint i;

  g_assert_true (idg_audit_limit_take (limit, 5, 0, IDG_DECISION_REFUSE, 1, 8, 1));
  g_assert_false (idg_audit_limit_pending (limit));
  for (i = 0; i < 10; i++)
    g_assert_false (idg_audit_limit_take (limit, 5, 0, IDG_DECISION_REFUSE, 1, 8, 3));
  for (i = 0; i < 5; i++)
    g_assert_false (idg_audit_limit_take (limit, 5, 0, IDG_DECISION_REWRITE, 2, 0, 1));
  /* out-of-range bits are dropped, the events still counted */
  g_assert_false (idg_audit_limit_take (limit, 5, 0, IDG_DECISION_REWRITE, 40, 40, 1));
  g_assert_true (idg_audit_limit_pending (limit));
  g_assert_cmpuint (idg_audit_limit_drain (limit, collect, floods), ==, 1);
  f = &g_array_index (floods, IdgAuditFlood, 0);
  g_assert_cmpuint (f->uid, ==, 5);
  g_assert_cmpuint (f->suppressed[IDG_DECISION_REFUSE], ==, 30);
  g_assert_cmpuint (f->suppressed[IDG_DECISION_REWRITE], ==, 6);
  g_assert_cmpuint (f->suppressed[IDG_DECISION_RELEASE], ==, 0);
  g_assert_cmpuint (f->records, ==, 16);
  g_assert_cmphex (f->doors, ==, (1u << 1) | (1u << 2));
  g_assert_cmphex (f->kinds, ==, (1u << 8) | 1u);
  g_assert_false (idg_audit_limit_pending (limit));
  g_assert_cmpuint (idg_audit_limit_drain (limit, collect, floods), ==, 0);
  /* the bucket is still empty after the drain */
  g_assert_false (idg_audit_limit_take (limit, 5, 0, IDG_DECISION_REFUSE, 1, 8, 1));
}

/* Thousands of uids in a table of 4: at most 5 tallies (4 and the shared
 * one), and every suppressed event is in one of them. */
static void
test_bounded (void)
{
  g_autoptr(IdgAuditLimit) limit = idg_audit_limit_new (1, 1, 4);
  g_autoptr(GArray) floods = g_array_new (FALSE, FALSE, sizeof (IdgAuditFlood));
  guint64 written = 0, counted = 0;
  guint i, uid;

  for (i = 0; i < 3; i++)
    for (uid = 1000; uid < 4000; uid++)
      written += idg_audit_limit_take (limit, uid, i * MS, IDG_DECISION_REFUSE, 0, 0, 1);
  g_assert_cmpuint (idg_audit_limit_drain (limit, collect, floods), <=, 5);
  for (i = 0; i < floods->len; i++)
    counted += g_array_index (floods, IdgAuditFlood, i).suppressed[IDG_DECISION_REFUSE];
  g_assert_cmpuint (written + counted, ==, 3 * 3000);
  /* 4 own buckets and the shared one: one token each, no refill in 2 ms */
  g_assert_cmpuint (written, ==, 5);
  g_assert_cmpuint (g_array_index (floods, IdgAuditFlood, floods->len - 1).uid, ==,
                    IDG_AUDIT_LIMIT_OTHERS);
}

int
main (int argc, char **argv)
{
  guint c;

  g_test_init (&argc, &argv, NULL);
  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    g_autofree gchar *path = g_strdup_printf ("/broker/audit-limit/take/%u", c);
    g_test_add_data_func (path, GUINT_TO_POINTER (c), test_take);
  }
  g_test_add_func ("/broker/audit-limit/tally", test_tally);
  g_test_add_func ("/broker/audit-limit/bounded", test_bounded);
  return g_test_run ();
}
