// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit log's writer: releases and the rest in two files, each rotated
 * by size; coalesced per (uid, service, door, kind, decision, grants,
 * reason); rewrites and refusals rate-limited per uid with flood records;
 * releases fdatasync'ed; mirrored to the system log (see idg-audit.h).
 */
#include "idg-audit-private.h"
#include "idg-audit-log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "idg-build-config.h"
#if IDG_HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif

G_DEFINE_QUARK (idg-audit-error-quark, idg_audit_error)

#define MAX_SLOTS        1024                   /* per class: releases, others */
#define SWEEP_USEC       (100 * 1000)           /* full-table sweeps at most this often */
#define HEADROOM         (4 * 1024)             /* releases stop when less than this is left of the reserve */
#define DOOR_BIT_OTHER   31
#define KIND_BIT_OTHER   31

/* Bit numbers of the flood records' door and kind masks: doors in this
 * order; kinds as IdgKind, then these, then KIND_BIT_OTHER. */
static const gchar *const doors[] = { "api", "qmi-proxy", "mbim-proxy", "at", "kernel" };
static const gchar *const other_kinds[] = { IDG_AUDIT_KIND_RAW_SIM, IDG_AUDIT_KIND_UNREAD };

typedef struct {
  IdgAuditRecord rec;         /* the event; count and usec set when written */
  guint32      uid;           /* the rate limiter's key */
  gint64       last_written;  /* monotonic usec of the last record written */
  guint        pending;       /* events counted since, not yet written */
  guint        hash;          /* slot_hash_of its fields */
} Slot;

typedef struct {
  guint        id;
  IdgAuditFunc func;
  gpointer     data;
} Subscriber;


struct _IdgAudit {
  LogFile        events;       /* audit.log */
  LogFile        releases;     /* releases.log */
  gint64         window;       /* usec */
  GHashTable    *slots;        /* Slot* (keyed by its uid and record's fields) */
  guint          n_slots[2];   /* [0] releases, [1] the rest */
  gint64         last_sweep;
  guint          flush_source; /* armed only while something is pending */
  IdgAuditLimit *limit;
  guint          flood_interval;   /* seconds */
  guint          flood_source; /* armed only while something was suppressed */
  GArray        *subscribers;
  guint          next_sub;
  gboolean       journal;
};

static void
slot_free (Slot *s)
{
  idg_audit_record_clear (&s->rec);
  g_free (s);
}

static guint
slot_class (IdgDecision decision)
{
  return decision == IDG_DECISION_RELEASE ? 0 : 1;
}

/* The rate limiter's key: the uid, never a label the client chose. */
static guint32
uid_key (const IdgIdentity *identity)
{
  if (identity == NULL || !identity->known || (guint32) identity->uid >= IDG_AUDIT_LIMIT_OTHERS)
    return IDG_AUDIT_LIMIT_NO_UID;
  return (guint32) identity->uid;
}

/* Slots are found by what a coalesced record says (uid, service, door,
 * kind, decision, grants, reason): hashed in place, so the per-message
 * path allocates nothing. */
static guint
str_hash0 (const gchar *str)
{
  return str != NULL ? g_str_hash (str) : 0;
}

/* The hash of a slot from the hashes of its strings: a door's per-message
 * tally (idg_audit_add_guard) hashes the service and door once for all its
 * kinds. */
static guint
slot_hash_of (guint       service,
              guint32     uid,
              guint       door,
              guint       kind,
              IdgDecision decision,
              guint       grants,
              guint       reason)
{
  guint h = service;

  h = h * 31 + uid;
  h = h * 31 + door;
  h = h * 31 + kind;
  h = h * 31 + (guint) decision;
  h = h * 31 + grants;
  return h * 31 + reason;
}

static guint
slot_hash (gconstpointer p)
{
  return ((const Slot *) p)->hash;
}

static gboolean
slot_equal (gconstpointer a,
            gconstpointer b)
{
  const Slot *sa = a, *sb = b;
  const IdgAuditRecord *x = &sa->rec;
  const IdgAuditRecord *y = &sb->rec;

  return sa->uid == sb->uid && x->decision == y->decision &&
         g_strcmp0 (x->service, y->service) == 0 &&
         g_strcmp0 (x->door, y->door) == 0 &&
         g_strcmp0 (x->kind, y->kind) == 0 &&
         g_strcmp0 (x->grants, y->grants) == 0 &&
         g_strcmp0 (x->reason, y->reason) == 0;
}

/* fdatasync of the release log if written since the last; FALSE (and the
 * log failing) if that fails. When the reserve can no longer be kept and
 * little of it is left, the log is marked failing for the releases to come
 * (those just synced stand: TRUE). */
