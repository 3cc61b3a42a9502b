/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-mbim-filter.h"

#include "idg-encoding.h"
#include "idg-mbim-tunnel.h"
#include "idg-mbim-uicc.h"

#include <string.h>
#include <libmbim-glib.h>

/* MBIM message types */
#define TYPE_COMMAND         0x00000003u
#define TYPE_COMMAND_DONE    0x80000003u
#define TYPE_INDICATE_STATUS 0x80000007u

#define COMMAND_TYPE_QUERY 0u
#define COMMAND_TYPE_SET   1u

/* Offsets common to COMMAND, COMMAND_DONE and INDICATE_STATUS */
#define OFF_FRAG_TOTAL   12
#define OFF_FRAG_CURRENT 16
#define OFF_SERVICE      20
#define OFF_CID          36
#define OFF_CMD_TYPE     40   /* COMMAND */
#define OFF_STATUS       40   /* COMMAND_DONE */
#define OFF_CMD_BUFLEN   44   /* COMMAND and COMMAND_DONE */
#define OFF_IND_BUFLEN   40   /* INDICATE_STATUS */

/* Service UUIDs, in wire order */
static const guint8 uuid_basic_connect[16] = {
  0xa2, 0x89, 0xcc, 0x33, 0xbc, 0xbb, 0x8b, 0x4f, 0xb6, 0xb0, 0x13, 0x3e, 0xc2, 0xaa, 0xe6, 0xdf };
static const guint8 uuid_ms_bce[16] = {
  0x3d, 0x01, 0xdc, 0xc5, 0xfe, 0xf5, 0x4d, 0x05, 0x0d, 0x3a, 0xbe, 0xf7, 0x05, 0x8e, 0x9a, 0xaf };
static const guint8 uuid_uicc[16] = {
  0xc2, 0xf6, 0x58, 0x8e, 0xf0, 0x37, 0x4b, 0xc9, 0x86, 0x65, 0xf4, 0xd4, 0x4b, 0xd0, 0x93, 0x67 };
static const guint8 uuid_qmi[16] = {
  0xd1, 0xa3, 0x0b, 0xc2, 0xf9, 0x7a, 0x6e, 0x43, 0xbf, 0x65, 0xc7, 0xe2, 0x4f, 0xb0, 0xf0, 0xd3 };
static const guint8 uuid_intel_at[16] = {
  0xda, 0x13, 0x8c, 0x64, 0x65, 0x15, 0x48, 0x93, 0x92, 0xb2, 0xa1, 0xe1, 0xca, 0x7c, 0x81, 0xca };
static const guint8 uuid_fibocom[16] = {
  0xff, 0xff, 0xff, 0xff, 0xab, 0xca, 0x4b, 0x11, 0xa4, 0xe2, 0xf2, 0xfc, 0x87, 0xf9, 0x44, 0x88 };

#define CID_DEVICE_CAPS             1
#define CID_SUBSCRIBER_READY_STATUS 2
#define CID_BCE_DEVICE_CAPS         6
#define CID_UICC_OPEN_CHANNEL       2
#define CID_UICC_APDU               4
#define CID_UICC_READ_BINARY        IDG_MBIM_CID_UICC_READ_BINARY
#define CID_UICC_READ_RECORD        IDG_MBIM_CID_UICC_READ_RECORD
#define CID_TUNNEL                  1

#define CELLULAR_CLASS_GSM 1u

#define TLV_WCHAR_STR  10
#define TLV_UINT16_TBL 11

#define DEVICE_KINDS (IDG_KIND_BIT (IDG_KIND_IMEI) | IDG_KIND_BIT (IDG_KIND_ESN) | \
                      IDG_KIND_BIT (IDG_KIND_MEID))
#define SRS_KINDS    (IDG_KIND_BIT (IDG_KIND_IMSI) | IDG_KIND_BIT (IDG_KIND_ICCID) | \
                      IDG_KIND_BIT (IDG_KIND_MSISDN))

