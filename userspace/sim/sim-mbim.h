/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated modem's MBIM side: host messages in, device messages out.
 * OPEN/CLOSE, Basic Connect Device Caps, Subscriber Ready Status (query and
 * indication), Device Services, Device Service Subscribe List, MS Basic
 * Connect Extensions Device Caps (v2), QMI carried in MBIM (service QMI,
 * CID 1: every QMUX frame of a buffer executed, its own QMI client table),
 * MS UICC Low Level Access (ATR, open/close channel, APDU, read binary at
 * any offset and length, read record), the MBIMEx Version exchange (up to
 * 3.0, which switches Subscriber Ready Status and MS Device Caps to their
 * v3 layouts), the Intel and Fibocom AT tunnels (every line of a buffer
 * executed, as a modem does);
 * every other CID is answered with
 * MBIM_STATUS_ERROR_NO_DEVICE_SUPPORT, commands before OPEN with a
 * NOT_OPENED function error. Host fragments are reassembled; replies longer
 * than the control transfer size negotiated in OPEN (or the forced one) are
 * fragmented. No I/O here.
 */
#ifndef SIM_MBIM_H
#define SIM_MBIM_H

#include <libmbim-glib.h>
#include "sim-ids.h"

G_BEGIN_DECLS

typedef struct _SimMbim SimMbim;

#define SIM_MBIM_MAX_MESSAGE 65536

SimMbim *sim_mbim_new                 (const SimIds *ids);
void     sim_mbim_free                (SimMbim *self);
/* Caps the control transfer size whatever the host asks for (0: no cap). */
void     sim_mbim_set_max_transfer    (SimMbim *self,
                                       guint32  max_transfer);
void     sim_mbim_feed                (SimMbim      *self,
                                       const guint8 *data,
                                       gsize         len,
                                       GByteArray   *out);
void     sim_mbim_reset_input         (SimMbim *self);
gsize    sim_mbim_pending_input       (SimMbim *self);
gboolean sim_mbim_is_open             (SimMbim *self);
/* The SIM changed: when open, Subscriber Ready Status indications (SIM not
 * inserted, then initialized with the new values) are appended to out. */
void     sim_mbim_sim_changed         (SimMbim    *self,
                                       GByteArray *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimMbim, sim_mbim_free)

G_END_DECLS

#endif
