/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the AT engine (sim-at.c: line discipline, command line parsing,
 * basic commands, result codes) and its extended commands
 * (sim-at-commands.c). Not for other users.
 */
#ifndef SIM_AT_PRIVATE_H
#define SIM_AT_PRIVATE_H

#include <glib.h>
#include "sim-apdu.h"
#include "sim-at.h"

G_BEGIN_DECLS

typedef enum {
  SIM_AT_OK,
  SIM_AT_ERROR,          /* plain ERROR whatever +CMEE says */
  SIM_AT_CME,            /* +CME ERROR: cme */
  SIM_AT_NO_CARRIER,
} SimAtResult;

typedef enum {
  SIM_AT_ACTION,   /* +X */
  SIM_AT_READ,     /* +X? */
  SIM_AT_TEST,     /* +X=? */
  SIM_AT_SET,      /* +X=args */
} SimAtForm;

struct _SimAt {
  const SimIds *ids;
  GString      *line;
  GString      *urcs;         /* unsolicited codes held while a line comes in */
  gboolean      overflow;
  gboolean      echo;
  gboolean      verbose;
  gboolean      quiet;
  guint         cmee;
  guint         creg_n, cgreg_n, cereg_n;
  guint         cops_format;
  guint         cfun;
  guint         cme;          /* error code of the last SIM_AT_CME */
  SimApduChannels channels;
  guint8        sreg[SIM_AT_S_REGISTERS]; /* S3 ends a line, S4 follows it in
                                             replies, S5 deletes */
  gchar        *last_line;    /* the last command line run, for "A/" */
  SimAtTraceFunc trace;
  gpointer      trace_data;
};

/* An information line: CR LF before the first one of a response. */
void        sim_at_info         (GString     *resp,
                                 const gchar *format,
                                 ...) G_GNUC_PRINTF (2, 3);
/* Records a +CME ERROR code and returns SIM_AT_CME. */
SimAtResult sim_at_cme          (SimAt *self,
                                 guint  code);
/* ATI: product information with an "IMEI: ..." line. */
void        sim_at_product_info (SimAt   *self,
                                 GString *resp);
/* One extended command (+X, +X?, +X=?, +X=args; also ^ ! # vendor forms). */
SimAtResult sim_at_run_extended (SimAt       *self,
                                 const gchar *cmd,
                                 GString     *resp);

G_END_DECLS

#endif
