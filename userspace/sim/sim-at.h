/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated modem's AT side (V.250 and 3GPP TS 27.007): command lines
 * in, echo and responses out, read as V.250 says a modem reads them: S3
 * (13) ends a line, S5 (8) deletes the character before it, other control
 * characters are ignored, "A/" at the start of a line runs the last line
 * again at once, ATSn=v writes any S register (S3/S4/S5 included: the line
 * framing and the reply framing follow them), Z and &F restore them. One SimAt per connection (echo, verbose,
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
#define SIM_AT_S_REGISTERS 256

/* Called with NULL when a command line starts to run (also for "A/"), then
 * with the text of each command as the modem runs it ("+CGSN=1", "E0",
 * "S7=60"): what the modem executes, for differential tests. */
typedef void (*SimAtTraceFunc) (const gchar *command,
                                gpointer     user_data);

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
void   sim_at_set_trace (SimAt          *self,
                         SimAtTraceFunc  func,
                         gpointer        user_data);
/* Answers one command line (without "AT" prefix check or echo): for tests. */
gchar *sim_at_run_line (SimAt       *self,
                        const gchar *line);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimAt, sim_at_free)

G_END_DECLS

#endif
