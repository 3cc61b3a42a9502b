/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulator's control protocol (one text command per line on a unix
 * stream socket; each answered by one line, "ok" or "error: ..."):
 *   swap [quiet]            re-read --ids (if given), apply staged values:
 *                           a SIM swap with the indications a modem sends
 *                           ("quiet": no unsolicited codes on AT, as a
 *                           modem that keeps card changes to itself)
 *   set KEY=VALUE           stage a value for the next swap
 *   fault PROTO MODE        PROTO: qmi, mbim, at or all;
 *                           MODE: normal, garbage (answers replaced by
 *                           random bytes of the same length), silent
 *                           (requests read and never answered) or slow
 *                           (every answer SIM_SLOW_MS late, in order)
 *   ping                    ok
 * Parsing only; the main loop applies the command.
 */
#ifndef SIM_CONTROL_H
#define SIM_CONTROL_H

#include <glib.h>

G_BEGIN_DECLS

#define SIM_SLOW_MS 300

typedef enum {
  SIM_PROTO_QMI,
  SIM_PROTO_MBIM,
  SIM_PROTO_AT,
  SIM_N_PROTOS,
} SimProto;

typedef enum {
  SIM_FAULT_NORMAL,
  SIM_FAULT_GARBAGE,
  SIM_FAULT_SILENT,
  SIM_FAULT_SLOW,
} SimFault;

typedef enum {
  SIM_CONTROL_PING,
  SIM_CONTROL_SWAP,
  SIM_CONTROL_SET,
  SIM_CONTROL_FAULT,
} SimControlVerb;

typedef struct {
  SimControlVerb verb;
  gchar         *key;        /* SET */
  gchar         *value;      /* SET */
  gboolean       quiet;      /* SWAP: nothing unsolicited on AT */
  guint          protos;     /* FAULT: bit mask of 1 << SimProto */
  SimFault       fault;      /* FAULT */
} SimControlCommand;

gboolean sim_control_parse (const gchar       *line,
                            SimControlCommand *cmd,
                            GError           **error);
void     sim_control_clear (SimControlCommand *cmd);

G_END_DECLS

#endif
