/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <libmbim-glib.h>
#include "sim-files.h"
#include "sim-mbim-build.h"
#include "sim-mbim-uicc.h"

/* An MS UICC file path: FIDs big-endian from the MF (3F00 optional) down
 * to the EF. */
static SimFile
uicc_file (const guint8 *path, guint32 len)
{
  guint16 fids[4];
  guint16 dfs[2] = { 0x3F00, 0 };
  guint n = 0, i;

  if (len < 2 || len % 2 || len / 2 > G_N_ELEMENTS (fids))
    return SIM_FILE_NONE;
  for (i = 0; i < len / 2; i++)
    fids[n++] = (guint16) ((path[2 * i] << 8) | path[2 * i + 1]);
  i = fids[0] == 0x3F00 ? 1 : 0;
  if (n - i == 1)
    return sim_files_lookup (fids[n - 1], dfs, 1);
  if (n - i == 2) {
    dfs[1] = fids[i];
    return sim_files_lookup (fids[n - 1], dfs, 2);
  }
  return SIM_FILE_NONE;
}

/* Read Binary / Read Record query: Version, ApplicationId, FilePath, then
 * (offset, size) or (record number). */
static gboolean
read_fields (const guint8 *info,
             guint32       len,
             gboolean      record,
             SimFile      *file,
             guint32      *a,
             guint32      *b)
{
  const guint8 *app, *path;
  guint32 app_len, path_len;

  *b = 0;
  if (!sim_mbim_info_ref (info, len, 4, FALSE, &app, &app_len) ||
      !sim_mbim_info_ref (info, len, 12, FALSE, &path, &path_len) ||
      !sim_mbim_info_u32 (info, len, 20, a) ||
      (!record && !sim_mbim_info_u32 (info, len, 24, b)))
    return FALSE;
  *file = uicc_file (path, path_len);
  return TRUE;
}

SimFile
sim_mbim_uicc_read_target (const guint8 *info,
                           guint32       len,
                           gboolean      record,
                           guint32      *offset)
{
  SimFile file = SIM_FILE_NONE;
  guint32 a = 0, b = 0;

  if (!read_fields (info, len, record, &file, &a, &b))
    return SIM_FILE_NONE;
  *offset = record ? 0 : a;
  return file;
}

static GByteArray *
uicc_read (const SimIds *ids, const guint8 *info, guint32 len, gboolean record)
{
  guint8 content[SIM_FILE_MAX_LEN];
  guint32 a = 0, b = 0;
  guint8 sw1 = 0x90, sw2 = 0x00;
  const guint8 *data = NULL;
  gsize size = 0;
  SimFile file = SIM_FILE_NONE;
  SimMbimBuilder out;

  if (!read_fields (info, len, record, &file, &a, &b))
    return NULL;
  size = sim_files_content (ids, file, content);
  if (file == SIM_FILE_NONE || size == 0) {
    sw1 = 0x6A; sw2 = 0x82;
  } else if (sim_files_is_record (file) != record) {
    sw1 = 0x69; sw2 = 0x81;
  } else if (record) {
    if (a != 1) {
      sw1 = 0x6A; sw2 = 0x83;
    } else {
      data = content;
    }
  } else if (a >= size) {
    sw1 = 0x6B; sw2 = 0x00;
  } else {
    data = content + a;
    size = b ? MIN (b, size - a) : size - a;
  }
  sim_mbim_builder_init (&out);
  sim_mbim_builder_u32 (&out, 1);
  sim_mbim_builder_u32 (&out, sw1);
  sim_mbim_builder_u32 (&out, sw2);
  sim_mbim_builder_bytes (&out, data, data ? size : 0);
  return sim_mbim_builder_finish (&out);
}

GByteArray *
sim_mbim_uicc_command (SimApduChannels *channels,
                       const SimIds    *ids,
                       guint32          cid,
                       guint32          type,
                       const guint8    *info,
                       guint32          len)
{
  guint8 resp[SIM_APDU_MAX_RESPONSE];
  SimMbimBuilder out;
  const guint8 *bytes;
  guint32 n, channel;
  SimApdu *apdu;
  gsize rlen;
  gint i;

  switch (cid) {
  case MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_ATR: {
    static const guint8 atr[] = { 0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xFE,
                                  0x21, 0x1B, 0x63, 0x3A, 0x20, 0x4E, 0x83, 0x00, 0x90, 0x00, 0x31 };

    if (type != MBIM_MESSAGE_COMMAND_TYPE_QUERY)
      return NULL;
    sim_mbim_builder_init (&out);
    sim_mbim_builder_bytes_swapped (&out, atr, sizeof atr);
    return sim_mbim_builder_finish (&out);
  }
  case MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_OPEN_CHANNEL:
    if (type != MBIM_MESSAGE_COMMAND_TYPE_SET || !sim_mbim_info_ref (info, len, 0, TRUE, &bytes, &n))
      return NULL;
    i = sim_apdu_channels_open (channels);
    sim_mbim_builder_init (&out);
    if (i < 0) {
      sim_mbim_builder_u32 (&out, 0x6A84);
      sim_mbim_builder_u32 (&out, 0);
      sim_mbim_builder_bytes_swapped (&out, NULL, 0);
      return sim_mbim_builder_finish (&out);
    }
    resp[0] = 0x90;
    resp[1] = 0x00;
    sim_mbim_builder_u32 (&out, 0x9000);
    sim_mbim_builder_u32 (&out, (guint32) i);
    sim_mbim_builder_bytes_swapped (&out, resp, 2);
    return sim_mbim_builder_finish (&out);
  case MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_CLOSE_CHANNEL:
    if (type != MBIM_MESSAGE_COMMAND_TYPE_SET || !sim_mbim_info_u32 (info, len, 0, &channel))
      return NULL;
    sim_mbim_builder_init (&out);
    sim_mbim_builder_u32 (&out, sim_apdu_channels_close (channels, channel) ? 0x9000 : 0x6881);
    return sim_mbim_builder_finish (&out);
  case MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_APDU:
    if (type != MBIM_MESSAGE_COMMAND_TYPE_SET ||
        !sim_mbim_info_u32 (info, len, 0, &channel) ||
        !sim_mbim_info_ref (info, len, 12, TRUE, &bytes, &n))
      return NULL;
    apdu = sim_apdu_channels_get (channels, channel);
    if (!apdu) {
      resp[0] = 0x68;
      resp[1] = 0x81;
      rlen = 2;
    } else {
      rlen = sim_apdu_process (apdu, ids, bytes, n, resp);
    }
    sim_mbim_builder_init (&out);
    sim_mbim_builder_u32 (&out, (guint32) ((resp[rlen - 2] << 8) | resp[rlen - 1]));
    sim_mbim_builder_bytes_swapped (&out, resp, rlen);
    return sim_mbim_builder_finish (&out);
  case MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_BINARY:
  case MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_RECORD:
    if (type != MBIM_MESSAGE_COMMAND_TYPE_QUERY)
      return NULL;
    return uicc_read (ids, info, len, cid == MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_RECORD);
  default:
    return NULL;
  }
}
