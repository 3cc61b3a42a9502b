/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MBIM filter: pure protocol knowledge, no I/O. Given one complete
 * (reassembled) MBIM message and the guard of the client it is for, it
 * rewrites identifiers in place or says the message must not pass.
 *
 * Covered (see docs of identifiers.md, MBIM table):
 *  - Basic Connect (a289cc33-...) CID 1 Device Caps: DeviceId. The kind is
 *    IMEI when CellularClass has the GSM bit and the value is decimal; else
 *    (CDMA, or hex letters present) ESN when at most 11 characters long
 *    (8 hex / 11 decimal), MEID otherwise (14 hex / 18 decimal).
 *  - Basic Connect CID 2 Subscriber Ready Status, response and indication,
 *    v1 layout and the MBIMEx 3.0 layout (an extra Flags word after
 *    ReadyState): SubscriberId (IMSI), SimIccId (ICCID), every
 *    TelephoneNumber (MSISDN). The layout is the one that validates with
 *    every string inside the data area after the fixed part; when both or
 *    neither validate, the mbimex_major hint decides, else the buffer is
 *    scrubbed (see below).
 *  - MS Basic Connect Extensions (3d01dcc5-...) CID 6 Device Caps, v2
 *    (DeviceId string) and v3 (DeviceId as the second WCHAR_STR TLV).
 *  - MS UICC Low Level Access (c2f6588e-...): Read Binary (9) and Read
 *    Record (10), judged by the absolute byte range of the file's layout
 *    (idg-mbim-uicc.h, idg-simfile.h). APDU (4) and Open Channel (2)
 *    requests are refused unless idg_guard_raw_sim().
 *  - Tunnels: AT (Intel, Fibocom): every line of the buffer read as the
 *    modem reads it, judged, and joined into one canonical line; QMI inside
 *    MBIM: exactly one QMUX frame per buffer, re-encoded; both through the
 *    doors' own judgements (idg-mbim-tunnel.h).
 *
 * Requests are forwarded as the filter re-encodes them, never as the
 * client wrote them: idg_mbim_filter_request() rebuilds the header (type,
 * length, one fragment, service, CID, command type 0 or 1, buffer length)
 * and, for the CIDs it judges (file reads, tunnels), the information
 * buffer from the fields it parsed; other CIDs keep their information
 * buffer, whose length the header states exactly. A request it cannot
 * parse is refused with MBIM_STATUS_ERROR_INVALID_PARAMETERS.
 *
 * Refusals answer COMMAND_DONE with MBIM_STATUS_ERROR_OPERATION_NOT_ALLOWED
 * (28): the spec's status for "not allowed in the current state", which a
 * client treats as a failure of that one command (unlike a function error,
 * which libmbim reports as a protocol failure of the channel, or
 * NO_DEVICE_SUPPORT, which says the modem lacks the feature forever).
 *
 * Malformed messages: a header whose length disagrees with the bytes, a
 * partial fragment, or an information buffer outside the message is
 * dropped. An identifier CID whose buffer does not validate is scrubbed for
 * a client that lacks one of its kinds: the whole information buffer is
 * zeroed, which is itself a valid message (every string empty, every count
 * 0). Bytes after the information buffer are always zeroed.
 */
#ifndef IDG_MBIM_FILTER_H
#define IDG_MBIM_FILTER_H

#include <glib.h>
#include "idg-guard.h"
#include "idg-qmi-filter.h"
#include "idg-at-canon.h"

G_BEGIN_DECLS

typedef enum {
  IDG_MBIM_PASS   = 0,   /* deliver (maybe rewritten in place) */
  IDG_MBIM_REFUSE = 1,   /* request: answer it with idg_mbim_build_refusal() */
  IDG_MBIM_DROP   = 2,   /* do not deliver */
} IdgMbimVerdict;

/* What a request tells about its response (kept by the door per
 * transaction): for UICC reads, which elementary file is read. */