guint32
idg_mbim_read_u32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

void
idg_mbim_write_u32 (guint8  *p,
                    guint32  v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
  p[2] = (guint8) (v >> 16);
  p[3] = (guint8) (v >> 24);
}

static guint16
read_u16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static gboolean
uuid_is (const guint8 *msg,
         const guint8  uuid[16])
{
  return memcmp (msg + OFF_SERVICE, uuid, 16) == 0;
}

/* An information buffer: where it is inside the message. */
typedef struct {
  guint8 *data;
  gsize   len;
} Buffer;

/* An offset/length pair at pair_off of b naming bytes that lie in the data
 * area (at or after data_start) of b; utf16: offset and length even. Empty
 * is valid. */
static gboolean
ref_ok (const Buffer *b,
        gsize         pair_off,
        gsize         data_start,
        gboolean      utf16,
        gsize        *out_off,
        gsize        *out_len)
{
  guint32 off, len;

  if (pair_off > b->len || b->len - pair_off < 8)
    return FALSE;
  off = idg_mbim_read_u32 (b->data + pair_off);
  len = idg_mbim_read_u32 (b->data + pair_off + 4);
  *out_off = off;
  *out_len = len;
  if (len == 0)
    return TRUE;
  if (utf16 && ((off & 1) || (len & 1)))
    return FALSE;
  return off >= data_start && off <= b->len && len <= b->len - off;
}

static gboolean
string_ref (const Buffer *b,
            gsize         pair_off,
            gsize         data_start,
            gsize        *out_off,
            gsize        *out_len)
{
  return ref_ok (b, pair_off, data_start, TRUE, out_off, out_len);
}

/* Zero the whole information buffer: every offset, length and count becomes
 * 0, which every parser reads as empty strings. Counted as a rewrite of each
 * kind the field could carry that the client may not see. */
static void
scrub (Buffer   *b,
       IdgGuard *guard,
       guint32   kinds)
{
  guint k;

  memset (b->data, 0, b->len);
  for (k = 0; k < IDG_KIND_COUNT; k++)
    if ((kinds & IDG_KIND_BIT (k)) && !idg_guard_allows (guard, (IdgKind) k))
      idg_guard_count (guard, k, IDG_DECISION_REWRITE);
}

static gboolean
allows_all (const IdgGuard *guard,
            guint32         kinds)
{
  return (guard->allowed & kinds) == kinds;
}

/* Malformed: scrub unless the client may see every kind the CID carries. */
static void
malformed (Buffer   *b,
           IdgGuard *guard,
           guint32   kinds)
{
  guint k;

  if (!allows_all (guard, kinds)) {
    scrub (b, guard, kinds);
    return;
  }
  for (k = 0; k < IDG_KIND_COUNT; k++)
    if (kinds & IDG_KIND_BIT (k))
      idg_guard_count (guard, k, IDG_DECISION_RELEASE);
}

/* --- Device Caps --------------------------------------------------------- */

static IdgKind
kind_of (guint32  cellular_class,
         gboolean hex,
         gsize    n_chars)
{
  if ((cellular_class & CELLULAR_CLASS_GSM) && !hex)
    return IDG_KIND_IMEI;
  return n_chars <= 11 ? IDG_KIND_ESN : IDG_KIND_MEID;
}

IdgKind
idg_mbim_device_id_kind (guint32      cellular_class,
                         const gchar *device_id)
{
  gboolean hex = FALSE;
  gsize i;

  for (i = 0; device_id[i]; i++)
    if (g_ascii_isalpha (device_id[i]))
      hex = TRUE;
  return kind_of (cellular_class, hex, i);
}

static IdgKind
device_id_kind (guint32       cellular_class,
                const guint8 *s,
                gsize         len)
{
  gboolean hex = FALSE;
  gsize i;

  for (i = 0; i + 1 < len; i += 2)
    if (g_ascii_isalpha (s[i]))
      hex = TRUE;
  return kind_of (cellular_class, hex, len / 2);
}

