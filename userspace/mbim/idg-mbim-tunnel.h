/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tunnels inside MBIM: pure, no I/O. A tunnel carries another protocol's
 * bytes in one information buffer, and the modem executes every command or
 * frame it finds there. So the door never forwards the client's buffer: it
 * parses it as the modem will, judges what it understood and forwards its
 * own re-encoding of that, or refuses the buffer.
 *
 *  - AT tunnels (Intel da138c64-6515-4893-92b2-a1e1ca7c81ca, Fibocom
 *    ffffffff-abca-4b11-a4e2-f2fc87f94488, CID 1): the buffer is read by
 *    the AT door's own judgement (idg_at_canon_buffer, idg-at-canon.h):
 *    every line as a V.250 modem reads it (S5 backspace, ignored control
 *    characters, "A/" repeating the previous line, "AT" prefix), S3/S4/S5
 *    writes and anything it does not parse refused, every command judged
 *    by the AT filter, and all of them joined into ONE canonical line. That
 *    line is what the door forwards and what the reply is filtered
 *    against. A command the filter refuses (raw SIM access) is answered
 *    with the AT refusal ("+CME ERROR: 3") inside a successful
 *    COMMAND_DONE, as the modem would. The phonebook storage that +CPBR
 *    and +CPBF read is modem state the door cannot see (another tunnel
 *    client or the AT port may have selected it): unless the line selects
 *    one, the own-number book is assumed and their numbers are masked for
 *    a client without the MSISDN kind.
 *  - QMI inside MBIM (d1a30bc2-f97a-6e43-bf65-c7e24fb0f0d3, CID 1): the
 *    buffer is judged by the QMI door's own judgement
 *    (idg_qmi_canon_judge_buffer: every frame parsed and re-encoded); only
 *    a buffer of exactly one QMUX frame is forwarded (its re-encoding), a
 *    second frame or trailing bytes refuse the whole buffer. A frame the
 *    QMI filter refuses is answered with its QMI error response inside a
 *    successful COMMAND_DONE, as the modem would answer; a frame not
 *    understood likewise (MALFORMED_MESSAGE).
 *
 * A buffer refused as not understood is answered COMMAND_DONE with
 * MBIM_STATUS_ERROR_INVALID_PARAMETERS and an empty buffer (note->status).
 */
#ifndef IDG_MBIM_TUNNEL_H
#define IDG_MBIM_TUNNEL_H

#include <glib.h>
#include "idg-mbim-filter.h"

G_BEGIN_DECLS

/* buf/len: the request's information buffer. On PASS, payload (emptied
 * first) holds the information buffer to forward; on REFUSE, note says
 * how to answer (idg_mbim_filter_refusal). */
IdgMbimVerdict idg_mbim_tunnel_at_request  (const guint8 *buf,
                                            gsize         len,
                                            IdgGuard     *guard,
                                            IdgMbimNote  *note,
                                            GByteArray   *payload);
IdgMbimVerdict idg_mbim_tunnel_qmi_request (const guint8 *buf,
                                            gsize         len,
                                            IdgGuard     *guard,
                                            IdgMbimNote  *note,
                                            GByteArray   *payload);

/* The modem's answer (note: its request's, NULL for an indication),
 * rewritten in place. */
IdgMbimVerdict idg_mbim_tunnel_at_reply    (guint8            *buf,
                                            gsize              len,
                                            const IdgMbimNote *note,
                                            IdgGuard          *guard);
IdgMbimVerdict idg_mbim_tunnel_qmi_reply   (guint8            *buf,
                                            gsize              len,
                                            const IdgMbimNote *note,
                                            IdgGuard          *guard);

G_END_DECLS

#endif
