/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Wire encodings an identifier takes (see docs/design.md): check digits,
 * swapped-nibble BCD of SIM files, UTF-16LE of MBIM strings, hex text.
 * Pure functions, no allocation unless the name says dup.
 */
#ifndef IDG_ENCODING_H
#define IDG_ENCODING_H

#include <glib.h>

G_BEGIN_DECLS

/* Luhn check digit ('0'..'9') over the first n characters of digits. */
gchar    idg_luhn_check_digit (const gchar *digits, gsize n);
/* TRUE if the last of the n digits is the Luhn check digit of the others. */
gboolean idg_luhn_valid       (const gchar *digits, gsize n);

/* EID (32 digits): the last two digits make the number == 1 mod 97
 * (GSMA SGP.29). Rewrites digits[30..31] in place. */
void     idg_eid_fix_check    (gchar *digits);
gboolean idg_eid_valid        (const gchar *digits, gsize n);

/* Swapped-nibble BCD: digit 2i in the low nibble of byte i, digit 2i+1 in
 * the high nibble, 0xF pads. encode fills all of out (pads with 0xF) and
 * returns FALSE if the digits do not fit or are not 0-9.
 * decode stops at the first 0xF nibble, writes a NUL-terminated string and
 * returns the number of digits, or -1 on a nibble > 9 or a short out. */
gboolean idg_bcd_encode (const gchar  *digits,
                         guint8       *out,
                         gsize         out_len);
gssize   idg_bcd_decode (const guint8 *in,
                         gsize         in_len,
                         gchar        *out,
                         gsize         out_size);

/* EF_IMSI (TS 31.102 4.2.2): 9 bytes: length (8), then parity nibble and the
 * digits in swapped BCD. */
#define IDG_EF_IMSI_LEN 9
gboolean idg_ef_imsi_encode (const gchar  *imsi,
                             guint8        out[IDG_EF_IMSI_LEN]);
gssize   idg_ef_imsi_decode (const guint8 *in,
                             gsize         in_len,
                             gchar        *out,
                             gsize         out_size);

/* EF_ICCID (TS 102 221 13.2): 10 bytes of swapped BCD. */
#define IDG_EF_ICCID_LEN 10

/* EF_MSISDN record (TS 31.102 4.2.26): alpha id (record_len - 14 bytes,
 * 0xFF), BCD length, TON/NPI, 10 bytes of BCD number, CCP, EXT. A leading '+'
 * selects the international TON/NPI (0x91), otherwise 0x81. */
#define IDG_EF_MSISDN_FIXED_LEN 14
gboolean idg_ef_msisdn_encode (const gchar  *number,
                               guint8       *out,
                               gsize         record_len);
gssize   idg_ef_msisdn_decode (const guint8 *in,
                               gsize         record_len,
                               gchar        *out,
                               gsize         out_size);

/* ASCII <-> UTF-16LE. encode returns the bytes written (2 per char) or 0 if
 * out is too small. decode_dup returns NULL on odd length or a non-ASCII
 * code unit. */
gsize  idg_utf16le_encode     (const gchar  *ascii,
                               guint8       *out,
                               gsize         out_len);
gchar *idg_utf16le_decode_dup (const guint8 *in,
                               gsize         len);

/* Upper-case hex text. decode returns the bytes written or -1 on an odd
 * length, a non-hex character or a short out. */
gchar *idg_hex_encode_dup (const guint8 *in,
                           gsize         len);
gssize idg_hex_decode     (const gchar  *in,
                           gsize         len,
                           guint8       *out,
                           gsize         out_len);

G_END_DECLS

#endif