/* DeviceId string pair at pair_off, CellularClass at 4, fixed part of
 * fixed_len bytes. */
static gboolean
device_caps_string (Buffer   *b,
                    gsize     fixed_len,
                    IdgGuard *guard,
                    gboolean  apply)
{
  gsize off, len;
  guint i;

  if (b->len < fixed_len)
    return FALSE;
  /* every string pair of the fixed part must be sane, not only DeviceId:
   * that is what tells a v2 layout from a v3 one */
  for (i = 32; i < 64; i += 8)
    if (!string_ref (b, i, fixed_len, &off, &len))
      return FALSE;
  if (!apply)
    return TRUE;
  string_ref (b, 40, fixed_len, &off, &len);
  if (len)
    idg_guard_utf16le (guard, device_id_kind (idg_mbim_read_u32 (b->data + 4), b->data + off, len),
                       b->data + off, len);
  return TRUE;
}

/* MBIMEx v3 Device Caps: fixed part of 48 bytes, then six TLVs: LTE bands,
 * NR bands (UINT16_TBL), CustomDataClass, DeviceId, FirmwareInfo,
 * HardwareInfo (WCHAR_STR). */
static gboolean
device_caps_v3 (Buffer   *b,
                IdgGuard *guard,
                gboolean  apply)
{
  static const guint16 expect[6] = { TLV_UINT16_TBL, TLV_UINT16_TBL, TLV_WCHAR_STR,
                                     TLV_WCHAR_STR, TLV_WCHAR_STR, TLV_WCHAR_STR };
  gsize pos = 48;
  gsize id_off = 0, id_len = 0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (expect); i++) {
    guint32 dlen;
    guint8 pad;

    if (pos > b->len || b->len - pos < 8)
      return FALSE;
    if (read_u16 (b->data + pos) != expect[i])
      return FALSE;
    pad = b->data[pos + 3];
    dlen = idg_mbim_read_u32 (b->data + pos + 4);
    if (pad > 3 || dlen > b->len - pos - 8 || pad > b->len - pos - 8 - dlen)
      return FALSE;
    if (expect[i] == TLV_WCHAR_STR && (dlen & 1))
      return FALSE;
    if (i == 3) {
      id_off = pos + 8;
      id_len = dlen;
    }
    pos += 8 + dlen + pad;
  }
  if (apply && id_len)
    idg_guard_utf16le (guard,
                       device_id_kind (idg_mbim_read_u32 (b->data + 4), b->data + id_off, id_len),
                       b->data + id_off, id_len);
  return TRUE;
}

static void
bce_device_caps (Buffer   *b,
                 guint     mbimex_major,
                 IdgGuard *guard)
{
  gboolean v2 = device_caps_string (b, 68, guard, FALSE);
  gboolean v3 = device_caps_v3 (b, guard, FALSE);

  if (v2 && v3) {
    if (mbimex_major >= 3)
      v2 = FALSE;
    else if (mbimex_major == 2)
      v3 = FALSE;
  }
  if (v2 && !v3)
    device_caps_string (b, 68, guard, TRUE);
  else if (v3 && !v2)
    device_caps_v3 (b, guard, TRUE);
  else
    malformed (b, guard, DEVICE_KINDS);
}

/* --- Subscriber Ready Status --------------------------------------------- */

