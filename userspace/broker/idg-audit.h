/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit log: one JSON object per line, in two files of STATE_DIR:
 *   releases.log   every release (a value given to a client), written and
 *                  fdatasync'ed before the value leaves the broker (see
 *                  "Durability" below), rotated to releases.log.1 ..
 *                  releases.log.KEEP on its own size limit;
 *   audit.log      rewrites, refusals and flood records, rate-limited per
 *                  uid, rotated to audit.log.1 .. audit.log.KEEP.
 * Refusals cannot rotate releases out: they never share a file. Queries
 * merge both, oldest first. Every record written is also sent to the system
 * log (journald if present, else GLib's structured log): the same records,
 * so the same rate limits. Never holds an identifier value or a token.
 *
 * Record, on disk:
 *   {"time":"2026-11-23T23:13:30.123456Z","usec":1795..., "identity":"uid=..",
 *    "service":"unit:foo.service","kind":"imei"|"raw-sim","door":"qmi-proxy",
 *    "grants":"g-..,g-.." or null,"decision":"release"|"rewrite"|"refuse",
 *    "count":N,"reason":"expired" (optional)}
 * A flood record ("decision":"flood") says what one uid had suppressed in an
 * interval: "service":"uid:N" ("uid:*" for uids the table could not track,
 * "tty" for clients without credentials), "kind" and "door" the
 * comma-separated kinds and doors seen, "count" the events, "refused" and
 * "rewritten" those events by decision, "records" the records not written.
 * A tripwire record (idg_audit_add_tripwire) is a rewrite whose reason is
 * "tripwire ROUTE".
 *
 * Aggregation (idg_audit_add_guard / idg_audit_add_coalesced): events with
 * the same (uid, service, door, kind, decision, grants, reason) are written
 * at once the first time; further ones within `window` seconds are counted
 * and written as one summary record (count = how many) when the window
 * ends. The flush timer is armed only while something is pending. The
 * table of such slots has a fixed size: past it, events are written one by
 * one (and, but for releases, rate-limited).
 *
 * Rate limit (idg-audit-limit.h): every rewrite or refusal record, first or
 * summary, takes a token from its uid's bucket (`rate` per second, `burst`
 * at once); without one it is counted, and one flood record per uid is
 * written every `flood-interval` seconds while that goes on. Releases are
 * never rate-limited.
 *
 * Durability: a release written at once (the first of its slot's window, or
 * any with window 0) is fdatasync'ed before idg_audit_add*() returns, so
 * before the door or the API passes the value on; the summaries of further
 * releases in a window are written when the window ends, all of one flush
 * under one fdatasync: a crash loses at most one window's repeat counts,
 * never the record that a service read a kind. When the release log cannot
 * be written (disk full, I/O error), idg_audit_add*() of a release returns
 * FALSE (the API refuses that read) and idg_audit_can_release() says FALSE
 * (the doors then treat every client as without consent) until a probe,
 * at most once a second, finds space again. The release log keeps a reserve
 * of space allocated past its end (64 KiB), so a disk filled by someone
 * else still takes the next records; once the reserve cannot be renewed
 * and less than 4 KiB of it is left, releases stop before any write fails.
 */
#ifndef IDG_AUDIT_H
#define IDG_AUDIT_H

#include <glib.h>
#include "idg-guard.h"
#include "idg-identity.h"
#include "idg-audit-limit.h"

G_BEGIN_DECLS

typedef struct _IdgAudit IdgAudit;

typedef enum {
  IDG_AUDIT_TYPE_EVENT = 0,  /* a release, rewrite or refusal */
  IDG_AUDIT_TYPE_FLOOD,      /* what one uid had suppressed (see above) */
} IdgAuditType;

typedef struct {
  gint64       usec;      /* wall clock, UNIX microseconds */
  gchar       *identity;  /* idg_identity_describe () */
  gchar       *service;   /* service key */
  gchar       *kind;      /* idg_kind_to_string () or "raw-sim" */
  gchar       *door;      /* IDG_DOOR_* */
  gchar       *grants;    /* comma-separated grant ids, or NULL */
  IdgDecision  decision;
  guint        count;
  gchar       *reason;    /* refusal reason, or NULL */
  IdgAuditType type;
  guint64      suppressed[IDG_DECISION_COUNT];  /* flood: events by decision */
  guint64      records;   /* flood: records not written */
} IdgAuditRecord;

/* What idg_audit_new takes (the [audit] keys of idguard.conf). */
typedef struct {
  guint64 max_size;          /* audit.log: bytes before rotation */
  guint   keep;              /* audit.log: rotated files kept */
  guint64 release_max_size;  /* releases.log: bytes before rotation */
  guint   release_keep;      /* releases.log: rotated files kept */
  guint   window;            /* coalescing window, seconds (0: none) */
  guint   rate;              /* records per second per uid */
  guint   burst;             /* records at once per uid */
  guint   flood_interval;    /* seconds between a uid's flood records */
} IdgAuditOptions;

