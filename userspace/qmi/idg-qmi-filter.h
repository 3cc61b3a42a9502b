/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMI identifier filter: pure (no I/O, no globals), frame based.
 *
 * A frame is one whole QMUX message as it travels on a cdc-wdm port, on the
 * qmi-proxy socket or inside an MBIM "QMI over MBIM" (QMUX tunnel) buffer:
 *
 *   0x01 marker | u16 length (bytes after the marker) | u8 flags |
 *   u8 service | u8 client id | SDU
 *   SDU (CTL, service 0):   u8 type | u8  transaction | u16 message | u16 tlv length | TLVs
 *   SDU (other services):   u8 type | u16 transaction | u16 message | u16 tlv length | TLVs
 *   TLV:                    u8 type | u16 length | value
 *   (all integers little endian)
 *
 * Use, for every message of one client:
 *
 *  - client -> modem: idg_qmi_filter_request() inspects the request and fills
 *    an IdgQmiRequestInfo (service, client id, transaction, message, and for
 *    UIM Read Transparent / Read Record the EF it reads, its offset and
 *    record length). Keep the info until the response comes back: the
 *    response alone does not say which file it carries. Verdicts:
 *      IDG_QMI_VERDICT_PASS    forward it;
 *      IDG_QMI_VERDICT_REFUSE  raw SIM access (Send APDU, Open Logical Channel,
 *                              Logical Channel, asynchronous file reads) for a
 *                              client that does not hold every SIM kind: do
 *                              not forward, answer the client with
 *                              idg_qmi_filter_error_response (frame, len,
 *                              info->error) instead;
 *      IDG_QMI_VERDICT_DROP    not a valid QMUX request: do not forward.
 *
 *  - modem -> client: idg_qmi_filter_response() rewrites, in place and with
 *    the same length and encoding, every identifier the client may not see
 *    (per guard: redact or pseudonym). req is the info kept from the request
 *    (match it on service, client id and transaction id) or NULL for
 *    indications. Verdicts:
 *      IDG_QMI_VERDICT_PASS    deliver the (possibly rewritten) frame;
 *      IDG_QMI_VERDICT_DROP    malformed (lying lengths, truncated TLVs, a
 *                              broken structure inside an identifier TLV):
 *                              never deliver it; for a response, answer the
 *                              client with an error response instead.
 *    Unknown messages and unknown TLVs pass untouched.
 *
 * Covered (see docs/identifiers.md): DMS Get IDs (ESN, IMEI, MEID, IMEISV),
 * DMS Get MSISDN, DMS UIM Get ICCID, DMS UIM Get IMSI, UIM Read Transparent
 * and Read Record of every file idg-simfile.h knows (EF_ICCID, EF_IMSI,
 * EF_MSISDN, EF_ADN, ...), judged by the absolute byte range the request
 * asked for (offset, length), UIM Get Slot Status and the Slot Status
 * indication (per-slot ICCID, EID). A file read whose request is unknown
 * (req NULL or without a file) is treated as possibly carrying any SIM
 * identifier. A request is only matched to a response with the same
 * service, client id, message and transaction id: a door gives each
 * request in flight a transaction id of its own (see idg-door-qmi.c).
 * Requests with a TLV type twice are refused (MALFORMED_MESSAGE); UIM file
 * reads with a TLV the filter does not know are refused likewise.
 *
 * The guard (idg-guard.h) tallies what was released, rewritten or refused;
 * the caller hands it to the audit log after each message.
 */
#ifndef IDG_QMI_FILTER_H
#define IDG_QMI_FILTER_H

#include <glib.h>
#include "idg-guard.h"

G_BEGIN_DECLS

#define IDG_QMI_SERVICE_CTL 0x00
#define IDG_QMI_SERVICE_DMS 0x02
#define IDG_QMI_SERVICE_UIM 0x0B

#define IDG_QMI_EF_ICCID  0x2FE2
#define IDG_QMI_EF_IMSI   0x6F07
#define IDG_QMI_EF_MSISDN 0x6F40

/* QMI_PROTOCOL_ERROR_ACCESS_DENIED: the request is understood and valid,
 * this caller may not do it. Clients report it as a failure of that one
 * operation and do not conclude that the modem lacks the feature (which
 * NOT_SUPPORTED would make ModemManager cache until the modem is re-probed,
 * even after consent is granted). */
#define IDG_QMI_ERROR_ACCESS_DENIED     0x0052
/* QMI_PROTOCOL_ERROR_MALFORMED_MESSAGE */
#define IDG_QMI_ERROR_MALFORMED_MESSAGE 0x0001

/* Largest QMUX frame: the u16 length plus the marker. */
#define IDG_QMI_FRAME_MAX (0xFFFF + 1)

typedef enum {
  IDG_QMI_VERDICT_PASS   = 0,
  IDG_QMI_VERDICT_REFUSE = 1,
  IDG_QMI_VERDICT_DROP   = 2,
} IdgQmiVerdict;

typedef struct {
  guint8   service;
  guint8   client_id;
  guint16  transaction_id;    /* u8 for CTL */
  guint16  message_id;
  gboolean has_file;          /* UIM Read Transparent / Read Record */
  guint16  file_id;
  guint16  offset;            /* Read Transparent: first byte read */
  guint16  record_length;     /* Read Record: the length asked for (0: the
                               * whole record, whose length is then what
                               * the modem returns) */
  guint16  length;            /* the length asked for, either read (0: all) */
  guint16  error;             /* for IDG_QMI_VERDICT_REFUSE: QMI protocol error */
} IdgQmiRequestInfo;

/* The fixed header of a frame, checked: marker, QMUX length == len - 1, SDU
 * and TLV lengths consistent, not a compound SDU. FALSE on anything else. */
typedef struct {
  guint8  flags;
  guint8  service;
  guint8  client_id;
  guint8  type;               /* SDU message type byte */
  guint16 transaction_id;
  guint16 message_id;
  gsize   tlv_offset;         /* first TLV byte in the frame */
  gsize   tlv_length;
} IdgQmiHeader;

gboolean      idg_qmi_frame_parse      (const guint8      *frame,
                                        gsize              len,
                                        IdgQmiHeader      *header);
/* FALSE if a parsed frame holds the same TLV type twice (a modem could act
 * on either one: requests with one are refused). */
gboolean      idg_qmi_frame_tlvs_unique (const guint8       *frame,
                                         const IdgQmiHeader *header);

IdgQmiVerdict idg_qmi_filter_request   (const guint8      *frame,
                                        gsize              len,
                                        IdgGuard          *guard,
                                        IdgQmiRequestInfo *info);

IdgQmiVerdict idg_qmi_filter_response  (guint8                  *frame,
                                        gsize                    len,
                                        const IdgQmiRequestInfo *req,
                                        IdgGuard                *guard);

/* The response a modem would give to this request with the given QMI
 * protocol error (result TLV 0x02: status 1, error): same service, client
 * id, message id and transaction id. Only the headers are read, so that a
 * frame whose TLVs do not parse can be answered too; NULL if the request
 * does not hold a QMUX and SDU header. */
GByteArray   *idg_qmi_filter_error_response (const guint8 *request,
                                             gsize         len,
                                             guint16       error);

const gchar  *idg_qmi_verdict_to_string (IdgQmiVerdict verdict);

G_END_DECLS

#endif