/* base: 0 for the v1 layout, 4 for MBIMEx v3 (Flags after ReadyState). */
static gboolean
subscriber_ready_status (Buffer   *b,
                         gsize     base,
                         IdgGuard *guard,
                         gboolean  apply)
{
  gsize fixed = base + 28;
  gsize off, len;
  guint32 count, i;

  if (b->len < fixed)
    return FALSE;
  count = idg_mbim_read_u32 (b->data + base + 24);
  if (count > (b->len - fixed) / 8)
    return FALSE;
  fixed += (gsize) count * 8;
  if (!string_ref (b, base + 4, fixed, &off, &len) ||
      !string_ref (b, base + 12, fixed, &off, &len))
    return FALSE;
  for (i = 0; i < count; i++)
    if (!string_ref (b, base + 28 + (gsize) i * 8, fixed, &off, &len))
      return FALSE;
  if (!apply)
    return TRUE;

  string_ref (b, base + 4, fixed, &off, &len);
  if (len)
    idg_guard_utf16le (guard, IDG_KIND_IMSI, b->data + off, len);
  string_ref (b, base + 12, fixed, &off, &len);
  if (len)
    idg_guard_utf16le (guard, IDG_KIND_ICCID, b->data + off, len);
  for (i = 0; i < count; i++) {
    string_ref (b, base + 28 + (gsize) i * 8, fixed, &off, &len);
    if (len)
      idg_guard_utf16le (guard, IDG_KIND_MSISDN, b->data + off, len);
  }
  return TRUE;
}

static void
subscriber_ready_status_any (Buffer   *b,
                             guint     mbimex_major,
                             IdgGuard *guard)
{
  gboolean v1 = subscriber_ready_status (b, 0, guard, FALSE);
  gboolean v3 = subscriber_ready_status (b, 4, guard, FALSE);

  if (v1 && v3) {
    if (mbimex_major >= 3)
      v1 = FALSE;
    else if (mbimex_major == 1 || mbimex_major == 2)
      v3 = FALSE;
  }
  if (v1 && !v3)
    subscriber_ready_status (b, 0, guard, TRUE);
  else if (v3 && !v1)
    subscriber_ready_status (b, 4, guard, TRUE);
  else
    malformed (b, guard, SRS_KINDS);
}

/* --- entry points -------------------------------------------------------- */

/* The information buffer of a complete COMMAND / COMMAND_DONE /
 * INDICATE_STATUS; FALSE if the framing is inconsistent. */
static gboolean
frame (guint8 *msg,
       gsize   len,
       gsize   buflen_off,
       Buffer *out)
{
  gsize start = buflen_off + 4;
  guint32 blen;

  if (len < start || len > IDG_MBIM_MAX_MESSAGE)
    return FALSE;
  if (idg_mbim_read_u32 (msg + 4) != len)
    return FALSE;
  if (idg_mbim_read_u32 (msg + OFF_FRAG_TOTAL) != 1 || idg_mbim_read_u32 (msg + OFF_FRAG_CURRENT) != 0)
    return FALSE;
  blen = idg_mbim_read_u32 (msg + buflen_off);
  if (blen > len - start)
    return FALSE;
  out->data = msg + start;
  out->len = blen;
  return TRUE;
}

static gboolean
is_at_tunnel (const guint8 *msg)
{
  return uuid_is (msg, uuid_intel_at) || uuid_is (msg, uuid_fibocom);
}

/* The information buffer the filter forwards for this request: its own
 * encoding for the CIDs it judges, the client's bytes for the others. */
static IdgMbimVerdict
judge (const guint8 *msg,
       const Buffer *b,
       IdgGuard     *guard,
       IdgMbimNote  *note,
       GByteArray   *payload)
{
  guint32 cid = idg_mbim_read_u32 (msg + OFF_CID);

  if (uuid_is (msg, uuid_uicc)) {
    switch (cid) {
    case CID_UICC_APDU:
    case CID_UICC_OPEN_CHANNEL:
      if (!idg_guard_raw_sim (guard))
        return IDG_MBIM_REFUSE;
      break;
    case CID_UICC_READ_BINARY:
    case CID_UICC_READ_RECORD:
      return idg_mbim_uicc_read_request (cid, b->data, b->len, guard, note, payload);
    default:
      break;
    }
  } else if (uuid_is (msg, uuid_qmi) && cid == CID_TUNNEL) {
    return idg_mbim_tunnel_qmi_request (b->data, b->len, guard, note, payload);
  } else if (is_at_tunnel (msg) && cid == CID_TUNNEL) {
    return idg_mbim_tunnel_at_request (b->data, b->len, guard, note, payload);
  }
  g_byte_array_append (payload, b->data, (guint) b->len);
  return IDG_MBIM_PASS;
}

