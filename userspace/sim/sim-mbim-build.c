/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "idg-encoding.h"
#include "sim-mbim-build.h"

static void
put_u32 (GByteArray *a, guint32 value)
{
  guint32 le = GUINT32_TO_LE (value);

  g_byte_array_append (a, (const guint8 *) &le, 4);
}

static void
set_u32 (guint8 *p, guint32 value)
{
  guint32 le = GUINT32_TO_LE (value);

  memcpy (p, &le, 4);
}

void
sim_mbim_builder_init (SimMbimBuilder *b)
{
  b->fixed = g_byte_array_sized_new (64);
  b->data = g_byte_array_sized_new (128);
  b->offsets = g_array_new (FALSE, FALSE, sizeof (guint));
}

void
sim_mbim_builder_u32 (SimMbimBuilder *b,
                      guint32         value)
{
  put_u32 (b->fixed, value);
}

void
sim_mbim_builder_u64 (SimMbimBuilder *b,
                      guint64         value)
{
  guint64 le = GUINT64_TO_LE (value);

  g_byte_array_append (b->fixed, (const guint8 *) &le, 8);
}

void
sim_mbim_builder_tlv (SimMbimBuilder *b,
                      const MbimTlv  *tlv)
{
  guint32 len = 0;
  const guint8 *raw = mbim_tlv_get_raw (tlv, &len, NULL);

  if (raw)
    g_byte_array_append (b->fixed, raw, len);
}

void
sim_mbim_builder_uuid (SimMbimBuilder *b,
                       const MbimUuid *uuid)
{
  g_byte_array_append (b->fixed, (const guint8 *) uuid, sizeof (MbimUuid));
}

static void
add_bytes (SimMbimBuilder *b,
           const guint8   *data,
           gsize           len,
           gboolean        swapped)
{
  static const guint8 pad[4] = { 0, };
  guint pos;

  if (len == 0) {
    put_u32 (b->fixed, 0);
    put_u32 (b->fixed, 0);
    return;
  }
  if (swapped)
    put_u32 (b->fixed, (guint32) len);
  pos = b->fixed->len;
  g_array_append_val (b->offsets, pos);
  put_u32 (b->fixed, b->data->len);    /* fixed up by finish () */
  if (!swapped)
    put_u32 (b->fixed, (guint32) len);
  g_byte_array_append (b->data, data, (guint) len);
  if (len % 4)
    g_byte_array_append (b->data, pad, (guint) (4 - len % 4));
}

void
sim_mbim_builder_bytes (SimMbimBuilder *b,
                        const guint8   *data,
                        gsize           len)
{
  add_bytes (b, data, len, FALSE);
}

void
sim_mbim_builder_bytes_swapped (SimMbimBuilder *b,
                                const guint8   *data,
                                gsize           len)
{
  add_bytes (b, data, len, TRUE);
}

void
sim_mbim_builder_string (SimMbimBuilder *b,
                         const gchar    *ascii)
{
  guint8 utf16[256];
  gsize n = 0;

  if (ascii)
    n = idg_utf16le_encode (ascii, utf16, sizeof utf16);
  sim_mbim_builder_bytes (b, utf16, n);
}

GByteArray *
sim_mbim_builder_finish (SimMbimBuilder *b)
{
  GByteArray *info = b->fixed;
  guint i;

  for (i = 0; i < b->offsets->len; i++) {
    guint pos = g_array_index (b->offsets, guint, i);
    guint32 rel;

    memcpy (&rel, info->data + pos, 4);
    set_u32 (info->data + pos, GUINT32_FROM_LE (rel) + b->fixed->len);
  }
  g_byte_array_append (info, b->data->data, b->data->len);
  g_byte_array_unref (b->data);
  g_array_unref (b->offsets);
  b->fixed = b->data = NULL;
  b->offsets = NULL;
  return info;
}

