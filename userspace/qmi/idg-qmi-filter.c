/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMI identifier filter (see idg-qmi-filter.h). Every length is checked
 * against the frame before a byte is touched; the frame is only ever
 * rewritten in place, never resized.
 */
#include "idg-qmi-filter.h"
#include "idg-encoding.h"
#include "idg-simfile.h"

#include <string.h>

#define QMUX_MARKER 0x01

/* Request messages of the UIM service that give raw access to the card. */
#define UIM_READ_TRANSPARENT     0x0020
#define UIM_READ_RECORD          0x0021
#define UIM_SEND_APDU            0x003B
#define UIM_LOGICAL_CHANNEL      0x003F
#define UIM_OPEN_LOGICAL_CHANNEL 0x0042
#define UIM_GET_SLOT_STATUS      0x0047
#define UIM_SLOT_STATUS_IND      0x0048

#define DMS_GET_MSISDN   0x0024
#define DMS_GET_IDS      0x0025
#define DMS_UIM_GET_ICCID 0x003C
#define DMS_UIM_GET_IMSI 0x0043

/* Request TLVs of Read Transparent / Read Record */
#define UIM_TLV_SESSION       0x01
#define UIM_TLV_FILE          0x02
#define UIM_TLV_READ_INFO     0x03
#define UIM_RT_TLV_IND_TOKEN  0x10
#define UIM_RT_TLV_ENCRYPT    0x11
#define UIM_RR_TLV_LAST       0x10
#define UIM_RR_TLV_IND_TOKEN  0x11
/* Response TLVs */
#define UIM_TLV_READ_RESULT   0x11
#define UIM_TLV_READ_MORE     0x12
#define UIM_TLV_SLOT_STATUS   0x10
#define UIM_TLV_SLOT_EID      0x12


static guint16
rd16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

const gchar *
idg_qmi_verdict_to_string (IdgQmiVerdict verdict)
{
  switch (verdict) {
  case IDG_QMI_VERDICT_PASS:
    return "pass";
  case IDG_QMI_VERDICT_REFUSE:
    return "refuse";
  case IDG_QMI_VERDICT_DROP:
    return "drop";
  }
  return "unknown";
}

gboolean
idg_qmi_frame_parse (const guint8 *frame,
                     gsize         len,
                     IdgQmiHeader *h)
{
  gsize off;

  memset (h, 0, sizeof *h);
  if (!frame || len < 6 || len > IDG_QMI_FRAME_MAX || frame[0] != QMUX_MARKER)
    return FALSE;
  if ((gsize) rd16 (frame + 1) + 1 != len)
    return FALSE;
  h->flags = frame[3];
  h->service = frame[4];
  h->client_id = frame[5];
  if (h->service == IDG_QMI_SERVICE_CTL) {
    if (len < 12)
      return FALSE;
    h->type = frame[6];
    h->transaction_id = frame[7];
    h->message_id = rd16 (frame + 8);
    h->tlv_length = rd16 (frame + 10);
    h->tlv_offset = 12;
  } else {
    if (len < 13)
      return FALSE;
    h->type = frame[6];
    h->transaction_id = rd16 (frame + 7);
    h->message_id = rd16 (frame + 9);
    h->tlv_length = rd16 (frame + 11);
    h->tlv_offset = 13;
  }
  if (h->tlv_offset + h->tlv_length != len)
    return FALSE;
  /* compound SDUs (several messages in one frame) are not used by any
   * client or modem we know; one could hide a second message's TLVs */
  if (h->service != IDG_QMI_SERVICE_CTL && (h->type & 0x01))
    return FALSE;
  /* every TLV must fit exactly */
  for (off = h->tlv_offset; off < len;) {
    if (len - off < 3)
      return FALSE;
    if ((gsize) rd16 (frame + off + 1) > len - off - 3)
      return FALSE;
    off += 3 + (gsize) rd16 (frame + off + 1);
  }
  return TRUE;
}

