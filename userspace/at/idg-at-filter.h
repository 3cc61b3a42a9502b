/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The AT filter: pure, no I/O, no globals. It knows which AT commands
 * return an identifier (../shared/brief/identifiers.md, AT table) and how
 * their replies look, and hides what a client may not see.
 *
 * Use, per command line a client sends:
 *
 *   IdgGuard guard;                        (filled by idg_broker_guard_begin)
 *   const gchar *refusal = idg_at_filter_request (&guard, line, line_len);
 *   if (refusal)                           do not send the line to the modem;
 *     answer refusal                       (a complete "\r\n+CME ERROR: 3\r\n")
 *   else
 *     send line, collect the reply bytes up to and including the final
 *     result code, then
 *     out = idg_at_filter_reply (&guard, line, line_len, reply, reply_len, &out_len);
 *     answer out (g_free it)
 *
 * line is the command line as the client sent it: with or without the "AT"
 * prefix and the trailing "\r", any case, spaces anywhere outside quotes,
 * several commands joined with ';' ("AT+CGSN;+CIMI"). reply is what the
 * modem sent back: any mix of "\r\n", "\r", "\n" line ends, an echo of the
 * command line or not, unsolicited result codes in between or not.
 *
 * What is done to the reply (the AT table):
 *  +CGSN, +CGSN=0, +CGSN=1, +GSN      every device value on a line rewritten
 *  (and #CGSN, +QGSN, ^GSN, $GSN)      (same length), as vendors print
 *                                      them: bare, labelled, quoted,
 *                                      "IMEI,SERIAL" (the serial stays),
 *                                      an ESN "0x" + 7/8 hex or 8 hex digits,
 *                                      "MEID:ESN" pairs in decimal or in hex
 *                                      with "0x"; any run of 6+ hex digits
 *                                      standing alone
 *  +CGSN=2 / +CGSN=3                   IMEISV / its SVN digits rewritten
 *  I, I0..I9                           "IMEI: v", "IMEI SV: v", "ESN: v"
 *                                      (also "ESN: +GSN: 0xv"), "MEID: v",
 *                                      "ICCID: v", "IMSI: v" lines and
 *                                      bare 14..17-digit lines rewritten
 *  +CIMI (and #CIMI, +QIMI, $QCIMI, ^CIMI)
 *                                      IMSI rewritten (MCC+MNC kept by redact)
 *  ^MEID, $MEID                        MEID rewritten
 *  +CNUM                               the number of every +CNUM line
 *  +CPBR / +CPBF of the "ON" phonebook the number of every line (own
 *                                      numbers; see idg_at_filter_book)
 *  +CRSM=176/178 of a file that holds an identifier (EF_ICCID 12258,
 *  EF_IMSI 28423, EF_MSISDN 28480, EF_ADN 28474, EF_EXT1/EXT5, ISIM
 *  IMPI/IMPU: idg_simfile_is_identifier)
 *                                      every byte of an identifier masked,
 *                                      placed by the file's layout and the
 *                                      read's absolute range (READ BINARY at
 *                                      offset P1 << 8 | P2, any length P3;
 *                                      READ RECORD of P3 bytes: the record
 *                                      length is unknown, every digit
 *                                      nibble masked) (idg-simfile.h)
 *  a +CRSM whose numbers do not parse, and vendor copies (^CRSM, #CRSM)
 *  that do not                         its data masked nibble by nibble
 *  other +CRSM                         untouched
 *  +CCID +ICCID +CICCID ^ICCID !ICCID +QCCID #CCID ^SCID +ZGETICCID
 *                                      ICCID rewritten
 *  +EGMR=0,7 and +EGMR=0,10            IMEI rewritten
 *  +CSIM +CCHO +CGLA +CRLA, and vendor copies (^CSIM, +QCSIM: any prefix,
 *  any letters before the name)       raw SIM access: refused unless the
 *                                      client holds every SIM kind
 *                                      (idg_guard_raw_sim)
 *  +EGMR=1,7 / +EGMR=1,10 (IMEI write) refused, for every client: the
 *                                      device identity is not the business of
 *                                      a client behind the guard
 *  test commands (=?) and everything else: untouched, except a line no
 *  command claims that is nothing but a number of 14 to 20 digits, bare or
 *  after a "LABEL:" (a vendor command not in this table): it is rewritten as the identifier its shape
 *  says (89... ICCID, 15 digits with a Luhn digit IMEI, 16 IMEISV, else
 *  IMSI).
 * Unsolicited result codes among the reply lines are never touched (a line
 * is only rewritten when it has the shape of the value asked for).
 * A refusal is "+CME ERROR: 3" (operation not allowed), which every AT
 * client parses whatever its +CMEE setting.
 */
#ifndef IDG_AT_FILTER_H
#define IDG_AT_FILTER_H

#include <glib.h>
#include "idg-guard.h"
#include "idg-at-parse.h"

G_BEGIN_DECLS

#define IDG_AT_REFUSAL "\r\n+CME ERROR: 3\r\n"

/* NULL if the line may go to the modem, else the complete reply to answer
 * instead (static string, IDG_AT_REFUSAL); a refusal is counted in guard. */
const gchar *idg_at_filter_request (IdgGuard    *guard,
                                    const gchar *line,
                                    gsize        len);

/* The reply the client may see, newly allocated (g_free), NUL-terminated,
 * its length in *out_len: the same bytes as reply with the identifiers the
 * client lacks rewritten in place, or IDG_AT_REFUSAL for raw SIM access the
 * client may not have. Counts every decision in guard. */
gchar       *idg_at_filter_reply   (IdgGuard    *guard,
                                    const gchar *line,
                                    gsize        line_len,
                                    const gchar *reply,
                                    gsize        reply_len,
                                    gsize       *out_len);

/* The own-number phonebook: +CPBS="ON" selects EF_MSISDN, and +CPBR /
 * +CPBF then read own numbers. The filter sees a +CPBS in the same line;
 * the storage selected by an earlier line is modem state that the caller
 * keeps: idg_at_filter_book() says whether a line selects a storage (TRUE)
 * and whether it is "ON" (*own_book); once its reply is OK, the caller
 * passes own_book to idg_at_filter_reply_book() for the lines that follow.
 * idg_at_filter_reply() is idg_at_filter_reply_book() with own_book FALSE. */
gboolean     idg_at_filter_book    (const gchar *line,
                                    gsize        len,
                                    gboolean    *own_book);
gchar       *idg_at_filter_reply_book (IdgGuard    *guard,
                                       gboolean     own_book,
                                       const gchar *line,
                                       gsize        line_len,
                                       const gchar *reply,
                                       gsize        reply_len,
                                       gsize       *out_len);

G_END_DECLS

#endif
