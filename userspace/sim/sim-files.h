/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The elementary files of the simulated SIM that carry identifiers, as the
 * card stores them: EF_ICCID (BCD), EF_IMSI (length, parity, BCD), EF_AD
 * (MNC length), EF_MSISDN (one record). Shared by QMI UIM, AT +CRSM/+CSIM
 * and MBIM.
 */
#ifndef SIM_FILES_H
#define SIM_FILES_H

#include <glib.h>
#include "sim-ids.h"

G_BEGIN_DECLS

typedef enum {
  SIM_FILE_NONE,
  SIM_FILE_ICCID,       /* 2FE2 under MF 3F00 */
  SIM_FILE_IMSI,        /* 6F07 under ADF USIM 7FFF or DF GSM 7F20 */
  SIM_FILE_AD,          /* 6FAD likewise */
  SIM_FILE_MSISDN,      /* 6F40 under 7FFF or DF TELECOM 7F10; records */
} SimFile;

#define SIM_FILE_MSISDN_RECORD_LEN 28
#define SIM_FILE_MAX_LEN           32

/* path lists the DF ids from the MF down (may be empty: lookup by id only,
 * as +CRSM without a path does). */
SimFile sim_files_lookup  (guint16        file_id,
                           const guint16 *path,
                           gsize          n_path);
/* Writes the file's content (for records: record 1) into out and returns
 * its length, or 0 if the SIM does not hold that value. */
gsize   sim_files_content (const SimIds  *ids,
                           SimFile        file,
                           guint8         out[SIM_FILE_MAX_LEN]);
gboolean sim_files_is_record (SimFile file);
/* 2 or 3: the MNC length of the IMSI's network, as EF_AD says. */
guint   sim_files_mnc_length (const gchar *imsi);

/* EID as 16 bytes of plain (not swapped) BCD, as QMI slot status and
 * eUICC info carry it. */
gboolean sim_files_eid_bcd (const gchar *eid,
                            guint8       out[16]);

G_END_DECLS

#endif
