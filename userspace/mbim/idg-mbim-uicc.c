/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-mbim-uicc.h"

#include "idg-encoding.h"
#include "idg-simfile.h"

#include <string.h>
#include <libmbim-glib.h>

#define MAX_APP_ID   16     /* an AID is at most 16 bytes */
#define MAX_FIDS     8
#define MAX_PIN      16     /* characters */
#define MAX_DATA     256

#define FIXED_READ_BINARY 44
#define FIXED_READ_RECORD 40
#define FIXED_RESPONSE    20

static guint32
rd32 (const guint8 *p)
{
  return idg_mbim_read_u32 (p);
}

/* An offset/length pair at pair of buf: bytes after the fixed part, inside
 * the buffer. Empty is valid (offset then ignored). */
static gboolean
ref (const guint8  *buf,
     gsize          len,
     gsize          pair,
     gsize          fixed,
     const guint8 **out,
     gsize         *out_len)
{
  guint32 off, n;

  if (pair + 8 > len)
    return FALSE;
  off = rd32 (buf + pair);
  n = rd32 (buf + pair + 4);
  *out = NULL;
  *out_len = n;
  if (n == 0)
    return TRUE;
  if (off < fixed || off > len || n > len - off)
    return FALSE;
  *out = buf + off;
  return TRUE;
}

static IdgMbimVerdict
not_understood (IdgMbimNote *note)
{
  note->status = MBIM_STATUS_ERROR_INVALID_PARAMETERS;
  return IDG_MBIM_REFUSE;
}

IdgMbimVerdict
idg_mbim_uicc_read_request (guint32       cid,
                            const guint8 *buf,
                            gsize         len,
                            IdgGuard     *guard,
                            IdgMbimNote  *note,
                            GByteArray   *payload)
{
  gboolean record = cid == IDG_MBIM_CID_UICC_READ_RECORD;
  gsize fixed = record ? FIXED_READ_RECORD : FIXED_READ_BINARY;
  gsize pin_pair = record ? 24 : 28;
  const guint8 *app, *path, *pin, *data;
  gsize app_len, path_len, pin_len, data_len;
  guint32 version, a, b = 0;
  g_autofree gchar *pin_text = NULL;
  g_autoptr(MbimMessage) built = NULL;

  note->record = record;
  if (len < fixed ||
      !ref (buf, len, 4, fixed, &app, &app_len) ||
      !ref (buf, len, 12, fixed, &path, &path_len) ||
      !ref (buf, len, pin_pair, fixed, &pin, &pin_len) ||
      !ref (buf, len, pin_pair + 8, fixed, &data, &data_len) ||
      app_len > MAX_APP_ID || path_len > 2 * MAX_FIDS || data_len > MAX_DATA ||
      pin_len > 2 * MAX_PIN || (pin_len & 1))
    return not_understood (note);
  version = rd32 (buf);
  a = rd32 (buf + 20);
  if (!record)
    b = rd32 (buf + 24);
  pin_text = pin_len ? idg_utf16le_decode_dup (pin, pin_len) : g_strdup ("");
  if (!pin_text || strlen (pin_text) != pin_len / 2)
    return not_understood (note);

  if (path_len < 2 || (path_len & 1)) {
    note->file = IDG_MBIM_FILE_UNKNOWN;
    if (!idg_guard_raw_sim (guard))
      return IDG_MBIM_REFUSE;
  } else {
    note->file_id = (guint16) ((path[path_len - 2] << 8) | path[path_len - 1]);
    note->file = idg_simfile_is_identifier (note->file_id) ? IDG_MBIM_FILE_IDENTIFIER
                                                           : IDG_MBIM_FILE_OTHER;
    note->read_offset = record ? 0 : a;
  }
  if (!payload)
    return IDG_MBIM_PASS;

  if (record)
    built = mbim_message_ms_uicc_low_level_access_read_record_query_new (
        version, (guint32) app_len, app, (guint32) path_len, path, a,
        pin_len ? pin_text : NULL, (guint32) data_len, data, NULL);
  else
    built = mbim_message_ms_uicc_low_level_access_read_binary_query_new (
        version, (guint32) app_len, app, (guint32) path_len, path, a, b,
        pin_len ? pin_text : NULL, (guint32) data_len, data, NULL);
  if (!built)
    return not_understood (note);
  {
    guint32 n = 0;
    const guint8 *ib = mbim_message_command_get_raw_information_buffer (built, &n);

    g_byte_array_set_size (payload, 0);
    g_byte_array_append (payload, ib, n);
  }
  return IDG_MBIM_PASS;
}

/* The whole buffer zeroed (a valid, empty answer), unless the client may
 * see every SIM kind. */
static void
scrub (guint8   *buf,
       gsize     len,
       IdgGuard *guard)
{
  guint k;

  for (k = 0; k < IDG_KIND_COUNT; k++) {
    if (!(IDG_KIND_MASK_SIM & IDG_KIND_BIT (k)))
      continue;
    if (idg_guard_allows (guard, (IdgKind) k)) {
      idg_guard_count (guard, k, IDG_DECISION_RELEASE);
    } else {
      idg_guard_count (guard, k, IDG_DECISION_REWRITE);
      memset (buf, 0, len);
    }
  }
}

void
idg_mbim_uicc_read_reply (guint8            *buf,
                          gsize              len,
                          const IdgMbimNote *note,
                          IdgGuard          *guard)
{
  IdgMbimFile file = note ? note->file : IDG_MBIM_FILE_UNKNOWN;
  const guint8 *d;
  gsize dlen;

  switch (file) {
  case IDG_MBIM_FILE_OTHER:
    return;
  case IDG_MBIM_FILE_IDENTIFIER:
    if (len < FIXED_RESPONSE || !ref (buf, len, 12, FIXED_RESPONSE, &d, &dlen)) {
      scrub (buf, len, guard);
      return;
    }
    if (dlen)
      idg_simfile_guard (guard, note->file_id, note->record, note->record ? (guint) dlen : 0,
                         note->read_offset, (guint8 *) d, dlen);
    return;
  case IDG_MBIM_FILE_NONE:
  case IDG_MBIM_FILE_UNKNOWN:
    if (!idg_guard_raw_sim (guard))
      memset (buf, 0, len);
    return;
  }
}