gboolean
idg_qmi_frame_tlvs_unique (const guint8       *frame,
                           const IdgQmiHeader *h)
{
  guint32 seen[256 / 32] = { 0 };
  gsize off;

  for (off = h->tlv_offset; off + 3 <= h->tlv_offset + h->tlv_length;) {
    guint8 t = frame[off];

    if (seen[t / 32] & (1u << (t % 32)))
      return FALSE;
    seen[t / 32] |= 1u << (t % 32);
    off += 3 + (gsize) rd16 (frame + off + 1);
  }
  return TRUE;
}

/* TLV iteration over a parsed frame: *off starts at h->tlv_offset. */
static gboolean
tlv_next (const guint8       *frame,
          const IdgQmiHeader *h,
          gsize              *off,
          guint8             *type,
          gsize              *value,
          gsize              *value_len)
{
  gsize end = h->tlv_offset + h->tlv_length;

  if (*off + 3 > end)
    return FALSE;
  *type = frame[*off];
  *value_len = rd16 (frame + *off + 1);
  *value = *off + 3;
  *off += 3 + *value_len;
  return TRUE;
}

/*****************************************************************************/
/* Requests */

/* The TLVs of a file read, every one understood: Session (u8 type, u8 AID
 * length, AID), File (u16 id, u8 path length, path of u16 DF ids), Read
 * Information (u16 offset or record, u16 length), and the optional ones
 * that make it raw SIM access (*raw: an answer in a later indication, or
 * encrypted) or a multi-record read. FALSE on anything else. */
static gboolean
request_file (const guint8       *frame,
              const IdgQmiHeader *h,
              IdgQmiRequestInfo  *info,
              gboolean           *raw)
{
  gsize off = h->tlv_offset, v, n;
  guint8 type;
  gboolean transparent = h->message_id == UIM_READ_TRANSPARENT;
  gboolean has_read_info = FALSE;

  *raw = FALSE;
  while (tlv_next (frame, h, &off, &type, &v, &n)) {
    if (type == UIM_TLV_SESSION) {
      if (n < 2 || (gsize) frame[v + 1] + 2 != n)
        return FALSE;
    } else if (type == UIM_TLV_FILE) {
      gsize i;

      if (n < 3 || (gsize) frame[v + 2] + 3 != n || (frame[v + 2] & 1))
        return FALSE;
      /* the path names DFs only (MF 3F00, DF 7Fxx or 5Fxx, ADF 7FFF): an
       * EF in it could make a modem read another file than file_id */
      for (i = 0; i < frame[v + 2]; i += 2) {
        guint16 df = rd16 (frame + v + 3 + i);

        if (df != 0x3F00 && (df >> 8) != 0x7F && (df >> 8) != 0x5F)
          return FALSE;
      }
      info->has_file = TRUE;
      info->file_id = rd16 (frame + v);
    } else if (type == UIM_TLV_READ_INFO) {
      if (n != 4)
        return FALSE;
      has_read_info = TRUE;
      info->length = rd16 (frame + v + 2);
      if (transparent)
        info->offset = rd16 (frame + v);
      else
        info->record_length = info->length;
    } else if (transparent && (type == UIM_RT_TLV_IND_TOKEN || type == UIM_RT_TLV_ENCRYPT)) {
      *raw = TRUE;
    } else if (!transparent && type == UIM_RR_TLV_IND_TOKEN) {
      *raw = TRUE;
    } else if (!transparent && type == UIM_RR_TLV_LAST) {
      if (n != 2)
        return FALSE;
    } else {
      return FALSE;
    }
  }
  return info->has_file && has_read_info;
}

