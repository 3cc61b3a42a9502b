// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit log: JSON lines in DIR/audit.log, rotated by size, coalesced per
 * (service, door, kind, decision, grants), mirrored to the system log.
 */
#include "idg-audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-glib/json-glib.h>

#include "idg-build-config.h"
#if IDG_HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif

G_DEFINE_QUARK (idg-audit-error-quark, idg_audit_error)

#define AUDIT_FILE "audit.log"
#define MAX_IDLE_KEYS 1024

typedef struct {
  IdgAuditRecord rec;         /* the event; count and usec set when written */
  gint64       last_written;  /* monotonic usec of the last record written */
  guint        pending;       /* events counted since, not yet written */
} Slot;

typedef struct {
  guint        id;
  IdgAuditFunc func;
  gpointer     data;
} Subscriber;

struct _IdgAudit {
  gchar      *dir;
  gchar      *path;
  int         fd;
  guint64     size;
  guint64     max_size;
  guint       keep;
  gint64      window;        /* usec */
  GHashTable *slots;         /* Slot* (keyed by its record's fields) */
  guint       flush_source;  /* armed only while something is pending */
  GArray     *subscribers;
  guint       next_sub;
  gboolean    journal;
  gboolean    failing;       /* warned once about failed writes */
};

static void
record_clear (IdgAuditRecord *record)
{
  g_free (record->identity);
  g_free (record->service);
  g_free (record->kind);
  g_free (record->door);
  g_free (record->grants);
  g_free (record->reason);
}

static void
slot_free (Slot *s)
{
  record_clear (&s->rec);
  g_free (s);
}

/* Slots are found by what a coalesced record says (service, door, kind,
 * decision, grants, reason): hashed in place, so the per-message path
 * allocates nothing. */
static guint
str_hash0 (const gchar *str)
{
  return str != NULL ? g_str_hash (str) : 0;
}

static guint
slot_hash (gconstpointer p)
{
  const IdgAuditRecord *r = &((const Slot *) p)->rec;
  guint h = str_hash0 (r->service);

  h = h * 31 + str_hash0 (r->door);
  h = h * 31 + str_hash0 (r->kind);
  h = h * 31 + (guint) r->decision;
  h = h * 31 + str_hash0 (r->grants);
  return h * 31 + str_hash0 (r->reason);
}

static gboolean
slot_equal (gconstpointer a,
            gconstpointer b)
{
  const IdgAuditRecord *x = &((const Slot *) a)->rec;
  const IdgAuditRecord *y = &((const Slot *) b)->rec;

  return x->decision == y->decision &&
         g_strcmp0 (x->service, y->service) == 0 &&
         g_strcmp0 (x->door, y->door) == 0 &&
         g_strcmp0 (x->kind, y->kind) == 0 &&
         g_strcmp0 (x->grants, y->grants) == 0 &&
         g_strcmp0 (x->reason, y->reason) == 0;
}