static gboolean
sync_releases (IdgAudit *audit)
{
  LogFile *f = &audit->releases;

  if (!f->dirty || f->fd < 0)
    return !f->failing;
  f->dirty = FALSE;
  if (fdatasync (f->fd) < 0 && errno != EINVAL) {
    idg_audit_log_set_failing (f, TRUE, errno);
    return FALSE;
  }
  if (!idg_audit_log_reserve (f)) {
    int err = errno;

    if (!f->short_reserve)
      g_warning ("audit: cannot keep space reserved for the %s %s: %s",
                 f->what, f->path, g_strerror (err));
    f->short_reserve = TRUE;
    /* stop releasing while what is left still holds the records in
     * flight, rather than after a write has failed; what was just
     * synced stands */
    if (f->reserved < f->size + HEADROOM) {
      idg_audit_log_set_failing (f, TRUE, err);
      return TRUE;
    }
  } else {
    f->short_reserve = FALSE;
  }
  return !f->failing;
}

IdgAudit *
idg_audit_new (const gchar            *dir,
               const IdgAuditOptions  *options,
               GError                **error)
{
  IdgAudit *audit = g_new0 (IdgAudit, 1);

  idg_audit_log_init (&audit->events, "audit log", dir, IDG_AUDIT_FILE,
            options->max_size, options->keep, FALSE);
  idg_audit_log_init (&audit->releases, "release log", dir, IDG_AUDIT_RELEASE_FILE,
            options->release_max_size, options->release_keep, TRUE);
  audit->window = (gint64) options->window * G_USEC_PER_SEC;
  audit->slots = g_hash_table_new_full (slot_hash, slot_equal, NULL, (GDestroyNotify) slot_free);
  audit->limit = idg_audit_limit_new (options->rate, options->burst, IDG_AUDIT_LIMIT_UIDS);
  audit->flood_interval = MAX (options->flood_interval, 1);
  audit->subscribers = g_array_new (FALSE, FALSE, sizeof (Subscriber));
  audit->journal = g_file_test ("/run/systemd/journal/socket", G_FILE_TEST_EXISTS);
  if (!idg_audit_log_open (&audit->events, error) || !idg_audit_log_open (&audit->releases, error)) {
    idg_audit_free (audit);
    return NULL;
  }
  idg_audit_log_reserve (&audit->releases);
  return audit;
}

void
idg_audit_free (IdgAudit *audit)
{
  if (audit == NULL)
    return;
  idg_audit_flush (audit);
  g_clear_handle_id (&audit->flush_source, g_source_remove);
  g_clear_handle_id (&audit->flood_source, g_source_remove);
  idg_audit_log_clear (&audit->events);
  idg_audit_log_clear (&audit->releases);
  g_hash_table_unref (audit->slots);
  idg_audit_limit_free (audit->limit);
  g_array_unref (audit->subscribers);
  g_free (audit);
}

/* ---- records ---- */

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
    { "IDG_DECISION", idg_audit_record_decision (r), -1 },
    { "IDG_COUNT", count, -1 },
    { "IDG_GRANTS", r->grants != NULL ? r->grants : "-", -1 },
  };
  g_autofree gchar *msg = g_strdup_printf ("audit: %s %s %s via %s x%u%s%s",
                                           r->service, idg_audit_record_decision (r),
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
                   idg_audit_record_decision (r), r->kind, r->door, r->count,
                   "PRIORITY=6", "SYSLOG_IDENTIFIER=idguardd",
                   "IDG_SERVICE=%s", r->service, "IDG_KIND=%s", r->kind,
                   "IDG_DOOR=%s", r->door,
                   "IDG_DECISION=%s", idg_audit_record_decision (r),
                   "IDG_COUNT=%u", r->count,
                   "IDG_GRANTS=%s", r->grants != NULL ? r->grants : "-",
                   "IDG_REASON=%s", r->reason != NULL ? r->reason : "-",
                   NULL);
}
#endif

/* Writes one record that passed the rate limit (or needs none): releases
 * to releases.log (fdatasync'ed now if sync, else by the caller's
 * sync_releases), the rest to audit.log; then the system log and the
 * subscribers. FALSE if a release could not be written. */
