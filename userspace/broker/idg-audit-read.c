// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Audit records as JSON lines, and reading them back: one log's files in
 * order, two logs merged by time, the per-service report.
 */
#include "idg-audit-private.h"

#include <string.h>
#include <json-glib/json-glib.h>

#define FLOOD "flood"

void
idg_audit_record_clear (IdgAuditRecord *record)
{
  g_free (record->identity);
  g_free (record->service);
  g_free (record->kind);
  g_free (record->door);
  g_free (record->grants);
  g_free (record->reason);
}

void
idg_audit_record_free (IdgAuditRecord *record)
{
  if (record == NULL)
    return;
  idg_audit_record_clear (record);
  g_free (record);
}

void
idg_audit_report_row_free (IdgAuditReportRow *row)
{
  if (row == NULL)
    return;
  g_free (row->service);
  g_free (row->kind);
  g_free (row);
}

const gchar *
idg_audit_record_decision (const IdgAuditRecord *record)
{
  switch (record->type) {
  case IDG_AUDIT_TYPE_EVENT:
    return idg_decision_to_string (record->decision);
  case IDG_AUDIT_TYPE_FLOOD:
    return FLOOD;
  }
  return "unknown";
}

static void
add_count (JsonBuilder *b,
           const gchar *name,
           guint64      value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, (gint64) MIN (value, (guint64) G_MAXINT64));
}

