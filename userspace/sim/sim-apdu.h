/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny UICC command interpreter for the raw SIM access paths (AT +CSIM,
 * +CGLA): SELECT (by FID, by path, by AID), GET RESPONSE, READ BINARY,
 * READ RECORD, VERIFY/UNBLOCK retry queries, STATUS, MANAGE CHANNEL. Serves
 * the files of sim-files.h; everything else gets the status word a card
 * gives (6D00, 6E00, 6A82, ...).
 */
#ifndef SIM_APDU_H
#define SIM_APDU_H

#include <glib.h>
#include "sim-ids.h"

G_BEGIN_DECLS

#define SIM_APDU_MAX_RESPONSE 260

typedef struct {
  guint16 df;          /* current DF: 3F00, 7FFF, 7F20, 7F10 */
  guint16 ef;          /* current EF, 0 when none */
  guint8  pending_fcp; /* bytes a GET RESPONSE returns */
} SimApdu;

void  sim_apdu_init    (SimApdu *state);
/* Returns the response length (data + SW1 SW2, at least 2). */
gsize sim_apdu_process (SimApdu      *state,
                        const SimIds *ids,
                        const guint8 *apdu,
                        gsize         len,
                        guint8        resp[SIM_APDU_MAX_RESPONSE]);

/* The basic channel (0, always open) and the logical channels a host opens
 * (MANAGE CHANNEL, +CCHO, QMI Open Logical Channel, MBIM Open Channel). */
#define SIM_APDU_CHANNELS 4

typedef struct {
  SimApdu  channel[SIM_APDU_CHANNELS];
  gboolean open[SIM_APDU_CHANNELS];
} SimApduChannels;

void     sim_apdu_channels_reset (SimApduChannels *c);
/* Opens a logical channel on the USIM application; -1 when none is free. */
gint     sim_apdu_channels_open  (SimApduChannels *c);
gboolean sim_apdu_channels_close (SimApduChannels *c,
                                  guint            channel);
/* NULL if that channel is not open. */
SimApdu *sim_apdu_channels_get   (SimApduChannels *c,
                                  guint            channel);

G_END_DECLS

#endif