static gboolean
write_record (IdgAudit             *audit,
              const IdgAuditRecord *r,
              gboolean              sync)
{
  gboolean release = r->type == IDG_AUDIT_TYPE_EVENT && r->decision == IDG_DECISION_RELEASE;
  LogFile *f = release ? &audit->releases : &audit->events;
  g_autofree gchar *json = idg_audit_record_to_json (r);
  g_autofree gchar *line = g_strconcat (json, "\n", NULL);
  gboolean ok = idg_audit_log_write (f, line, strlen (line));
  guint i;

  if (ok && release && sync)
    ok = sync_releases (audit);
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
  return ok || !release;
}

/* ---- rate limit and flood records ---- */

static guint
door_bit (const gchar *door)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (doors); i++)
    if (g_strcmp0 (door, doors[i]) == 0)
      return i;
  return DOOR_BIT_OTHER;
}

static guint
kind_bit (const gchar *kind)
{
  IdgKind k;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (other_kinds); i++)
    if (g_strcmp0 (kind, other_kinds[i]) == 0)
      return IDG_KIND_COUNT + i;
  if (kind != NULL && idg_kind_from_string (kind, &k))
    return (guint) k;
  return KIND_BIT_OTHER;
}

static gchar *
mask_names (guint32  mask,
            gboolean is_door)
{
  GString *s = g_string_new (NULL);
  guint b;

  for (b = 0; b < 32; b++) {
    const gchar *name;

    if (!(mask & (1u << b)))
      continue;
    if (is_door)
      name = b < G_N_ELEMENTS (doors) ? doors[b] : "other";
    else if (b < IDG_KIND_COUNT)
      name = idg_kind_to_string ((IdgKind) b);
    else if (b - IDG_KIND_COUNT < G_N_ELEMENTS (other_kinds))
      name = other_kinds[b - IDG_KIND_COUNT];
    else
      name = "other";
    g_string_append_printf (s, "%s%s", s->len > 0 ? "," : "", name);
  }
  return g_string_free (s, FALSE);
}

static void
write_flood (const IdgAuditFlood *flood,
             gpointer             data)
{
  IdgAudit *audit = data;
  guint64 total = 0;
  guint d;
  g_autofree gchar *identity = NULL;
  g_autofree gchar *service = NULL;
  g_autofree gchar *kinds = mask_names (flood->kinds, FALSE);
  g_autofree gchar *doors_seen = mask_names (flood->doors, TRUE);
  IdgAuditRecord r = { 0, };

  if (flood->uid == IDG_AUDIT_LIMIT_NO_UID) {
    identity = g_strdup ("no credentials");
    service = g_strdup ("tty");
  } else if (flood->uid == IDG_AUDIT_LIMIT_OTHERS) {
    identity = g_strdup ("uids past the table");
    service = g_strdup ("uid:*");
  } else {
    identity = g_strdup_printf ("uid=%u", flood->uid);
    service = g_strdup_printf ("uid:%u", flood->uid);
  }
  for (d = 0; d < IDG_DECISION_COUNT; d++) {
    r.suppressed[d] = flood->suppressed[d];
    total += flood->suppressed[d];
  }
  r.usec = g_get_real_time ();
  r.type = IDG_AUDIT_TYPE_FLOOD;
  r.identity = identity;
  r.service = service;
  r.kind = kinds;
  r.door = doors_seen;
  r.decision = IDG_DECISION_REFUSE;
  r.count = (guint) MIN (total, (guint64) G_MAXUINT);
  r.records = flood->records;
  r.reason = (gchar *) "rate-limited";
  write_record (audit, &r, FALSE);
}

static gboolean
flood_cb (gpointer data)
{
  IdgAudit *audit = data;

  audit->flood_source = 0;
  idg_audit_limit_drain (audit->limit, write_flood, audit);
  return G_SOURCE_REMOVE;
}

/* TRUE if a record of this event may be written now: releases always, the
 * rest with a token of the uid's bucket; else it is counted for the next
 * flood record. */
static gboolean
admit (IdgAudit    *audit,
       guint32      uid,
       const gchar *door,
       const gchar *kind,
       IdgDecision  decision,
       guint        count)
{
  if (decision == IDG_DECISION_RELEASE)
    return TRUE;
  if (idg_audit_limit_take (audit->limit, uid, g_get_monotonic_time (), decision,
                            door_bit (door), kind_bit (kind), count))
    return TRUE;
  if (audit->flood_source == 0)
    audit->flood_source = g_timeout_add (audit->flood_interval * 1000, flood_cb, audit);
  return FALSE;
}

/* ---- events ---- */

static gboolean
write_event (IdgAudit          *audit,
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
    .type = IDG_AUDIT_TYPE_EVENT,
  };

  return write_record (audit, &r, TRUE);
}