IdgMbimVerdict
idg_mbim_filter_request (const guint8 *msg,
                         gsize         len,
                         IdgGuard     *guard,
                         IdgMbimNote  *note,
                         GByteArray   *forward)
{
  IdgMbimNote scratch;
  g_autoptr(GByteArray) payload = NULL;
  IdgMbimVerdict verdict;
  guint32 ctype;
  Buffer b;

  if (!note)
    note = &scratch;
  /* all but the AT line's bytes (read only up to at_len): the note is
   * made for every request, the line is 2 KiB */
  memset (note, 0, G_STRUCT_OFFSET (IdgMbimNote, at_line));
  note->at_line[0] = '\0';
  if (forward)
    g_byte_array_set_size (forward, 0);
  if (len < IDG_MBIM_HEADER_LEN || idg_mbim_read_u32 (msg) != TYPE_COMMAND)
    return IDG_MBIM_PASS;
  /* frame() does not write; the cast keeps one helper for both directions */
  if (!frame ((guint8 *) msg, len, OFF_CMD_BUFLEN, &b))
    return IDG_MBIM_DROP;
  /* no byte after the information buffer: the modem would read it as part
   * of the message, the filter would not */
  if (b.len != len - IDG_MBIM_COMMAND_BUFFER)
    return IDG_MBIM_DROP;
  ctype = idg_mbim_read_u32 (msg + OFF_CMD_TYPE);
  if (ctype != COMMAND_TYPE_QUERY && ctype != COMMAND_TYPE_SET) {
    note->status = MBIM_STATUS_ERROR_INVALID_PARAMETERS;
    return IDG_MBIM_REFUSE;
  }
  payload = g_byte_array_new ();
  verdict = judge (msg, &b, guard, note, payload);
  if (verdict != IDG_MBIM_PASS || !forward)
    return verdict;
  g_byte_array_set_size (forward, IDG_MBIM_COMMAND_BUFFER);
  memset (forward->data, 0, IDG_MBIM_COMMAND_BUFFER);
  idg_mbim_write_u32 (forward->data, TYPE_COMMAND);
  idg_mbim_write_u32 (forward->data + 4, IDG_MBIM_COMMAND_BUFFER + payload->len);
  memcpy (forward->data + 8, msg + 8, 4);
  idg_mbim_write_u32 (forward->data + OFF_FRAG_TOTAL, 1);
  idg_mbim_write_u32 (forward->data + OFF_FRAG_CURRENT, 0);
  memcpy (forward->data + OFF_SERVICE, msg + OFF_SERVICE, 16);
  idg_mbim_write_u32 (forward->data + OFF_CID, idg_mbim_read_u32 (msg + OFF_CID));
  idg_mbim_write_u32 (forward->data + OFF_CMD_TYPE, ctype);
  idg_mbim_write_u32 (forward->data + OFF_CMD_BUFLEN, payload->len);
  g_byte_array_append (forward, payload->data, payload->len);
  return IDG_MBIM_PASS;
}

