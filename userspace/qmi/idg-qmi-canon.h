/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Canonical forwarding of QMI requests: pure (no I/O, no globals).
 *
 * The modem executes what it parses, not what a filter thought it read. So
 * a door never forwards a client's bytes: it parses every request
 * completely, as the modem will (QMUX header, SDU header, every TLV, the
 * lengths that must add up), and forwards its own re-encoding of what it
 * understood. A frame that does not parse completely is refused with the
 * protocol's own error (MALFORMED_MESSAGE), never passed on:
 *  - flags other than "from the control point", an SDU that is not a plain
 *    request (response, indication, compound bit), a CTL request with a
 *    client id;
 *  - TLVs that overrun the SDU or leave bytes behind it (trailing garbage);
 *  - the same TLV type twice (a modem could take either one).
 *
 * One judgement serves the QMI door's byte stream (idg_qmi_canon_next, one
 * frame at a time) and QMI carried in one buffer, e.g. QMI inside MBIM
 * (idg_qmi_canon_judge_buffer, every frame of the buffer).
 */
#ifndef IDG_QMI_CANON_H
#define IDG_QMI_CANON_H

#include <glib.h>
#include "idg-qmi-filter.h"

G_BEGIN_DECLS

typedef enum {
  IDG_QMI_CANON_OK      = 0,  /* a request, understood: out holds its re-encoding */
  IDG_QMI_CANON_MORE    = 1,  /* an incomplete frame: wait for more bytes */
  IDG_QMI_CANON_REFUSE  = 2,  /* a frame not understood: out holds the error
                               * response for the client, nothing is forwarded */
  IDG_QMI_CANON_BROKEN  = 3,  /* not QMUX at all: the stream cannot be
                               * resynchronised, drop the client */
} IdgQmiCanon;

/* The frame at the front of buf (len bytes received so far). For OK and
 * REFUSE, *consumed is the frame's length and out (emptied first) holds
 * the canonical request or the error response. */
IdgQmiCanon idg_qmi_canon_next (const guint8 *buf,
                                gsize         len,
                                gsize        *consumed,
                                GByteArray   *out);

/* Sets the transaction id of a valid frame (u8 for CTL). */
void        idg_qmi_canon_set_transaction_id (guint8  *frame,
                                              gsize    len,
                                              guint16  transaction_id);

/* QMI requests carried in one buffer (QMI inside MBIM). Every frame is
 * re-encoded (idg_qmi_canon_next) and judged (idg_qmi_filter_request):
 * forward gets the canonical frames to send to the modem, answers the
 * error responses for the frames refused (to hand back to the client),
 * infos (IdgQmiRequestInfo) the context of each forwarded frame, in order,
 * for idg_qmi_canon_filter_responses.
 * FALSE when the buffer is not an exact sequence of complete QMUX frames,
 * holds two requests with the same service, client id and transaction id,
 * or a frame not understood: then forward is left empty (nothing at all is
 * sent) and answers holds the error responses the client can be given. */
gboolean    idg_qmi_canon_judge_buffer (const guint8 *buf,
                                        gsize         len,
                                        IdgGuard     *guard,
                                        GByteArray   *forward,
                                        GByteArray   *answers,
                                        GArray       *infos);

/* The modem's answers in one buffer: each frame filtered in place
 * (idg_qmi_filter_response) with the info of its request, matched on
 * service, client id, transaction id and message, or as of unknown origin
 * (fail closed for file reads). FALSE when the buffer is not an exact
 * sequence of frames or a frame must not be delivered. */
gboolean    idg_qmi_canon_filter_responses (guint8                  *buf,
                                            gsize                    len,
                                            const IdgQmiRequestInfo *infos,
                                            guint                    n_infos,
                                            IdgGuard                *guard);

G_END_DECLS

#endif