IdgQmiVerdict
idg_qmi_filter_request (const guint8      *frame,
                        gsize              len,
                        IdgGuard          *guard,
                        IdgQmiRequestInfo *info)
{
  IdgQmiHeader h;
  gboolean async = FALSE;

  memset (info, 0, sizeof *info);
  if (!idg_qmi_frame_parse (frame, len, &h))
    return IDG_QMI_VERDICT_DROP;
  /* requests carry no direction bit and a request type; CTL has no
   * client ids */
  if ((h.flags & 0x80) != 0 || h.type != 0x00 ||
      (h.service == IDG_QMI_SERVICE_CTL && h.client_id != 0))
    return IDG_QMI_VERDICT_DROP;
  info->service = h.service;
  info->client_id = h.client_id;
  info->transaction_id = h.transaction_id;
  info->message_id = h.message_id;
  if (!idg_qmi_frame_tlvs_unique (frame, &h)) {
    info->error = IDG_QMI_ERROR_MALFORMED_MESSAGE;
    return IDG_QMI_VERDICT_REFUSE;
  }
  if (h.service != IDG_QMI_SERVICE_UIM)
    return IDG_QMI_VERDICT_PASS;

  switch (h.message_id) {
  case UIM_SEND_APDU:
  case UIM_LOGICAL_CHANNEL:
  case UIM_OPEN_LOGICAL_CHANNEL:
    if (idg_guard_raw_sim (guard))
      return IDG_QMI_VERDICT_PASS;
    info->error = IDG_QMI_ERROR_ACCESS_DENIED;
    return IDG_QMI_VERDICT_REFUSE;
  case UIM_READ_TRANSPARENT:
  case UIM_READ_RECORD:
    if (!request_file (frame, &h, info, &async)) {
      /* without knowing the file and the range we could not tell what the
       * answer carries, nor what the modem makes of a TLV we do not know */
      info->error = IDG_QMI_ERROR_MALFORMED_MESSAGE;
      return IDG_QMI_VERDICT_REFUSE;
    }
    /* an answer delivered later in an indication cannot be matched to its
     * file, encrypted bytes cannot be judged: such reads are raw SIM
     * access */
    if (async && !idg_guard_raw_sim (guard)) {
      info->error = IDG_QMI_ERROR_ACCESS_DENIED;
      return IDG_QMI_VERDICT_REFUSE;
    }
    return IDG_QMI_VERDICT_PASS;
  default:
    return IDG_QMI_VERDICT_PASS;
  }
}

/*****************************************************************************/
/* Responses and indications */

/* EID in slot status: 16 bytes of BCD, high nibble first. The guard works
 * on swapped-nibble BCD: swap, guard, swap back, so check digits stay valid
 * in the order the client reads them. */
static void
swap_nibbles (guint8 *buf,
              gsize   len)
{
  gsize i;

  for (i = 0; i < len; i++)
    buf[i] = (guint8) ((buf[i] << 4) | (buf[i] >> 4));
}

static void
guard_eid (IdgGuard *guard,
           guint8   *buf,
           gsize     len)
{
  swap_nibbles (buf, len);
  idg_guard_bcd (guard, IDG_KIND_EID, buf, len, 0);
  swap_nibbles (buf, len);
}

/* File bytes of unknown origin: pass only to a client that holds every SIM
 * kind, otherwise scrub. */
static void
guard_unknown_file (IdgGuard *guard,
                    guint8   *buf,
                    gsize     len)
{
  if ((guard->allowed & IDG_KIND_MASK_SIM) == IDG_KIND_MASK_SIM) {
    idg_guard_count (guard, IDG_GUARD_SLOT_RAW_SIM, IDG_DECISION_RELEASE);
    return;
  }
  memset (buf, 0xFF, len);
  idg_guard_count (guard, IDG_GUARD_SLOT_RAW_SIM, IDG_DECISION_REWRITE);
}

/* The bytes of a file read, judged by the absolute range the request
 * asked for (idg-simfile.h): Read Transparent returns the file from the
 * requested offset; Read Record returns the start of one record (the whole
 * record when the request asked for length 0: its length is then known),
 * further records (TLV 0x12, Last Record) are judged without a layout. */
static void
guard_file (IdgGuard                *guard,
            const IdgQmiRequestInfo *req,
            guint8                   tlv,
            guint8                  *data,
            gsize                    len)
{
  guint record_len = 0;

  if (len == 0)
    return;
  if (!req || !req->has_file) {
    guard_unknown_file (guard, data, len);
    return;
  }
  if (req->message_id == UIM_READ_TRANSPARENT) {
    idg_simfile_guard (guard, req->file_id, FALSE, 0, req->offset, data, len);
    return;
  }
  if (tlv == UIM_TLV_READ_RESULT && req->record_length == 0)
    record_len = (guint) len;
  idg_simfile_guard (guard, req->file_id, TRUE, record_len, 0, data, len);
}