void
idg_audit_record_free (IdgAuditRecord *record)
{
  if (record == NULL)
    return;
  record_clear (record);
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

static gboolean
open_log (IdgAudit  *audit,
          GError   **error)
{
  struct stat st;

  audit->fd = open (audit->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (audit->fd < 0 || fstat (audit->fd, &st) < 0) {
    int saved = errno;
    g_set_error (error, IDG_AUDIT_ERROR, IDG_AUDIT_ERROR_IO,
                 "cannot open the audit log %s: %s", audit->path, g_strerror (saved));
    return FALSE;
  }
  audit->size = (guint64) st.st_size;
  return TRUE;
}

IdgAudit *
idg_audit_new (const gchar  *dir,
               guint64       max_size,
               guint         keep,
               guint         window,
               GError      **error)
{
  IdgAudit *audit = g_new0 (IdgAudit, 1);

  audit->dir = g_strdup (dir);
  audit->path = g_build_filename (dir, AUDIT_FILE, NULL);
  audit->max_size = MAX (max_size, 1024);
  audit->keep = keep;
  audit->window = (gint64) window * G_USEC_PER_SEC;
  audit->slots = g_hash_table_new_full (slot_hash, slot_equal, NULL, (GDestroyNotify) slot_free);
  audit->subscribers = g_array_new (FALSE, FALSE, sizeof (Subscriber));
  audit->journal = g_file_test ("/run/systemd/journal/socket", G_FILE_TEST_EXISTS);
  if (!open_log (audit, error)) {
    idg_audit_free (audit);
    return NULL;
  }
  return audit;
}

void
idg_audit_free (IdgAudit *audit)
{
  if (audit == NULL)
    return;
  if (audit->fd >= 0)
    idg_audit_flush (audit);
  g_clear_handle_id (&audit->flush_source, g_source_remove);
  if (audit->fd >= 0)
    close (audit->fd);
  g_hash_table_unref (audit->slots);
  g_array_unref (audit->subscribers);
  g_free (audit->path);
  g_free (audit->dir);
  g_free (audit);
}

/* ---- records ---- */

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
  json_builder_add_string_value (b, idg_decision_to_string (record->decision));
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, record->count);
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
decision_from_string (const gchar *s,
                      IdgDecision *out)
{
  guint d;

  for (d = 0; d < IDG_DECISION_COUNT; d++)
    if (g_strcmp0 (s, idg_decision_to_string ((IdgDecision) d)) == 0) {
      *out = (IdgDecision) d;
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
      member_str (o, "door") == NULL || !decision_from_string (member_str (o, "decision"), &d))
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
  r->count = (guint) count;
  return r;
}

/* ---- writing ---- */

static void
rotate (IdgAudit *audit)
{
  guint i;

  close (audit->fd);
  audit->fd = -1;
  if (audit->keep == 0) {
    unlink (audit->path);
  } else {
    for (i = audit->keep; i > 0; i--) {
      g_autofree gchar *from = i == 1 ? g_strdup (audit->path)
                                      : g_strdup_printf ("%s.%u", audit->path, i - 1);
      g_autofree gchar *to = g_strdup_printf ("%s.%u", audit->path, i);

      if (rename (from, to) < 0 && errno != ENOENT)
        g_warning ("audit: cannot rotate %s: %s", from, g_strerror (errno));
    }
  }
  if (!open_log (audit, NULL))
    g_warning ("audit: cannot reopen %s after rotation", audit->path);
}

static void
to_system_log (const IdgAuditRecord *r)
{
  g_autofree gchar *count = g_strdup_printf ("%u", r->count);
  const GLogField fields[] = {
    { "MESSAGE", NULL, -1 },
    { "GLIB_DOMAIN", "idguard-audit", -1 },
    { "IDG_SERVICE", r->service, -1 },
    { "IDG_KIND", r->kind, -1 },
    { "IDG_DOOR", r->door, -1 },
    { "IDG_DECISION", idg_decision_to_string (r->decision), -1 },
    { "IDG_COUNT", count, -1 },
    { "IDG_GRANTS", r->grants != NULL ? r->grants : "-", -1 },
  };
  g_autofree gchar *msg = g_strdup_printf ("audit: %s %s %s via %s x%u%s%s",
                                           r->service, idg_decision_to_string (r->decision),
                                           r->kind, r->door, r->count,
                                           r->reason != NULL ? " reason=" : "",
                                           r->reason != NULL ? r->reason : "");
  GLogField f[G_N_ELEMENTS (fields)];

  memcpy (f, fields, sizeof fields);
  f[0].value = msg;
  g_log_structured_array (G_LOG_LEVEL_MESSAGE, f, G_N_ELEMENTS (f));
}

#if IDG_HAVE_SYSTEMD
static void
to_journal (const IdgAuditRecord *r)
{
  sd_journal_send ("MESSAGE=audit: %s %s %s via %s x%u", r->service,
                   idg_decision_to_string (r->decision), r->kind, r->door, r->count,
                   "PRIORITY=6", "SYSLOG_IDENTIFIER=idguardd",
                   "IDG_SERVICE=%s", r->service, "IDG_KIND=%s", r->kind,
                   "IDG_DOOR=%s", r->door,
                   "IDG_DECISION=%s", idg_decision_to_string (r->decision),
                   "IDG_COUNT=%u", r->count,
                   "IDG_GRANTS=%s", r->grants != NULL ? r->grants : "-",
                   "IDG_REASON=%s", r->reason != NULL ? r->reason : "-",
                   NULL);
}
#endif

static void
write_record (IdgAudit             *audit,
              const IdgAuditRecord *r)
{
  g_autofree gchar *json = idg_audit_record_to_json (r);
  g_autofree gchar *line = g_strconcat (json, "\n", NULL);
  gsize len = strlen (line), done = 0;
  guint i;

  if (audit->fd >= 0 && audit->size > 0 && audit->size + len > audit->max_size)
    rotate (audit);
  while (audit->fd >= 0 && done < len) {
    ssize_t n = write (audit->fd, line + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += (gsize) n;
  }
  audit->size += done;
  /* one warning when writes start failing (disk full...), one when they work
   * again: never a warning per record */
  if (done < len && !audit->failing)
    g_warning ("audit: cannot write %s: %s; records go to the system log only",
               audit->path, audit->fd >= 0 ? g_strerror (errno) : "not open");
  else if (done == len && audit->failing)
    g_message ("audit: %s is written again", audit->path);
  audit->failing = done < len;
#if IDG_HAVE_SYSTEMD
  if (audit->journal)
    to_journal (r);
  else
#endif
    to_system_log (r);
  for (i = 0; i < audit->subscribers->len; i++) {
    Subscriber *s = &g_array_index (audit->subscribers, Subscriber, i);
    s->func (r, s->data);
  }
}

void
idg_audit_add (IdgAudit          *audit,
               const IdgIdentity *identity,
               const gchar       *door,
               const gchar       *kind,
               const gchar       *grants,
               IdgDecision        decision,
               guint              count,
               const gchar       *reason)
{
  g_autofree gchar *who = idg_identity_describe (identity);
  IdgAuditRecord r = {
    .usec = g_get_real_time (),
    .identity = who,
    .service = identity != NULL ? identity->service : (gchar *) "unknown",
    .kind = (gchar *) kind,
    .door = (gchar *) door,
    .grants = (gchar *) grants,
    .decision = decision,
    .count = count,
    .reason = (gchar *) reason,
  };

  write_record (audit, &r);
}

/* ---- coalescing ---- */

static gboolean flush_cb (gpointer data);

static void
arm (IdgAudit *audit)
{
  if (audit->flush_source == 0)
    audit->flush_source = g_timeout_add ((guint) MAX (1, audit->window / 1000), flush_cb, audit);
}

/* Writes the summary of every slot whose window has ended (all if force),
 * forgets idle slots; TRUE if something is still pending. */
static gboolean
flush_slots (IdgAudit *audit,
             gboolean  force)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  Slot *s;
  gboolean left = FALSE;

  g_hash_table_iter_init (&it, audit->slots);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &s)) {
    gboolean due = force || now - s->last_written >= audit->window;

    if (s->pending > 0 && due) {
      s->rec.usec = g_get_real_time ();
      s->rec.count = s->pending;
      write_record (audit, &s->rec);
      s->pending = 0;
      s->last_written = now;
    } else if (s->pending == 0 && due) {
      g_hash_table_iter_remove (&it);
      continue;
    }
    left |= s->pending > 0;
  }
  return left;
}