IdgMbimVerdict
idg_mbim_filter_reply (guint8            *msg,
                       gsize              len,
                       const IdgMbimNote *note,
                       guint              mbimex_major,
                       IdgGuard          *guard)
{
  guint32 type;
  gboolean indication;
  Buffer b;
  guint32 cid;
  gsize end;

  if (len < IDG_MBIM_HEADER_LEN)
    return IDG_MBIM_DROP;
  type = idg_mbim_read_u32 (msg);
  if (type != TYPE_COMMAND_DONE && type != TYPE_INDICATE_STATUS)
    return idg_mbim_read_u32 (msg + 4) == len ? IDG_MBIM_PASS : IDG_MBIM_DROP;
  indication = type == TYPE_INDICATE_STATUS;
  if (!frame (msg, len, indication ? OFF_IND_BUFLEN : OFF_CMD_BUFLEN, &b))
    return IDG_MBIM_DROP;
  /* nothing a parser reads lies after the buffer: never let it through */
  end = (gsize) (b.data - msg) + b.len;
  if (end < len)
    memset (msg + end, 0, len - end);

  cid = idg_mbim_read_u32 (msg + OFF_CID);
  if (!indication && idg_mbim_read_u32 (msg + OFF_STATUS) != 0 && b.len == 0)
    return IDG_MBIM_PASS;

  if (uuid_is (msg, uuid_basic_connect)) {
    if (cid == CID_DEVICE_CAPS && !device_caps_string (&b, 64, guard, TRUE))
      malformed (&b, guard, DEVICE_KINDS);
    else if (cid == CID_SUBSCRIBER_READY_STATUS)
      subscriber_ready_status_any (&b, mbimex_major, guard);
  } else if (uuid_is (msg, uuid_ms_bce)) {
    if (cid == CID_BCE_DEVICE_CAPS)
      bce_device_caps (&b, mbimex_major, guard);
  } else if (uuid_is (msg, uuid_uicc)) {
    if (cid == CID_UICC_READ_BINARY || cid == CID_UICC_READ_RECORD)
      idg_mbim_uicc_read_reply (b.data, b.len, indication ? NULL : note, guard);
    else if ((cid == CID_UICC_APDU || cid == CID_UICC_OPEN_CHANNEL) && !idg_guard_raw_sim (guard))
      return IDG_MBIM_DROP;
  } else if (uuid_is (msg, uuid_qmi)) {
    if (cid == CID_TUNNEL)
      return idg_mbim_tunnel_qmi_reply (b.data, b.len, indication ? NULL : note, guard);
  } else if (is_at_tunnel (msg)) {
    if (cid == CID_TUNNEL)
      return idg_mbim_tunnel_at_reply (b.data, b.len, indication ? NULL : note, guard);
  }
  return IDG_MBIM_PASS;
}

GByteArray *
idg_mbim_filter_refusal (const guint8      *req,
                         gsize              req_len,
                         const IdgMbimNote *note)
{
  GByteArray *out = idg_mbim_build_command_done (req, req_len, 0);

  if (note && note->status) {
    idg_mbim_write_u32 (out->data + OFF_STATUS, note->status);
    return out;
  }
  if (!note || !note->answer_len) {
    idg_mbim_write_u32 (out->data + OFF_STATUS, IDG_MBIM_STATUS_REFUSED);
    return out;
  }
  g_byte_array_append (out, note->answer, (guint) note->answer_len);
  idg_mbim_write_u32 (out->data + 4, out->len);
  idg_mbim_write_u32 (out->data + OFF_CMD_BUFLEN, (guint32) note->answer_len);
  return out;
}

GByteArray *
idg_mbim_build_command_done (const guint8 *req,
                             gsize         req_len,
                             guint32       status)
{
  GByteArray *out;
  guint8 m[IDG_MBIM_COMMAND_BUFFER];

  memset (m, 0, sizeof m);
  idg_mbim_write_u32 (m, TYPE_COMMAND_DONE);
  idg_mbim_write_u32 (m + 4, sizeof m);
  if (req_len >= IDG_MBIM_HEADER_LEN)
    memcpy (m + 8, req + 8, 4);
  idg_mbim_write_u32 (m + OFF_FRAG_TOTAL, 1);
  if (req_len >= OFF_CID + 4)
    memcpy (m + OFF_SERVICE, req + OFF_SERVICE, 16 + 4);
  idg_mbim_write_u32 (m + OFF_STATUS, status);
  out = g_byte_array_sized_new (sizeof m);
  g_byte_array_append (out, m, sizeof m);
  return out;
}
