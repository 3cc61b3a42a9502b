/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Retry pacing of the modem backends: after each failure the next try
 * waits twice as long as the one before, from min_s up to max_s; a success
 * (idg_backoff_reset) starts again at min_s.
 *
 * idg_backoff_next() is the pure computation. idg_backoff_schedule() also
 * arms the one-shot retry timer and words the modem state, "retrying in
 * Ns: reason". A failure while a retry is armed changes nothing: the armed
 * retry stands, the pace does not double twice for one incident.
 *
 * idg_backoff_watch_path() also retries at once when the port's node
 * appears or changes (a hotplugged modem: the kernel creates the node,
 * udev then gives it to the broker's user): a client waiting on the door
 * does not wait out a pace that grew while the modem was away.
 */
#ifndef IDG_BACKOFF_H
#define IDG_BACKOFF_H

#include <gio/gio.h>

G_BEGIN_DECLS

typedef void (*IdgBackoffFunc) (gpointer user_data);

typedef struct {
  guint          min_s;
  guint          max_s;
  guint          next_s;     /* the delay the next failure gets */
  guint          armed_s;    /* the delay of the armed retry */
  guint          source_id;  /* the armed retry, 0 if none */
  IdgBackoffFunc func;
  gpointer       user_data;
  GFileMonitor  *monitor;    /* idg_backoff_watch_path(), NULL if none */
} IdgBackoff;

/* min_s >= 1; max_s below min_s counts as min_s. func runs once per armed
 * retry (the timer is already disarmed then: it may schedule again). */
void      idg_backoff_init     (IdgBackoff     *backoff,
                                guint           min_s,
                                guint           max_s,
                                IdgBackoffFunc  func,
                                gpointer        user_data);
/* The delay for this failure, in seconds; the next one doubles (capped). */
guint     idg_backoff_next     (IdgBackoff     *backoff);
/* A success: the next failure waits min_s again. */
void      idg_backoff_reset    (IdgBackoff     *backoff);
/* A failure: arms the retry in idg_backoff_next() seconds unless one is
 * armed, and returns the state text "retrying in Ns: reason" (N: the
 * armed retry's delay). */
gchar    *idg_backoff_schedule (IdgBackoff     *backoff,
                                const gchar    *reason);
gboolean  idg_backoff_is_armed (const IdgBackoff *backoff);
/* While a retry is armed, PATH (absolute) being created or its attributes
 * changing (owner, mode) runs the retry at once (in an idle) and starts
 * the pace again at min_s. Anything but an absolute path (a QRTR node),
 * or a path that cannot be watched: no watch, the timer alone. Once per
 * backoff. */
void      idg_backoff_watch_path (IdgBackoff   *backoff,
                                  const gchar  *path);
/* Disarms the retry and drops the watch (on free). */
void      idg_backoff_cancel   (IdgBackoff     *backoff);

G_END_DECLS

#endif
