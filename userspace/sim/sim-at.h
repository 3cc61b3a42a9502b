/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated modem's AT side (V.250 and 3GPP TS 27.007): command lines
 * in, echo and responses out. One SimAt per connection (echo, verbose,
 * error mode and registration report settings are per port). Enough for
 * ModemManager's generic plugin to probe, initialise, enable and register
 * the modem, plus every identifier command of identifiers.md. No I/O here.
 */
#ifndef SIM_AT_H
#define SIM_AT_H

#include <glib.h>
#include "sim-ids.h"

G_BEGIN_DECLS

typedef struct _SimAt SimAt;

#define SIM_AT_MAX_LINE 2048

SimAt *sim_at_new   (const SimIds *ids);
void   sim_at_free  (SimAt *self);
void   sim_at_feed  (SimAt        *self,
                     const guint8 *data,
                     gsize         len,
                     GByteArray   *out);
/* A SIM change, announced as a modem does: the unsolicited result codes
 * "+CPIN: NOT READY" then "+CPIN: READY" (V1: each framed by CR LF; V0:
 * text CR LF; none under Q1). They go to out at once when no command line
 * is being received, else after that line's reply (sim_at_feed writes
 * them): never inside an echo or a reply. */
void   sim_at_sim_changed (SimAt      *self,
                           GByteArray *out);
/* Answers one command line (without "AT" prefix check or echo): for tests. */
gchar *sim_at_run_line (SimAt       *self,
                        const gchar *line);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimAt, sim_at_free)

G_END_DECLS

#endif
