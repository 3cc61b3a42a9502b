/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated modem's QMI side: QMUX frames in, QMUX frames out.
 * Answers CTL (version info, allocate/release client ids, sync, proxy open,
 * instance id), DMS (IDs, MSISDN, ICCID, IMSI, capabilities, manufacturer,
 * model, revision, operating mode), UIM (card status, read transparent of
 * EF_ICCID/EF_IMSI, read record of EF_MSISDN, slot status, register events,
 * refresh register, and the raw SIM access of Send APDU, Open Logical
 * Channel and Logical Channel) and any other request of an allocated service with
 * QMI_PROTOCOL_ERROR_INVALID_QMI_COMMAND. No I/O here: replies are appended
 * to a caller-provided buffer.
 */
#ifndef SIM_QMI_H
#define SIM_QMI_H

#include <libqmi-glib.h>
#include "sim-ids.h"

G_BEGIN_DECLS

typedef struct _SimQmi SimQmi;

/* ids is borrowed and must outlive the engine; swaps update it in place. */
SimQmi     *sim_qmi_new          (const SimIds *ids);
void        sim_qmi_free         (SimQmi *self);

/* Feeds raw bytes from the host; complete requests are answered into out.
 * Garbage is skipped up to the next frame marker; frames that libqmi
 * rejects are dropped. */
void        sim_qmi_feed         (SimQmi       *self,
                                  const guint8 *data,
                                  gsize         len,
                                  GByteArray   *out);
/* The modem's framing alone: takes the next request it would execute off
 * the front of in (garbage skipped, rejected frames consumed), or NULL
 * when in holds no complete one yet. The differential fuzz target feeds it
 * what a door forwards. */
QmiMessage *sim_qmi_parse_next   (GByteArray   *in);
/* Forgets a partial frame (the caller does it after an idle gap). */
void        sim_qmi_reset_input  (SimQmi *self);
gsize       sim_qmi_pending_input (SimQmi *self);

/* The reply to one request, or NULL when none is due. */
QmiMessage *sim_qmi_reply        (SimQmi     *self,
                                  QmiMessage *request);

/* The SIM changed (ids already updated): indications for registered UIM
 * clients (card status, slot status) are appended to out. */
void        sim_qmi_sim_changed  (SimQmi     *self,
                                  GByteArray *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimQmi, sim_qmi_free)

G_END_DECLS

#endif