typedef enum {
  IDG_MBIM_FILE_NONE       = 0,  /* not a UICC read */
  IDG_MBIM_FILE_OTHER      = 1,  /* a file without identifiers */
  IDG_MBIM_FILE_UNKNOWN    = 2,  /* a path that could not be parsed */
  IDG_MBIM_FILE_IDENTIFIER = 3,  /* file_id can carry identifiers */
} IdgMbimFile;

#define IDG_MBIM_AT_LINE_MAX (IDG_AT_CANON_MAX_LINE + 2)
#define IDG_MBIM_ANSWER_MAX  64

typedef struct {
  IdgMbimFile       file;
  guint16           file_id;       /* the FilePath's last FID */
  gboolean          record;        /* Read Record (the whole record) */
  guint32           read_offset;   /* Read Binary: first byte of the file read */
  /* for IDG_MBIM_REFUSE: status != 0 answers that MBIM status with an
   * empty buffer; else answer_len != 0 answers a successful COMMAND_DONE
   * holding answer (the tunnelled protocol's own error); else
   * IDG_MBIM_STATUS_REFUSED */
  guint32           status;
  gsize             answer_len;
  guint8            answer[IDG_MBIM_ANSWER_MAX];
  gboolean          has_qmi;       /* QMI over MBIM: the QMI filter's note */
  IdgQmiRequestInfo qmi;
  gboolean          has_at;        /* AT tunnel: the canonical command line */
  gsize             at_len;
  gchar             at_line[IDG_MBIM_AT_LINE_MAX];
} IdgMbimNote;

/* Offsets of the MBIM header (all little endian). */
#define IDG_MBIM_HEADER_LEN          12
#define IDG_MBIM_COMMAND_BUFFER      48   /* COMMAND and COMMAND_DONE */
#define IDG_MBIM_INDICATION_BUFFER   44   /* INDICATE_STATUS */
#define IDG_MBIM_MAX_MESSAGE         (1024 * 1024)

#define IDG_MBIM_STATUS_REFUSED      28   /* MBIM_STATUS_ERROR_OPERATION_NOT_ALLOWED */

/* Little-endian readers that the door shares; the caller checks bounds. */
guint32 idg_mbim_read_u32 (const guint8 *p);
void    idg_mbim_write_u32 (guint8 *p, guint32 v);

/* The kind of a Device Caps DeviceId (ASCII, as parsed by libmbim). */
IdgKind idg_mbim_device_id_kind (guint32      cellular_class,
                                 const gchar *device_id);

/* A client's request (type COMMAND, complete, reassembled). note
 * (nullable) is filled for the response and the refusal. On
 * IDG_MBIM_PASS, forward (nullable, emptied first) holds the message to
 * send to the modem: the filter's own encoding, with the client's
 * transaction id (the door sets its own). Other message types pass with
 * forward empty. */
IdgMbimVerdict idg_mbim_filter_request (const guint8 *msg,
                                        gsize         len,
                                        IdgGuard     *guard,
                                        IdgMbimNote  *note,
                                        GByteArray   *forward);

/* A message from the modem for one client: COMMAND_DONE (note: what its
 * request said, or NULL) or INDICATE_STATUS (note NULL). Other types pass.
 * mbimex_major: the MBIMEx version agreed with the modem, 0 if unknown. */
IdgMbimVerdict idg_mbim_filter_reply   (guint8            *msg,
                                        gsize              len,
                                        const IdgMbimNote *note,
                                        guint              mbimex_major,
                                        IdgGuard          *guard);

/* The answer to a request the filter refused (IDG_MBIM_REFUSE, with the
 * note it filled; see IdgMbimNote.status). */
GByteArray    *idg_mbim_filter_refusal (const guint8      *req,
                                        gsize              req_len,
                                        const IdgMbimNote *note);

/* A COMMAND_DONE for the request req (complete COMMAND), with status and an
 * empty information buffer. */
GByteArray    *idg_mbim_build_command_done (const guint8 *req,
                                            gsize         req_len,
                                            guint32       status);

G_END_DECLS

#endif