static MbimMessage *
device_message_new (MbimMessageType  type,
                    guint32          transaction_id,
                    const MbimUuid  *service,
                    guint32          cid,
                    gboolean         with_status,
                    MbimStatusError  status,
                    const guint8    *info,
                    gsize            info_len)
{
  GByteArray *m = g_byte_array_sized_new (SIM_MBIM_COMMAND_DONE_HEADER_LEN + (guint) info_len);
  MbimMessage *message;

  put_u32 (m, type);
  put_u32 (m, 0);                 /* length, set below */
  put_u32 (m, transaction_id);
  put_u32 (m, 1);                 /* total fragments */
  put_u32 (m, 0);                 /* current fragment */
  g_byte_array_append (m, (const guint8 *) service, sizeof (MbimUuid));
  put_u32 (m, cid);
  if (with_status)
    put_u32 (m, status);
  put_u32 (m, (guint32) info_len);
  if (info_len)
    g_byte_array_append (m, info, (guint) info_len);
  set_u32 (m->data + 4, m->len);
  message = mbim_message_new (m->data, m->len);
  g_byte_array_unref (m);
  return message;
}

MbimMessage *
sim_mbim_command_done_new (guint32          transaction_id,
                           const MbimUuid  *service,
                           guint32          cid,
                           MbimStatusError  status,
                           const guint8    *info,
                           gsize            info_len)
{
  return device_message_new (MBIM_MESSAGE_TYPE_COMMAND_DONE, transaction_id,
                             service, cid, TRUE, status, info, info_len);
}

MbimMessage *
sim_mbim_indicate_status_new (const MbimUuid  *service,
                              guint32          cid,
                              const guint8    *info,
                              gsize            info_len)
{
  return device_message_new (MBIM_MESSAGE_TYPE_INDICATE_STATUS, 0,
                             service, cid, FALSE, 0, info, info_len);
}

void
sim_mbim_append_fragmented (GByteArray        *out,
                            const MbimMessage *message,
                            guint32            max_transfer)
{
  guint32 len = 0;
  const guint8 *raw = mbim_message_get_raw (message, &len, NULL);
  guint32 chunk, total, i;

  if (!raw)
    return;
  if (max_transfer < SIM_MBIM_MIN_CONTROL_TRANSFER)
    max_transfer = SIM_MBIM_MIN_CONTROL_TRANSFER;
  if (len <= max_transfer || len < SIM_MBIM_FRAGMENT_LEN) {
    g_byte_array_append (out, raw, len);
    return;
  }
  chunk = max_transfer - SIM_MBIM_FRAGMENT_LEN;
  total = (len - SIM_MBIM_FRAGMENT_LEN + chunk - 1) / chunk;
  for (i = 0; i < total; i++) {
    guint32 ofs = SIM_MBIM_FRAGMENT_LEN + i * chunk;
    guint32 n = MIN (chunk, len - ofs);
    guint8 header[SIM_MBIM_FRAGMENT_LEN];

    memcpy (header, raw, 4);                       /* type */
    set_u32 (header + 4, SIM_MBIM_FRAGMENT_LEN + n);
    memcpy (header + 8, raw + 8, 4);               /* transaction id */
    set_u32 (header + 12, total);
    set_u32 (header + 16, i);
    g_byte_array_append (out, header, sizeof header);
    g_byte_array_append (out, raw + ofs, n);
  }
}

gboolean
sim_mbim_info_u32 (const guint8 *info,
                   guint32       len,
                   guint32       ofs,
                   guint32      *out)
{
  guint32 v;

  if ((guint64) ofs + 4 > len)
    return FALSE;
  memcpy (&v, info + ofs, 4);
  *out = GUINT32_FROM_LE (v);
  return TRUE;
}

gboolean
sim_mbim_info_ref (const guint8  *info,
                   guint32        len,
                   guint32        ofs,
                   gboolean       swapped,
                   const guint8 **out,
                   guint32       *out_len)
{
  guint32 a, b, offset, size;

  if (!sim_mbim_info_u32 (info, len, ofs, &a) ||
      !sim_mbim_info_u32 (info, len, ofs + 4, &b))
    return FALSE;
  offset = swapped ? b : a;
  size = swapped ? a : b;
  if ((guint64) offset + size > len)
    return FALSE;
  *out = size ? info + offset : NULL;
  *out_len = size;
  return TRUE;
}