static gboolean
flush_cb (gpointer data)
{
  IdgAudit *audit = data;

  audit->flush_source = 0;
  if (flush_slots (audit, FALSE))
    arm (audit);
  return G_SOURCE_REMOVE;
}

void
idg_audit_flush (IdgAudit *audit)
{
  flush_slots (audit, TRUE);
  g_clear_handle_id (&audit->flush_source, g_source_remove);
}

void
idg_audit_add_coalesced (IdgAudit          *audit,
                         const IdgIdentity *identity,
                         const gchar       *door,
                         const gchar       *kind,
                         const gchar       *grants,
                         IdgDecision        decision,
                         guint              count,
                         const gchar       *reason)
{
  const gchar *service = identity != NULL ? identity->service : "unknown";
  Slot probe = { .rec = { .service = (gchar *) service, .door = (gchar *) door,
                          .kind = (gchar *) kind, .grants = (gchar *) grants,
                          .reason = (gchar *) reason, .decision = decision } };
  gint64 now = g_get_monotonic_time ();
  Slot *s = g_hash_table_lookup (audit->slots, &probe);

  if (audit->window == 0) {
    idg_audit_add (audit, identity, door, kind, grants, decision, count, reason);
    return;
  }
  if (s != NULL && s->pending == 0 && now - s->last_written >= audit->window)
    s->last_written = 0;
  if (s != NULL && s->last_written != 0) {
    s->pending += count;
    arm (audit);
    return;
  }
  if (s == NULL) {
    if (g_hash_table_size (audit->slots) >= MAX_IDLE_KEYS)
      flush_slots (audit, FALSE);
    s = g_new0 (Slot, 1);
    s->rec.identity = idg_identity_describe (identity);
    s->rec.service = g_strdup (service);
    s->rec.door = g_strdup (door);
    s->rec.kind = g_strdup (kind);
    s->rec.grants = g_strdup (grants);
    s->rec.reason = g_strdup (reason);
    s->rec.decision = decision;
    g_hash_table_add (audit->slots, s);
  }
  s->last_written = now;
  idg_audit_add (audit, identity, door, kind, grants, decision, count, reason);
}