gboolean
idg_audit_add (IdgAudit          *audit,
               const IdgIdentity *identity,
               const gchar       *door,
               const gchar       *kind,
               const gchar       *grants,
               IdgDecision        decision,
               guint              count,
               const gchar       *reason)
{
  if (decision == IDG_DECISION_RELEASE && !idg_audit_can_release (audit))
    return FALSE;
  if (!admit (audit, uid_key (identity), door, kind, decision, count))
    return TRUE;
  return write_event (audit, identity, door, kind, grants, decision, count, reason);
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
 * forgets idle slots, then fdatasyncs the release log once; TRUE if
 * something is still pending. */
static gboolean
flush_slots (IdgAudit *audit,
             gboolean  force)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  Slot *s;
  gboolean left = FALSE;

  audit->last_sweep = now;
  g_hash_table_iter_init (&it, audit->slots);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &s)) {
    gboolean due = force || now - s->last_written >= audit->window;

    if (s->pending > 0 && due) {
      s->rec.usec = g_get_real_time ();
      s->rec.count = s->pending;
      if (admit (audit, s->uid, s->rec.door, s->rec.kind, s->rec.decision, s->pending))
        write_record (audit, &s->rec, FALSE);
      s->pending = 0;
      s->last_written = now;
    } else if (s->pending == 0 && due) {
      audit->n_slots[slot_class (s->rec.decision)]--;
      g_hash_table_iter_remove (&it);
      continue;
    }
    left |= s->pending > 0;
  }
  sync_releases (audit);
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
  g_clear_handle_id (&audit->flood_source, g_source_remove);
  idg_audit_limit_drain (audit->limit, write_flood, audit);
}

/* Room for a new slot of this class: a sweep of idle slots when full, at
 * most every SWEEP_USEC (a full table costs no more per event than an
 * empty one). */
static gboolean
slot_room (IdgAudit    *audit,
           IdgDecision  decision,
           gint64       now)
{
  guint c = slot_class (decision);

  if (audit->n_slots[c] >= MAX_SLOTS && now - audit->last_sweep >= SWEEP_USEC)
    flush_slots (audit, FALSE);
  return audit->n_slots[c] < MAX_SLOTS;
}

static gboolean
add_coalesced_hashed (IdgAudit          *audit,
                      const IdgIdentity *identity,
                      const gchar       *door,
                      const gchar       *kind,
                      const gchar       *grants,
                      IdgDecision        decision,
                      guint              count,
                      const gchar       *reason,
                      guint              hash)
{
  const gchar *service = identity != NULL ? identity->service : "unknown";
  guint32 uid = uid_key (identity);
  Slot probe = { .uid = uid, .hash = hash,
                 .rec = { .service = (gchar *) service, .door = (gchar *) door,
                          .kind = (gchar *) kind, .grants = (gchar *) grants,
                          .reason = (gchar *) reason, .decision = decision } };
  gint64 now = g_get_monotonic_time ();
  Slot *s;

  if (decision == IDG_DECISION_RELEASE && !idg_audit_can_release (audit))
    return FALSE;
  if (audit->window == 0)
    return idg_audit_add (audit, identity, door, kind, grants, decision, count, reason);
  s = g_hash_table_lookup (audit->slots, &probe);
  if (s != NULL && s->pending == 0 && now - s->last_written >= audit->window)
    s->last_written = 0;
  if (s != NULL && s->last_written != 0) {
    s->pending += count;
    arm (audit);
    return TRUE;
  }
  /* written now: an event without a token makes no slot either */
  if (!admit (audit, uid, door, kind, decision, count))
    return TRUE;
  if (s == NULL && slot_room (audit, decision, now)) {
    s = g_new0 (Slot, 1);
    s->uid = uid;
    s->hash = hash;
    s->rec.identity = idg_identity_describe (identity);
    s->rec.service = g_strdup (service);
    s->rec.door = g_strdup (door);
    s->rec.kind = g_strdup (kind);
    s->rec.grants = g_strdup (grants);
    s->rec.reason = g_strdup (reason);
    s->rec.decision = decision;
    s->rec.type = IDG_AUDIT_TYPE_EVENT;
    g_hash_table_add (audit->slots, s);
    audit->n_slots[slot_class (decision)]++;
  }
  if (s != NULL)
    s->last_written = now;
  return write_event (audit, identity, door, kind, grants, decision, count, reason);
}

