/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-tally.h"

#include <string.h>

#define TRIPWIRE_REASON "tripwire"

static void
row_free (gpointer data)
{
  IdgTallyRow *row = data;

  g_free (row->service);
  g_free (row->kind);
  g_free (row);
}

void
idg_tally_free (IdgTally *tally)
{
  if (tally == NULL)
    return;
  g_ptr_array_unref (tally->rows);
  g_free (tally);
}

static IdgTallyRow *
row_for (IdgTally    *tally,
         GHashTable  *index,
         const gchar *service,
         const gchar *kind,
         gboolean     flood)
{
  g_autofree gchar *key = g_strdup_printf ("%s\n%s\n%d", service, kind, flood);
  IdgTallyRow *row = g_hash_table_lookup (index, key);

  if (row != NULL)
    return row;
  row = g_new0 (IdgTallyRow, 1);
  row->service = g_strdup (service);
  row->kind = g_strdup (kind);
  row->flood = flood;
  g_ptr_array_add (tally->rows, row);
  g_hash_table_insert (index, g_steal_pointer (&key), row);
  return row;
}

static void
count (IdgTally         *tally,
       IdgTallyRow      *row,
       guint             day,
       IdgTallyDecision  decision,
       guint64           n)
{
  row->total[decision] += n;
  row->day[day][decision] += n;
  tally->total[decision] += n;
}

static gint
row_cmp (gconstpointer a,
         gconstpointer b)
{
  const IdgTallyRow *ra = *(IdgTallyRow *const *) a;
  const IdgTallyRow *rb = *(IdgTallyRow *const *) b;
  gint c = g_strcmp0 (ra->service, rb->service);

  if (c != 0)
    return c;
  if (ra->flood != rb->flood)
    return ra->flood ? 1 : -1;
  return g_strcmp0 (ra->kind, rb->kind);
}

static void
take_record (IdgTally   *tally,
             GHashTable *index,
             GVariant   *record,
             gint64      now)
{
  g_auto(GVariantDict) d = G_VARIANT_DICT_INIT (record);
  const gchar *service = "unknown", *kind = "", *decision = "", *reason = "";
  gint64 time = 0;
  guint32 n = 1;
  guint day;
  IdgTallyRow *row;

  if (!g_variant_dict_lookup (&d, "time", "x", &time))
    return;
  g_variant_dict_lookup (&d, "service", "&s", &service);
  g_variant_dict_lookup (&d, "kind", "&s", &kind);
  g_variant_dict_lookup (&d, "decision", "&s", &decision);
  g_variant_dict_lookup (&d, "reason", "&s", &reason);
  g_variant_dict_lookup (&d, "count", "u", &n);
  if (time > now)
    time = now;
  if (now - time >= IDG_TALLY_DAYS * IDG_TALLY_DAY_USEC)
    return;
  day = (guint) ((now - time) / IDG_TALLY_DAY_USEC);

  if (g_str_equal (decision, "flood")) {
    guint64 refused = 0, rewritten = 0;

    g_variant_dict_lookup (&d, "refused", "t", &refused);
    g_variant_dict_lookup (&d, "rewritten", "t", &rewritten);
    row = row_for (tally, index, service, kind, TRUE);
    count (tally, row, day, IDG_TALLY_REFUSED, refused);
    count (tally, row, day, IDG_TALLY_REWRITTEN, rewritten);
    return;
  }
  row = row_for (tally, index, service, kind, FALSE);
  if (g_str_equal (decision, "release"))
    count (tally, row, day, IDG_TALLY_RELEASED, n);
  else if (g_str_equal (decision, "rewrite")) {
    count (tally, row, day, IDG_TALLY_REWRITTEN, n);
    if (g_str_has_prefix (reason, TRIPWIRE_REASON) &&
        (reason[strlen (TRIPWIRE_REASON)] == '\0' || reason[strlen (TRIPWIRE_REASON)] == ' ')) {
      row->tripwire += n;
      tally->tripwire += n;
    }
  } else if (g_str_equal (decision, "refuse"))
    count (tally, row, day, IDG_TALLY_REFUSED, n);
}

IdgTally *
idg_tally_new (GVariant *records,
               gint64    now_usec)
{
  g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  IdgTally *tally = g_new0 (IdgTally, 1);
  GVariantIter iter;
  GVariant *record;

  tally->rows = g_ptr_array_new_with_free_func (row_free);
  if (records != NULL && g_variant_is_of_type (records, G_VARIANT_TYPE ("aa{sv}"))) {
    g_variant_iter_init (&iter, records);
    while ((record = g_variant_iter_next_value (&iter)) != NULL) {
      take_record (tally, index, record, now_usec);
      g_variant_unref (record);
    }
  }
  g_ptr_array_sort (tally->rows, row_cmp);
  return tally;
}