static IdgQmiVerdict
filter_file_tlv (guint8                  *frame,
                 gsize                    v,
                 gsize                    n,
                 guint8                   tlv,
                 const IdgQmiRequestInfo *req,
                 IdgGuard                *guard)
{
  gsize count;

  /* u16 length, then the bytes */
  if (n < 2)
    return IDG_QMI_VERDICT_DROP;
  count = rd16 (frame + v);
  if (count != n - 2)
    return IDG_QMI_VERDICT_DROP;
  guard_file (guard, req, tlv, frame + v + 2, count);
  return IDG_QMI_VERDICT_PASS;
}

/* Physical Slot Status: u8 count, then per slot u32 card state, u32 slot
 * state, u8 logical slot, u8 ICCID length, ICCID (swapped BCD). */
static IdgQmiVerdict
filter_slot_status (guint8   *frame,
                    gsize     v,
                    gsize     n,
                    IdgGuard *guard)
{
  gsize off = 1, end = v + n;
  guint count, i;

  if (n < 1)
    return IDG_QMI_VERDICT_DROP;
  count = frame[v];
  for (i = 0; i < count; i++) {
    gsize ilen;

    if (end - (v + off) < 10)
      return IDG_QMI_VERDICT_DROP;
    ilen = frame[v + off + 9];
    if (end - (v + off + 10) < ilen)
      return IDG_QMI_VERDICT_DROP;
    if (ilen > 0)
      idg_guard_bcd (guard, IDG_KIND_ICCID, frame + v + off + 10, ilen, 0);
    off += 10 + ilen;
  }
  return off == n ? IDG_QMI_VERDICT_PASS : IDG_QMI_VERDICT_DROP;
}

/* Slot EID: u8 count, then per slot u8 length and the EID bytes. */
static IdgQmiVerdict
filter_slot_eid (guint8   *frame,
                 gsize     v,
                 gsize     n,
                 IdgGuard *guard)
{
  gsize off = 1;
  guint count, i;

  if (n < 1)
    return IDG_QMI_VERDICT_DROP;
  count = frame[v];
  for (i = 0; i < count; i++) {
    gsize elen;

    if (n - off < 1)
      return IDG_QMI_VERDICT_DROP;
    elen = frame[v + off];
    if (n - off - 1 < elen)
      return IDG_QMI_VERDICT_DROP;
    if (elen > 0)
      guard_eid (guard, frame + v + off + 1, elen);
    off += 1 + elen;
  }
  return off == n ? IDG_QMI_VERDICT_PASS : IDG_QMI_VERDICT_DROP;
}

static IdgQmiVerdict
filter_dms_tlv (guint8   *frame,
                guint16   message_id,
                guint8    tlv,
                gsize     v,
                gsize     n,
                IdgGuard *guard)
{
  gboolean hit = FALSE;
  IdgKind kind = IDG_KIND_IMEI;

  switch (message_id) {
  case DMS_GET_IDS:
    hit = TRUE;
    if (tlv == 0x10)
      kind = IDG_KIND_ESN;
    else if (tlv == 0x11)
      kind = IDG_KIND_IMEI;
    else if (tlv == 0x12)
      kind = IDG_KIND_MEID;
    else if (tlv == 0x13)
      kind = IDG_KIND_IMEISV;
    else
      hit = FALSE;
    break;
  case DMS_GET_MSISDN:
    /* 0x01 voice number; in the QMI DMS spec also 0x10 the mobile ID
     * number (MIN, a phone number) and 0x11 the IMSI, which libqmi does
     * not parse but a modem may send */
    hit = tlv == 0x01 || tlv == 0x10 || tlv == 0x11;
    kind = tlv == 0x11 ? IDG_KIND_IMSI : IDG_KIND_MSISDN;
    break;
  case DMS_UIM_GET_ICCID:
    hit = tlv == 0x01;
    kind = IDG_KIND_ICCID;
    break;
  case DMS_UIM_GET_IMSI:
    hit = tlv == 0x01;
    kind = IDG_KIND_IMSI;
    break;
  default:
    break;
  }
  if (hit && n > 0)
    idg_guard_ascii (guard, kind, frame + v, n);
  return IDG_QMI_VERDICT_PASS;
}

