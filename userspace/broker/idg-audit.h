/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit log: one JSON object per line in STATE_DIR/audit.log, rotated to
 * audit.log.1 .. audit.log.KEEP when it passes max-size. Every record is also
 * sent to the system log as a structured line (journald if present, else
 * GLib's structured log). Never holds an identifier value or a token.
 *
 * Record, on disk:
 *   {"time":"2026-11-23T23:13:30.123456Z","usec":1795..., "identity":"uid=..",
 *    "service":"unit:foo.service","kind":"imei"|"raw-sim","door":"qmi-proxy",
 *    "grants":"g-..,g-.." or null,"decision":"release"|"rewrite"|"refuse",
 *    "count":N,"reason":"expired" (optional)}
 *
 * Aggregation (idg_audit_add_guard / idg_audit_add with coalesce): events
 * with the same (service, door, kind, decision, grants) are written at once
 * the first time; further ones within `window` seconds are counted and
 * written as one summary record (count = how many) when the window ends. The
 * flush timer is armed only while something is pending.
 */
#ifndef IDG_AUDIT_H
#define IDG_AUDIT_H

#include <glib.h>
#include "idg-guard.h"
#include "idg-identity.h"

G_BEGIN_DECLS

typedef struct _IdgAudit IdgAudit;

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
} IdgAuditRecord;

typedef struct {
  gchar   *service;
  gchar   *kind;
  guint64  count[IDG_DECISION_COUNT];   /* indexed by IdgDecision */
} IdgAuditReportRow;

#define IDG_AUDIT_KIND_RAW_SIM "raw-sim"

#define IDG_AUDIT_ERROR (idg_audit_error_quark ())
GQuark idg_audit_error_quark (void);
typedef enum {
  IDG_AUDIT_ERROR_IO,
} IdgAuditError;

/* dir: where audit.log lives. max_size: bytes before rotation; keep: how
 * many rotated files; window: coalescing window in seconds (0: no
 * coalescing, every event written). */
IdgAudit *idg_audit_new  (const gchar  *dir,
                          guint64       max_size,
                          guint         keep,
                          guint         window,
                          GError      **error);
/* Flushes what is pending, then frees. */
void      idg_audit_free (IdgAudit     *audit);

/* One event, written at once (no coalescing): API reads, refusals, admin
 * actions. grants and reason nullable. */
void idg_audit_add       (IdgAudit          *audit,
                          const IdgIdentity *identity,
                          const gchar       *door,
                          const gchar       *kind,
                          const gchar       *grants,
                          IdgDecision        decision,
                          guint              count,
                          const gchar       *reason);
/* The same event, coalesced (see above): for chatty paths. */
void idg_audit_add_coalesced (IdgAudit          *audit,
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
/* Writes every pending summary now (before a query, at shutdown). */
void idg_audit_flush     (IdgAudit          *audit);

/* Records with usec >= since_usec (0: all), oldest first, from the rotated
 * files and the current one. Elements: IdgAuditRecord (free func set). */
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
void   idg_audit_record_free    (IdgAuditRecord *record);
void   idg_audit_report_row_free (IdgAuditReportRow *row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgAudit, idg_audit_free)

G_END_DECLS

#endif