typedef struct {
  gchar   *service;
  gchar   *kind;
  guint64  count[IDG_DECISION_COUNT];   /* indexed by IdgDecision */
} IdgAuditReportRow;

#define IDG_AUDIT_KIND_RAW_SIM "raw-sim"
#define IDG_AUDIT_FILE         "audit.log"
#define IDG_AUDIT_RELEASE_FILE "releases.log"
/* uids whose buckets are tracked (more share one) */
#define IDG_AUDIT_LIMIT_UIDS   256
/* Tripwire records (idg_audit_add_tripwire): kind "sim-unread" for digit
 * runs masked while SIM values were being read again. */
#define IDG_AUDIT_KIND_UNREAD  "sim-unread"
#define IDG_AUDIT_REASON_TRIPWIRE "tripwire"

#define IDG_AUDIT_ERROR (idg_audit_error_quark ())
GQuark idg_audit_error_quark (void);
typedef enum {
  IDG_AUDIT_ERROR_IO,
} IdgAuditError;

/* dir: where the logs live; options: see IdgAuditOptions. */
IdgAudit *idg_audit_new  (const gchar            *dir,
                          const IdgAuditOptions  *options,
                          GError                **error);
/* Flushes what is pending, then frees. */
void      idg_audit_free (IdgAudit     *audit);

/* One event, written at once (no coalescing; rate-limited unless a
 * release). grants and reason nullable. FALSE only for a release that
 * could not be recorded: the caller must not pass the value on. */
gboolean idg_audit_add       (IdgAudit          *audit,
                              const IdgIdentity *identity,
                              const gchar       *door,
                              const gchar       *kind,
                              const gchar       *grants,
                              IdgDecision        decision,
                              guint              count,
                              const gchar       *reason);
/* The same event, coalesced (see above): for chatty paths. Same result. */
gboolean idg_audit_add_coalesced (IdgAudit          *audit,
                                  const IdgIdentity *identity,
                                  const gchar       *door,
                                  const gchar       *kind,
                                  const gchar       *grants,
                                  IdgDecision        decision,
                                  guint              count,
                                  const gchar       *reason);
/* The tally of a door's guard, coalesced (see above). */
void idg_audit_add_guard (IdgAudit          *audit,
                          const IdgIdentity *identity,
                          const gchar       *door,
                          const gchar       *grants,
                          const IdgGuard    *guard);
/* The file at an exe: grant's path is another file now (a package
 * upgrade): the kernel was given the new one, so the old file is refused
 * from here on. One record {"service":"broker","kind":"exe","decision":
 * "refuse","reason":"exe-changed","grants":GRANT}, never rate-limited. */
void idg_audit_add_exe_changed (IdgAudit    *audit,
                                const gchar *door,
                                const gchar *grant);
/* FALSE while releases cannot be recorded (see "Durability"): a door then
 * releases nothing. Cheap; probes the disk at most once a second. */
gboolean idg_audit_can_release (IdgAudit *audit);
/* A tripwire record: the value tripwire, not a filter, masked kind in a
 * message of door on route (the door's name for the message, never a
 * value). Decision rewrite, reason "tripwire ROUTE"; coalesced and
 * rate-limited as above. */
void idg_audit_add_tripwire (IdgAudit          *audit,
                             const IdgIdentity *identity,
                             const gchar       *door,
                             const gchar       *route,
                             const gchar       *kind,
                             guint              count);
/* Writes every pending summary and flood record now (before a query, at
 * shutdown). */
void idg_audit_flush     (IdgAudit          *audit);

/* Records with usec >= since_usec (0: all), oldest first, from both logs,
 * rotated files and current ones. Elements: IdgAuditRecord (free func set). */
GPtrArray *idg_audit_query  (IdgAudit  *audit,
                             gint64     since_usec,
                             GError   **error);
/* Per service, per kind: counts of release / rewrite / refuse since
 * since_usec, sorted by service then kind. Elements: IdgAuditReportRow. */
GPtrArray *idg_audit_report (IdgAudit  *audit,
                             gint64     since_usec,
                             GError   **error);

/* For `audit --follow`: called for every record as it is written. */
typedef void (*IdgAuditFunc) (const IdgAuditRecord *record,
                              gpointer              user_data);
guint idg_audit_subscribe   (IdgAudit     *audit,
                             IdgAuditFunc  func,
                             gpointer      user_data);
void  idg_audit_unsubscribe (IdgAudit     *audit,
                             guint         id);

/* One record as a JSON object string (the on-disk line, no newline). */
gchar *idg_audit_record_to_json (const IdgAuditRecord *record);
/* "release", "rewrite", "refuse" or, for a flood record, "flood". */
const gchar *idg_audit_record_decision (const IdgAuditRecord *record);
void   idg_audit_record_free    (IdgAuditRecord *record);
void   idg_audit_report_row_free (IdgAuditReportRow *row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgAudit, idg_audit_free)

G_END_DECLS

#endif
