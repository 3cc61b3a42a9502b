/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "idg-encoding.h"
#include "sim-files.h"

static const struct {
  guint16 id;
  guint16 parent_a;
  guint16 parent_b;
  SimFile file;
} table[] = {
  { 0x2FE2, 0x3F00, 0x3F00, SIM_FILE_ICCID },
  { 0x6F07, 0x7FFF, 0x7F20, SIM_FILE_IMSI },
  { 0x6FAD, 0x7FFF, 0x7F20, SIM_FILE_AD },
  { 0x6F40, 0x7FFF, 0x7F10, SIM_FILE_MSISDN },
};

SimFile
sim_files_lookup (guint16        file_id,
                  const guint16 *path,
                  gsize          n_path)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    guint16 parent;

    if (table[i].id != file_id)
      continue;
    if (n_path == 0)
      return table[i].file;
    if (path[0] != 0x3F00)
      return SIM_FILE_NONE;
    parent = path[n_path - 1];
    if (table[i].parent_a == 0x3F00)
      return n_path == 1 ? table[i].file : SIM_FILE_NONE;
    if (n_path == 2 && (parent == table[i].parent_a || parent == table[i].parent_b))
      return table[i].file;
    return SIM_FILE_NONE;
  }
  return SIM_FILE_NONE;
}

gboolean
sim_files_is_record (SimFile file)
{
  return file == SIM_FILE_MSISDN;
}

/* Networks whose MNC has three digits (ITU-T E.212, North America and a
 * few others); everyone else uses two. */
guint
sim_files_mnc_length (const gchar *imsi)
{
  static const gchar *three[] = { "302", "310", "311", "312", "313", "314",
                                  "315", "316", "334", "338", "342", "344",
                                  "346", "348", "354", "356", "358", "360",
                                  "365", "376", "405", "708", "722", "732" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (three); i++)
    if (strncmp (imsi, three[i], 3) == 0)
      return 3;
  return 2;
}

gsize
sim_files_content (const SimIds *ids,
                   SimFile       file,
                   guint8        out[SIM_FILE_MAX_LEN])
{
  switch (file) {
  case SIM_FILE_NONE:
    return 0;
  case SIM_FILE_ICCID:
    if (!ids->iccid || !idg_bcd_encode (ids->iccid, out, IDG_EF_ICCID_LEN))
      return 0;
    return IDG_EF_ICCID_LEN;
  case SIM_FILE_IMSI:
    if (!ids->imsi || !idg_ef_imsi_encode (ids->imsi, out))
      return 0;
    return IDG_EF_IMSI_LEN;
  case SIM_FILE_AD:
    if (!ids->imsi)
      return 0;
    out[0] = 0x00;   /* normal operation */
    out[1] = 0x00;
    out[2] = 0x00;
    out[3] = (guint8) sim_files_mnc_length (ids->imsi);
    return 4;
  case SIM_FILE_MSISDN:
    if (!ids->msisdn) {
      memset (out, 0xFF, SIM_FILE_MSISDN_RECORD_LEN);
      return SIM_FILE_MSISDN_RECORD_LEN;
    }
    if (!idg_ef_msisdn_encode (ids->msisdn, out, SIM_FILE_MSISDN_RECORD_LEN))
      return 0;
    return SIM_FILE_MSISDN_RECORD_LEN;
  }
  return 0;
}

gboolean
sim_files_eid_bcd (const gchar *eid,
                   guint8       out[16])
{
  guint i;

  if (!eid || strlen (eid) != 32)
    return FALSE;
  for (i = 0; i < 16; i++) {
    if (!g_ascii_isdigit (eid[2 * i]) || !g_ascii_isdigit (eid[2 * i + 1]))
      return FALSE;
    out[i] = (guint8) (((eid[2 * i] - '0') << 4) | (eid[2 * i + 1] - '0'));
  }
  return TRUE;
}