static IdgQmiVerdict
filter_uim_tlv (guint8                  *frame,
                guint16                  message_id,
                guint8                   tlv,
                gsize                    v,
                gsize                    n,
                const IdgQmiRequestInfo *req,
                IdgGuard                *guard)
{
  switch (message_id) {
  case UIM_READ_TRANSPARENT:
    if (tlv == UIM_TLV_READ_RESULT)
      return filter_file_tlv (frame, v, n, tlv, req, guard);
    break;
  case UIM_READ_RECORD:
    if (tlv == UIM_TLV_READ_RESULT || tlv == UIM_TLV_READ_MORE)
      return filter_file_tlv (frame, v, n, tlv, req, guard);
    break;
  case UIM_GET_SLOT_STATUS:
  case UIM_SLOT_STATUS_IND:
    if (tlv == UIM_TLV_SLOT_STATUS)
      return filter_slot_status (frame, v, n, guard);
    if (tlv == UIM_TLV_SLOT_EID)
      return filter_slot_eid (frame, v, n, guard);
    break;
  default:
    break;
  }
  return IDG_QMI_VERDICT_PASS;
}

IdgQmiVerdict
idg_qmi_filter_response (guint8                  *frame,
                         gsize                    len,
                         const IdgQmiRequestInfo *req,
                         IdgGuard                *guard)
{
  IdgQmiHeader h;
  gsize off, v, n;
  guint8 tlv;

  if (!idg_qmi_frame_parse (frame, len, &h))
    return IDG_QMI_VERDICT_DROP;
  /* a request's context only applies to the answer to that request */
  if (req && (req->service != h.service || req->client_id != h.client_id ||
              req->message_id != h.message_id || req->transaction_id != h.transaction_id))
    req = NULL;

  off = h.tlv_offset;
  while (tlv_next (frame, &h, &off, &tlv, &v, &n)) {
    IdgQmiVerdict verdict = IDG_QMI_VERDICT_PASS;

    if (h.service == IDG_QMI_SERVICE_DMS)
      verdict = filter_dms_tlv (frame, h.message_id, tlv, v, n, guard);
    else if (h.service == IDG_QMI_SERVICE_UIM)
      verdict = filter_uim_tlv (frame, h.message_id, tlv, v, n, req, guard);
    if (verdict != IDG_QMI_VERDICT_PASS)
      return verdict;
  }
  return IDG_QMI_VERDICT_PASS;
}

/*****************************************************************************/

GByteArray *
idg_qmi_filter_error_response (const guint8 *request,
                               gsize         len,
                               guint16       error)
{
  GByteArray *out;
  gsize hdr;
  guint8 tlv[7];

  /* the headers alone: marker, QMUX header, SDU header up to the TLV
   * length (CTL: u8 transaction id) */
  if (!request || len < 12 || request[0] != QMUX_MARKER)
    return NULL;
  hdr = request[4] == IDG_QMI_SERVICE_CTL ? 12 : 13;
  out = g_byte_array_sized_new ((guint) (hdr + sizeof tlv));
  g_byte_array_append (out, request, (guint) MIN (hdr, len));
  g_byte_array_set_size (out, (guint) hdr);
  /* result TLV: status 1 (failure), error */
  tlv[0] = 0x02;
  tlv[1] = 4;
  tlv[2] = 0;
  tlv[3] = 0x01;
  tlv[4] = 0x00;
  tlv[5] = (guint8) (error & 0xFF);
  tlv[6] = (guint8) (error >> 8);
  g_byte_array_append (out, tlv, sizeof tlv);
  /* QMUX length, direction bit (service to control point), response type */
  out->data[1] = (guint8) ((out->len - 1) & 0xFF);
  out->data[2] = (guint8) ((out->len - 1) >> 8);
  out->data[3] = 0x80;
  out->data[6] = request[4] == IDG_QMI_SERVICE_CTL ? 0x01 : 0x02;
  out->data[hdr - 2] = sizeof tlv;
  out->data[hdr - 1] = 0;
  return out;
}