void
idg_audit_add_guard (IdgAudit          *audit,
                     const IdgIdentity *identity,
                     const gchar       *door,
                     const gchar       *grants,
                     const IdgGuard    *guard)
{
  guint slot, d;

  for (slot = 0; slot < IDG_GUARD_SLOTS; slot++)
    for (d = 0; d < IDG_DECISION_COUNT; d++) {
      if (guard->tally[slot][d] == 0)
        continue;
      idg_audit_add_coalesced (audit, identity, door,
                               slot == IDG_GUARD_SLOT_RAW_SIM ? IDG_AUDIT_KIND_RAW_SIM
                                                              : idg_kind_to_string ((IdgKind) slot),
                               d == IDG_DECISION_RELEASE ? grants : NULL,
                               (IdgDecision) d, guard->tally[slot][d], NULL);
    }
}

/* ---- subscribers ---- */

guint
idg_audit_subscribe (IdgAudit     *audit,
                     IdgAuditFunc  func,
                     gpointer      user_data)
{
  Subscriber s = { ++audit->next_sub, func, user_data };

  g_array_append_val (audit->subscribers, s);
  return s.id;
}

void
idg_audit_unsubscribe (IdgAudit *audit,
                       guint     id)
{
  guint i;

  for (i = 0; i < audit->subscribers->len; i++)
    if (g_array_index (audit->subscribers, Subscriber, i).id == id) {
      g_array_remove_index (audit->subscribers, i);
      return;
    }
}

/* ---- reading ---- */

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

GPtrArray *
idg_audit_query (IdgAudit  *audit,
                 gint64     since_usec,
                 GError   **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_audit_record_free);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  guint i;

  idg_audit_flush (audit);
  for (i = audit->keep; i > 0; i--) {
    g_autofree gchar *p = g_strdup_printf ("%s.%u", audit->path, i);
    if (!read_file (p, since_usec, parser, out, error))
      return NULL;
  }
  if (!read_file (audit->path, since_usec, parser, out, error))
    return NULL;
  return g_steal_pointer (&out);
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
idg_audit_report (IdgAudit  *audit,
                  gint64     since_usec,
                  GError   **error)
{
  g_autoptr(GPtrArray) records = idg_audit_query (audit, since_usec, error);
  g_autoptr(GHashTable) rows = NULL;
  GPtrArray *out;
  GHashTableIter it;
  gpointer value;
  guint i;

  if (records == NULL)
    return NULL;
  rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_audit_report_row_free);
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
    row->count[r->decision] += r->count;
  }
  g_hash_table_iter_init (&it, rows);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (out, value);
  g_ptr_array_sort (out, row_cmp);
  return out;
}
