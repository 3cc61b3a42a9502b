/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit's rate limiter: a token bucket per uid (never per label a client
 * chooses, such as an executable path or a hard link's name), in a table of
 * fixed size. A record that finds its uid's bucket empty is not written: it
 * is counted in that uid's flood tally (per decision, with the doors and
 * kinds seen as bit masks), which the audit writes as one `flood` record per
 * uid and interval (idg_audit_limit_drain).
 *
 * Memory is fixed at creation whatever the number of uids: when every entry
 * is in use, a new uid takes the least recently used entry whose bucket is
 * full again and whose tally is empty (evicting it loses nothing, and gives
 * the returning uid no more than a full bucket, which it had anyway);
 * failing that, it shares one last entry with every other such uid
 * (IDG_AUDIT_LIMIT_OTHERS).
 *
 * Pure: no I/O, no clock (the caller passes monotonic microseconds).
 */
#ifndef IDG_AUDIT_LIMIT_H
#define IDG_AUDIT_LIMIT_H

#include <glib.h>
#include "idg-guard.h"

G_BEGIN_DECLS

/* Keys that are not a uid: a client with no credentials (a tty door), and
 * the shared entry of uids the full table could not take. */
#define IDG_AUDIT_LIMIT_NO_UID G_MAXUINT32
#define IDG_AUDIT_LIMIT_OTHERS (G_MAXUINT32 - 1)

typedef struct _IdgAuditLimit IdgAuditLimit;

/* What one key had suppressed since the last drain. */
typedef struct {
  guint32 uid;                              /* a uid or one of the keys above */
  guint64 suppressed[IDG_DECISION_COUNT];   /* events, by decision */
  guint64 records;                          /* records not written */
  guint32 doors;                            /* caller's bit masks */
  guint32 kinds;
} IdgAuditFlood;

typedef void (*IdgAuditFloodFunc) (const IdgAuditFlood *flood,
                                   gpointer             user_data);

/* rate: records per second a uid may write, sustained (>= 1); burst: how
 * many at once (>= 1); size: uids tracked (>= 1, plus the shared entry). */
IdgAuditLimit *idg_audit_limit_new  (guint          rate,
                                     guint          burst,
                                     guint          size);
void           idg_audit_limit_free (IdgAuditLimit *limit);

/* One record of `count` events for uid at monotonic time now (usec): TRUE
 * if it may be written (a token is taken), FALSE if it was counted in the
 * uid's flood tally instead (decision, door_bit and kind_bit: bit numbers
 * below 32 the caller assigns). */
gboolean idg_audit_limit_take  (IdgAuditLimit *limit,
                                guint32        uid,
                                gint64         now,
                                IdgDecision    decision,
                                guint          door_bit,
                                guint          kind_bit,
                                guint          count);
/* Calls func for every key with something suppressed, then clears those
 * tallies (the buckets stay). Returns how many. */
guint    idg_audit_limit_drain (IdgAuditLimit     *limit,
                                IdgAuditFloodFunc  func,
                                gpointer           user_data);
/* Whether some tally is not empty. */
gboolean idg_audit_limit_pending (const IdgAuditLimit *limit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgAuditLimit, idg_audit_limit_free)

G_END_DECLS

#endif
