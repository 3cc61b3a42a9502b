// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit's per-uid token buckets and flood tallies, in a fixed table
 * (see idg-audit-limit.h).
 */
#include "idg-audit-limit.h"

#include <string.h>

#define MICRO G_GINT64_CONSTANT (1000000)   /* a token, in micro-tokens */

typedef struct {
  gboolean      used;
  gint64        tokens;     /* micro-tokens */
  gint64        refilled;   /* monotonic usec of the last refill */
  gint64        touched;    /* monotonic usec of the last take */
  IdgAuditFlood flood;
} Entry;

struct _IdgAuditLimit {
  gint64  rate;             /* tokens per second */
  gint64  cap;              /* micro-tokens: burst */
  guint   size;             /* uid entries; entries[size] is the shared one */
  Entry  *entries;
};

IdgAuditLimit *
idg_audit_limit_new (guint rate,
                     guint burst,
                     guint size)
{
  IdgAuditLimit *limit = g_new0 (IdgAuditLimit, 1);

  limit->rate = MAX (rate, 1);
  limit->cap = (gint64) MAX (burst, 1) * MICRO;
  limit->size = MAX (size, 1);
  limit->entries = g_new0 (Entry, limit->size + 1);
  return limit;
}

void
idg_audit_limit_free (IdgAuditLimit *limit)
{
  if (limit == NULL)
    return;
  g_free (limit->entries);
  g_free (limit);
}

static void
refill (IdgAuditLimit *limit,
        Entry         *e,
        gint64         now)
{
  gint64 elapsed = now - e->refilled;

  if (elapsed <= 0)
    return;
  /* past a full refill the exact time no longer matters (and the product
   * below cannot overflow) */
  if (elapsed >= limit->cap / limit->rate + 1)
    e->tokens = limit->cap;
  else
    e->tokens = MIN (limit->cap, e->tokens + elapsed * limit->rate);
  e->refilled = now;
}

static gboolean
idle (IdgAuditLimit *limit,
      Entry         *e,
      gint64         now)
{
  refill (limit, e, now);
  return e->tokens == limit->cap && e->flood.records == 0;
}

static void
claim (IdgAuditLimit *limit,
       Entry         *e,
       guint32        uid,
       gint64         now)
{
  memset (e, 0, sizeof *e);
  e->used = TRUE;
  e->tokens = limit->cap;
  e->refilled = now;
  e->flood.uid = uid;
}

/* The entry of uid: its own, a free or idle one, else the shared one. */
static Entry *
lookup (IdgAuditLimit *limit,
        guint32        uid,
        gint64         now)
{
  Entry *shared = &limit->entries[limit->size];
  Entry *victim = NULL;
  guint i;

  for (i = 0; i < limit->size; i++) {
    Entry *e = &limit->entries[i];

    if (e->used && e->flood.uid == uid)
      return e;
  }
  for (i = 0; i < limit->size; i++) {
    Entry *e = &limit->entries[i];

    if (!e->used) {
      victim = e;
      break;
    }
    if (idle (limit, e, now) && (victim == NULL || e->touched < victim->touched))
      victim = e;
  }
  if (victim != NULL) {
    claim (limit, victim, uid, now);
    return victim;
  }
  if (!shared->used)
    claim (limit, shared, IDG_AUDIT_LIMIT_OTHERS, now);
  return shared;
}

gboolean
idg_audit_limit_take (IdgAuditLimit *limit,
                      guint32        uid,
                      gint64         now,
                      IdgDecision    decision,
                      guint          door_bit,
                      guint          kind_bit,
                      guint          count)
{
  Entry *e = lookup (limit, uid, now);

  refill (limit, e, now);
  e->touched = now;
  if (e->tokens >= MICRO) {
    e->tokens -= MICRO;
    return TRUE;
  }
  e->flood.suppressed[decision] += count;
  e->flood.records++;
  if (door_bit < 32)
    e->flood.doors |= 1u << door_bit;
  if (kind_bit < 32)
    e->flood.kinds |= 1u << kind_bit;
  return FALSE;
}

guint
idg_audit_limit_drain (IdgAuditLimit     *limit,
                       IdgAuditFloodFunc  func,
                       gpointer           user_data)
{
  guint i, n = 0;

  for (i = 0; i <= limit->size; i++) {
    Entry *e = &limit->entries[i];
    guint32 uid = e->flood.uid;

    if (!e->used || e->flood.records == 0)
      continue;
    func (&e->flood, user_data);
    memset (&e->flood, 0, sizeof e->flood);
    e->flood.uid = uid;
    n++;
  }
  return n;
}

gboolean
idg_audit_limit_pending (const IdgAuditLimit *limit)
{
  guint i;

  for (i = 0; i <= limit->size; i++)
    if (limit->entries[i].used && limit->entries[i].flood.records > 0)
      return TRUE;
  return FALSE;
}
