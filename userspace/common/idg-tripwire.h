/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The value tripwire: the last check on every byte a door sends a client.
 * The filters know routes (which message carries which field); the
 * tripwire knows values. It is built from every identifier the broker has
 * read, current and previous (the last SIM's too), and finds each of them
 * in every wire encoding listed below with one multi-pattern scan
 * (Aho-Corasick, built once per change of the values). A hit of a kind the
 * client may not see is masked in place: same length, '0' digits / zero
 * nibbles / zero bytes, so a message stays well-formed.
 *
 * Patterns, per value (digits D of length n; hex H for ESN and MEID):
 *  text      ASCII, UTF-16LE: D whole, and every run of IDG_TRIPWIRE_RUN (6)
 *            digits of the unique part (IMSI after MCC+MNC, taken as 5
 *            digits; IMEI/IMEISV after the 8-digit TAC; all of ICCID, EID,
 *            MSISDN). Longer runs are unions of these. The same (D whole
 *            and its runs) as UCS2 hex text ("003x" per digit, AT
 *            +CSCS="UCS2") and as hex text of the ASCII ("3x" per digit:
 *            +CSCS="HEX", +CRSM of a SIM file that holds text, such as the
 *            ISIM's EF_IMPI "IMSI@ims.mnc...").
 *  BCD       swapped nibbles (SIM files) and plain nibbles (EID in QMI slot
 *            status), each in both nibble alignments, 0xF padded: the whole
 *            value, and every run of IDG_TRIPWIRE_BCD_RUN (4) complete bytes
 *            that holds a digit of the unique part. EF_IMSI with its length
 *            byte and parity nibble.
 *  hex text  upper and lower case hex of each BCD form above (AT +CRSM,
 *            +CSIM): whole, and every run of 3 complete bytes (6 digits) that
 *            holds a digit of the unique part.
 *  ESN/MEID  H in upper and lower case (ASCII, UTF-16LE; a "0x" before it is
 *            left alone and needs no pattern of its own), the decimal form
 *            (ESN 3+8 digits, MEID 10+8 digits), and the binary value in
 *            big and little endian.
 *
 * Masking: the bytes of a hit become the same encoding of the value with
 * every digit from the kept prefix on set to 0 (the prefix is MCC+MNC of an
 * IMSI and the "89" of ICCID and EID, as redaction keeps them); an EF_IMSI
 * length byte, a parity nibble and 0xF padding stay. Bytes that a hit of an
 * allowed kind also covers stay (IMEI and IMEISV share their serial).
 *
 * Pure: no I/O, no globals. The patterns are copies of identifiers: they are
 * wiped when the tripwire is freed.
 */
#ifndef IDG_TRIPWIRE_H
#define IDG_TRIPWIRE_H

#include <glib.h>
#include "idg-kind.h"

G_BEGIN_DECLS

#define IDG_TRIPWIRE_RUN     6   /* digits, text encodings */
#define IDG_TRIPWIRE_BCD_RUN 4   /* bytes, binary BCD */

typedef struct _IdgTripwire IdgTripwire;

typedef struct {
  guint32 found;                  /* IDG_KIND_BIT()s seen, allowed or not */
  guint32 masked;                 /* IDG_KIND_BIT()s seen and masked */
  guint   count[IDG_KIND_COUNT];  /* hits per kind (overlapping runs count) */
} IdgTripwireHits;

/* binary: for a door whose messages are binary (QMI, MBIM): all patterns.
 * Otherwise (AT, text only) only the printable ones (ASCII, hex text, UCS2
 * hex): binary BCD runs would match ordinary text ("Q QH" is 4 bytes of
 * BCD digits) and no AT reply carries binary or UTF-16LE. */
IdgTripwire *idg_tripwire_new  (gboolean binary);
void         idg_tripwire_free (IdgTripwire *tw);

/* Adds the patterns of one value: digits (a leading '+' of an MSISDN is
 * skipped), hex for ESN (8) and MEID (14) or their decimal forms (11, 18).
 * FALSE (nothing added) for a value that is too short to look for safely
 * (fewer than IDG_TRIPWIRE_RUN digits) or has other characters. The same
 * value twice is looked for once. Call before the first scan; a tripwire
 * is not changed once it scanned (build a new one). */
gboolean idg_tripwire_add  (IdgTripwire *tw,
                            IdgKind      kind,
                            const gchar *value);

/* Scans len bytes of buf once; masks in place every hit of a kind not in
 * allowed_kinds. Returns the kinds masked; hits (nullable) gets the details. */
guint32  idg_tripwire_scan (IdgTripwire     *tw,
                            guint32          allowed_kinds,
                            guint8          *buf,
                            gsize            len,
                            IdgTripwireHits *hits);

/* For while the broker does not know some values yet (a SIM swap, until
 * the new ones are read): unknown_kinds are the SIM kinds not read again.
 * For those of them not in allowed_kinds, masks every run that could be
 * one by its shape: IDG_TRIPWIRE_RUN or more ASCII (and, binary, UTF-16LE)
 * digits that are not all '0', and, binary, 5 or more bytes of BCD digits
 * (no 0x00 byte, at least 8 non-zero digits, not all printable text). A
 * run's length tells which kinds it can be (14 to 17 digits: an IMSI or
 * a number; 18 to 20: an ICCID; longer: an EID; shorter than 14: a piece
 * of anything; BCD digits counted with a 0xF-padded half byte after them,
 * and EF_IMSI with its length byte is an IMSI). Bytes of known values the client may see (hits of
 * allowed_kinds) stay. Coarse on purpose (see docs/design.md). Returns the
 * number of runs masked. */
guint    idg_tripwire_mask_unknown (IdgTripwire *tw,
                                    guint32      allowed_kinds,
                                    guint32      unknown_kinds,
                                    guint8      *buf,
                                    gsize        len);

/* Sizes, for the bench and the tests. */
guint    idg_tripwire_n_patterns (IdgTripwire *tw);
guint    idg_tripwire_n_states   (IdgTripwire *tw);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgTripwire, idg_tripwire_free)

G_END_DECLS

#endif
