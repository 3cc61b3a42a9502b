/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The privacy report's numbers: the broker's audit records (Admin1.Audit,
 * aa{sv}) of the last 7 days counted per service and identifier kind, per
 * decision (released, rewritten, refused) and per day, with the rewrites
 * the value tripwire made counted apart. Pure: records in, rows out.
 */
#ifndef IDG_TALLY_H
#define IDG_TALLY_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  IDG_TALLY_RELEASED  = 0,
  IDG_TALLY_REWRITTEN = 1,
  IDG_TALLY_REFUSED   = 2,
} IdgTallyDecision;

#define IDG_TALLY_DECISIONS 3
#define IDG_TALLY_DAYS      7
#define IDG_TALLY_DAY_USEC  (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)

typedef struct {
  gchar   *service;    /* as the broker names it: "unit:..", "exe:..", "uid:N" */
  gchar   *kind;       /* "imei", ..., "raw-sim"; a flood record's kinds as listed */
  guint64  total[IDG_TALLY_DECISIONS];
  /* day[0] is the 24 hours ending now, day[6] the oldest */
  guint64  day[IDG_TALLY_DAYS][IDG_TALLY_DECISIONS];
  guint64  tripwire;   /* rewrites the value tripwire made (within total[REWRITTEN]) */
  gboolean flood;      /* counted from the audit's rate-limit summaries */
} IdgTallyRow;

typedef struct {
  GPtrArray *rows;     /* IdgTallyRow, sorted by service, then kind */
  guint64    total[IDG_TALLY_DECISIONS];
  guint64    tripwire;
} IdgTally;

/* records: aa{sv} as Admin1.Audit returns them; now: unix microseconds.
 * Records older than 7 days are left out; records from the future (a
 * clock step) count as now. */
IdgTally *idg_tally_new  (GVariant *records,
                          gint64    now_usec);
void      idg_tally_free (IdgTally *tally);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgTally, idg_tally_free)

G_END_DECLS

#endif