gboolean
idg_audit_add_coalesced (IdgAudit          *audit,
                         const IdgIdentity *identity,
                         const gchar       *door,
                         const gchar       *kind,
                         const gchar       *grants,
                         IdgDecision        decision,
                         guint              count,
                         const gchar       *reason)
{
  guint hash = slot_hash_of (str_hash0 (identity != NULL ? identity->service : "unknown"),
                             uid_key (identity), str_hash0 (door), str_hash0 (kind), decision,
                             str_hash0 (grants), str_hash0 (reason));

  return add_coalesced_hashed (audit, identity, door, kind, grants, decision, count, reason, hash);
}

void
idg_audit_add_guard (IdgAudit          *audit,
                     const IdgIdentity *identity,
                     const gchar       *door,
                     const gchar       *grants,
                     const IdgGuard    *guard)
{
  guint slot, d, h_service = 0, h_door = 0, h_grants = 0;
  gboolean hashed = FALSE;

  for (slot = 0; slot < IDG_GUARD_SLOTS; slot++)
    for (d = 0; d < IDG_DECISION_COUNT; d++) {
      const gchar *kind, *g;

      if (guard->tally[slot][d] == 0)
        continue;
      kind = slot == IDG_GUARD_SLOT_RAW_SIM ? IDG_AUDIT_KIND_RAW_SIM : idg_kind_to_string ((IdgKind) slot);
      g = d == IDG_DECISION_RELEASE ? grants : NULL;
      /* the strings every kind of this message shares, hashed once */
      if (!hashed) {
        h_service = str_hash0 (identity != NULL ? identity->service : "unknown");
        h_door = str_hash0 (door);
        h_grants = str_hash0 (grants);
        hashed = TRUE;
      }
      add_coalesced_hashed (audit, identity, door, kind, g, (IdgDecision) d, guard->tally[slot][d], NULL,
                            slot_hash_of (h_service, uid_key (identity), h_door, str_hash0 (kind),
                                          (IdgDecision) d, g != NULL ? h_grants : 0, 0));
    }
}

gboolean
idg_audit_can_release (IdgAudit *audit)
{
  LogFile *f = &audit->releases;
  gint64 now;

  if (!f->failing)
    return TRUE;
  now = g_get_monotonic_time ();
  if (now < f->probe_after)
    return FALSE;
  f->probe_after = now + IDG_AUDIT_LOG_PROBE_USEC;
  if (f->fd < 0 && !idg_audit_log_open (f, NULL))
    return FALSE;
  /* space for the next records, and a file that takes a write (an empty
   * line, which readers skip) and a sync */
  f->reserved = f->size;
  if (!idg_audit_log_reserve (f) || !idg_audit_log_write (f, "\n", 1))
    return FALSE;
  idg_audit_log_set_failing (f, FALSE, 0);
  return sync_releases (audit);
}

void
idg_audit_add_tripwire (IdgAudit          *audit,
                        const IdgIdentity *identity,
                        const gchar       *door,
                        const gchar       *route,
                        const gchar       *kind,
                        guint              count)
{
  g_autofree gchar *reason = g_strconcat (IDG_AUDIT_REASON_TRIPWIRE " ", route, NULL);

  idg_audit_add_coalesced (audit, identity, door, kind, NULL, IDG_DECISION_REWRITE, count, reason);
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

GPtrArray *
idg_audit_query (IdgAudit  *audit,
                 gint64     since_usec,
                 GError   **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_audit_record_free);
  g_autoptr(GPtrArray) releases = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_audit_record_free);

  idg_audit_flush (audit);
  if (!idg_audit_read_log (audit->releases.path, audit->releases.keep, since_usec, releases, error) ||
      !idg_audit_read_log (audit->events.path, audit->events.keep, since_usec, events, error))
    return NULL;
  return idg_audit_merge (g_steal_pointer (&releases), g_steal_pointer (&events));
}

GPtrArray *
idg_audit_report (IdgAudit  *audit,
                  gint64     since_usec,
                  GError   **error)
{
  g_autoptr(GPtrArray) records = idg_audit_query (audit, since_usec, error);

  if (records == NULL)
    return NULL;
  return idg_audit_tally (records);
}

/* See idg-audit.h. */
void
idg_audit_add_exe_changed (IdgAudit    *audit,
                           const gchar *door,
                           const gchar *grant)
{
  IdgAuditRecord r = { 0, };

  r.usec = g_get_real_time ();
  r.type = IDG_AUDIT_TYPE_EVENT;
  r.identity = (gchar *) "broker";
  r.service = (gchar *) "broker";
  r.kind = (gchar *) "exe";
  r.door = (gchar *) door;
  r.grants = (gchar *) grant;
  r.decision = IDG_DECISION_REFUSE;
  r.count = 1;
  r.reason = (gchar *) "exe-changed";
  write_record (audit, &r, FALSE);
}