gchar *
idg_audit_record_to_json (const IdgAuditRecord *record)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (record->usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) dtu = dt != NULL ? g_date_time_add (dt, record->usec % G_USEC_PER_SEC) : NULL;
  g_autofree gchar *time = dtu != NULL ? g_date_time_format (dtu, "%Y-%m-%dT%H:%M:%S.%fZ") : NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, time != NULL ? time : "");
  json_builder_set_member_name (b, "usec");
  json_builder_add_int_value (b, record->usec);
  json_builder_set_member_name (b, "identity");
  json_builder_add_string_value (b, record->identity);
  json_builder_set_member_name (b, "service");
  json_builder_add_string_value (b, record->service);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, record->kind);
  json_builder_set_member_name (b, "door");
  json_builder_add_string_value (b, record->door);
  json_builder_set_member_name (b, "grants");
  if (record->grants != NULL)
    json_builder_add_string_value (b, record->grants);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "decision");
  json_builder_add_string_value (b, idg_audit_record_decision (record));
  add_count (b, "count", record->count);
  if (record->type == IDG_AUDIT_TYPE_FLOOD) {
    add_count (b, "refused", record->suppressed[IDG_DECISION_REFUSE]);
    add_count (b, "rewritten", record->suppressed[IDG_DECISION_REWRITE]);
    add_count (b, "records", record->records);
  }
  if (record->reason != NULL) {
    json_builder_set_member_name (b, "reason");
    json_builder_add_string_value (b, record->reason);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static gboolean
decision_from_string (const gchar  *s,
                      IdgDecision  *decision,
                      IdgAuditType *type)
{
  guint d;

  *type = IDG_AUDIT_TYPE_EVENT;
  for (d = 0; d < IDG_DECISION_COUNT; d++)
    if (g_strcmp0 (s, idg_decision_to_string ((IdgDecision) d)) == 0) {
      *decision = (IdgDecision) d;
      return TRUE;
    }
  if (g_strcmp0 (s, FLOOD) == 0) {
    *decision = IDG_DECISION_REFUSE;
    *type = IDG_AUDIT_TYPE_FLOOD;
    return TRUE;
  }
  return FALSE;
}

static const gchar *
member_str (JsonObject  *o,
            const gchar *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gint64
member_int (JsonObject  *o,
            const gchar *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return -1;
  return json_node_get_int (n);
}

/* One line back into a record; NULL for a line that is not one (a torn last
 * line after a crash, a hand edit): skipped by queries. */
static IdgAuditRecord *
record_from_json (JsonParser  *parser,
                  const gchar *line)
{
  JsonNode *root;
  JsonObject *o;
  IdgAuditRecord *r;
  gint64 usec, count;
  IdgDecision d;
  IdgAuditType type;

  if (!json_parser_load_from_data (parser, line, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  o = json_node_get_object (root);
  usec = member_int (o, "usec");
  count = member_int (o, "count");
  if (usec < 0 || count < 0 || count > G_MAXUINT ||
      member_str (o, "service") == NULL || member_str (o, "kind") == NULL ||
      member_str (o, "door") == NULL || !decision_from_string (member_str (o, "decision"), &d, &type))
    return NULL;
  r = g_new0 (IdgAuditRecord, 1);
  r->usec = usec;
  r->identity = g_strdup (member_str (o, "identity"));
  r->service = g_strdup (member_str (o, "service"));
  r->kind = g_strdup (member_str (o, "kind"));
  r->door = g_strdup (member_str (o, "door"));
  r->grants = g_strdup (member_str (o, "grants"));
  r->reason = g_strdup (member_str (o, "reason"));
  r->decision = d;
  r->type = type;
  r->count = (guint) count;
  if (type == IDG_AUDIT_TYPE_FLOOD) {
    r->suppressed[IDG_DECISION_REFUSE] = (guint64) MAX (member_int (o, "refused"), 0);
    r->suppressed[IDG_DECISION_REWRITE] = (guint64) MAX (member_int (o, "rewritten"), 0);
    r->records = (guint64) MAX (member_int (o, "records"), 0);
  }
  return r;
}

static gboolean
read_file (const gchar  *path,
           gint64        since,
           JsonParser   *parser,
           GPtrArray    *out,
           GError      **error)
{
  g_autofree gchar *data = NULL;
  g_autoptr(GError) local = NULL;
  gchar *line, *next;

  if (!g_file_get_contents (path, &data, NULL, &local)) {
    if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return TRUE;
    g_set_error (error, IDG_AUDIT_ERROR, IDG_AUDIT_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  for (line = data; line != NULL && *line != '\0'; line = next) {
    IdgAuditRecord *r;

    next = strchr (line, '\n');
    if (next != NULL)
      *next++ = '\0';
    if (*line == '\0')
      continue;   /* an empty line (a probe's, see idg-audit.c) */
    r = record_from_json (parser, line);
    if (r == NULL)
      continue;
    if (r->usec >= since)
      g_ptr_array_add (out, r);
    else
      idg_audit_record_free (r);
  }
  return TRUE;
}

gboolean
idg_audit_read_log (const gchar  *path,
                    guint         keep,
                    gint64        since,
                    GPtrArray    *out,
                    GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  guint i;

  for (i = keep; i > 0; i--) {
    g_autofree gchar *p = g_strdup_printf ("%s.%u", path, i);

    if (!read_file (p, since, parser, out, error))
      return FALSE;
  }
  return read_file (path, since, parser, out, error);
}

GPtrArray *
idg_audit_merge (GPtrArray *a,
                 GPtrArray *b)
{
  GPtrArray *out = g_ptr_array_new_full (a->len + b->len, (GDestroyNotify) idg_audit_record_free);
  guint i = 0, j = 0;

  while (i < a->len || j < b->len) {
    gboolean from_a = j == b->len ||
                      (i < a->len && ((IdgAuditRecord *) a->pdata[i])->usec <=
                                     ((IdgAuditRecord *) b->pdata[j])->usec);

    g_ptr_array_add (out, from_a ? a->pdata[i++] : b->pdata[j++]);
  }
  /* the records moved: free the arrays, not them */
  g_ptr_array_set_free_func (a, NULL);
  g_ptr_array_set_free_func (b, NULL);
  g_ptr_array_unref (a);
  g_ptr_array_unref (b);
  return out;
}

static gint
row_cmp (gconstpointer a,
         gconstpointer b)
{
  const IdgAuditReportRow *x = *(IdgAuditReportRow *const *) a;
  const IdgAuditReportRow *y = *(IdgAuditReportRow *const *) b;
  gint c = g_strcmp0 (x->service, y->service);

  return c != 0 ? c : g_strcmp0 (x->kind, y->kind);
}

GPtrArray *
idg_audit_tally (GPtrArray *records)
{
  g_autoptr(GHashTable) rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_audit_report_row_free);
  GHashTableIter it;
  gpointer value;
  guint i, d;

  for (i = 0; i < records->len; i++) {
    IdgAuditRecord *r = g_ptr_array_index (records, i);
    g_autofree gchar *key = g_strconcat (r->service, "\x1f", r->kind, NULL);
    IdgAuditReportRow *row = g_hash_table_lookup (rows, key);

    if (row == NULL) {
      row = g_new0 (IdgAuditReportRow, 1);
      row->service = g_strdup (r->service);
      row->kind = g_strdup (r->kind);
      g_hash_table_insert (rows, g_steal_pointer (&key), row);
    }
    switch (r->type) {
    case IDG_AUDIT_TYPE_EVENT:
      row->count[r->decision] += r->count;
      break;
    case IDG_AUDIT_TYPE_FLOOD:
      /* what a uid had suppressed counts under "uid:N" and its kinds */
      for (d = 0; d < IDG_DECISION_COUNT; d++)
        row->count[d] += r->suppressed[d];
      break;
    }
  }
  g_hash_table_iter_init (&it, rows);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (out, value);
  g_ptr_array_sort (out, row_cmp);
  return out;
}
