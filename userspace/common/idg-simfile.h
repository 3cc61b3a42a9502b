/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SIM file reads judged by byte range. A client can read any slice of a SIM
 * file (Read Transparent/Binary with an offset, READ RECORD with a short
 * length); what it must not see is decided from the file's layout
 * (3GPP TS 31.102, ETSI TS 102 221) and the read's ABSOLUTE range, never from
 * positions in the reply: a slice of EF_IMSI that starts at byte 4 holds
 * subscriber digits at the front, and they are masked as subscriber digits.
 *
 * Files covered (by file id, whatever the path, fail-closed):
 *   EF_ICCID 0x2FE2  transparent, 10 bytes of swapped BCD         ICCID
 *   EF_IMSI  0x6F07  transparent, length byte, parity nibble,
 *                    swapped BCD digits (9 bytes)                IMSI
 *   EF_MSISDN 0x6F40, EF_ADN 0x6F3A  linear fixed: alpha id of
 *                    record_len - 14 bytes, BCD length, TON/NPI,
 *                    10 bytes of BCD number, CCP, EXT            MSISDN
 *   EF_EXT1 0x6F4A, EF_EXT5 0x6F4E  13-byte records: type, length,
 *                    10 bytes of BCD digits (long numbers), ext  MSISDN
 *   EF_IMPI 0x6F02, EF_IMPU 0x6F04  (ISIM) NAI / SIP URI text
 *                    built from the IMSI or the number: every
 *                    ASCII digit is masked                       IMSI (+MSISDN)
 * Not covered here: the EID is not held in an elementary file (GSMA SGP.22
 * reads it from the ISD-R with GET DATA, an APDU: raw SIM access, refused by
 * the filters); phonebook ADN files under DF_PHONEBOOK (ids assigned by
 * EF_PBR); CDMA EF_IMSI_M/EF_IMSI_T of the CSIM.
 *
 * Masking goes through IdgGuard: same length, same encoding, counted as a
 * rewrite (or a release when the client may see the kind). The identifier
 * bytes of the read are placed at their absolute position in a copy of the
 * whole field, the bytes the read did not return are taken as digit 0, the
 * field is masked as a whole, and the read's bytes are copied back; redact
 * thus keeps MCC+MNC of an IMSI only where the read really covers those
 * positions. A pseudonym of a partial read is derived from what the read
 * returned and so differs from the pseudonym of a full read.
 *
 * When the layout cannot be known (a record file whose record length is
 * unknown, an identifier file read the other way, bytes past the layout)
 * every non-0xF nibble is set to 0 (fail closed).
 */
#ifndef IDG_SIMFILE_H
#define IDG_SIMFILE_H

#include <glib.h>
#include "idg-guard.h"

G_BEGIN_DECLS

#define IDG_SIMFILE_EF_ICCID  0x2FE2
#define IDG_SIMFILE_EF_IMSI   0x6F07
#define IDG_SIMFILE_EF_MSISDN 0x6F40
#define IDG_SIMFILE_EF_ADN    0x6F3A
#define IDG_SIMFILE_EF_EXT1   0x6F4A
#define IDG_SIMFILE_EF_EXT5   0x6F4E
#define IDG_SIMFILE_EF_IMPI   0x6F02
#define IDG_SIMFILE_EF_IMPU   0x6F04

/* TRUE if reads of file_id can carry (part of) an identifier. */
gboolean idg_simfile_is_identifier (guint16 file_id);

/* Masks, in place, every byte of a read of file_id that belongs to an
 * identifier the client may not see. record: a record read (READ RECORD),
 * else a transparent read; record_len_or_0: the record's length when known;
 * abs_offset: the offset of bytes[0] within the file (transparent) or the
 * record; bytes/len: what the modem returned. Files that carry no identifier
 * are left alone and nothing is counted. */
void idg_simfile_guard     (IdgGuard *guard,
                            guint16   file_id,
                            gboolean  record,
                            guint     record_len_or_0,
                            guint     abs_offset,
                            guint8   *bytes,
                            gsize     len);

/* The same over hex text of the bytes (AT +CRSM replies), either case; the
 * case of every character is kept. Text that is not an even number of hex
 * digits is masked whole (every hex digit but F becomes 0). */
void idg_simfile_guard_hex (IdgGuard *guard,
                            guint16   file_id,
                            gboolean  record,
                            guint     record_len_or_0,
                            guint     abs_offset,
                            gchar    *hex,
                            gsize     hex_len);

G_END_DECLS

#endif
