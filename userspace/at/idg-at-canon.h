/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Canonical AT requests: the door reads a client's bytes exactly as a V.250
 * modem would, and the modem only ever gets the door's own re-encoding of
 * what the door understood. Pure: GLib, no I/O, no globals.
 *
 * How a modem reads a command line (V.250 5.2), and so how this file reads
 * one:
 *  - S3 (13, CR) ends the line; S5 (8, BS) deletes the character before it
 *    (nothing at the start of the line); every other control character
 *    (0..31, so also S4 = LF and NUL) is ignored; a line longer than
 *    IDG_AT_CANON_MAX_LINE is dropped (refused here).
 *  - "A/" (either case) as the first two characters of a line repeats the
 *    last command line at once, without S3. Here it yields the canonical
 *    form of the last line again, judged again; never "A/" itself (the
 *    modem's last line may be another one). With no last line: refused.
 *  - A line is a command line only if it starts (after blanks) with "AT"
 *    in either case; other lines are ignored, as a modem ignores them.
 *  - Blanks are ignored outside double quotes, and case too.
 *  - Basic commands are concatenated (ATE0Q0V1I3, AT&F, ATS7=60, ATS0?);
 *    extended commands (+, and the vendor prefixes ^ ! # $ % * @) end at a
 *    ';' outside quotes: "AT+CGSN;+CIMI", "ATE0+CGSN;I".
 *
 * What is refused (the client gets ERROR, the modem gets nothing):
 *  - bytes that do not parse: characters outside printable ASCII, an
 *    unterminated string, a backslash in a string, anything after "?" or
 *    "=?" other than ';', argument characters outside [A-Z0-9,.+-*#()/:_@]
 *    and strings, an unknown basic command character, names longer than
 *    IDG_AT_MAX_NAME;
 *  - S-register writes that change the framing: S3, S4, S5 (they are never
 *    modelled as changed, so Z and &F keep them at their defaults); an
 *    S register above 255;
 *  - what would take the shared port away from the door or break its reply
 *    splitting: V0 (numeric result codes), Q1 (no result codes), ATO, ATD
 *    without the ';' of a voice call or not last on the line, +CGDATA;
 *  - +CRSM with a command, file id or P1/P2/P3 that is not a plain decimal
 *    number, a read (176, 178) with data, a pathid that is not a quoted
 *    path of dedicated files (3F00, 7Fxx, 5Fxx), more than 7 fields (the
 *    door must know which file and which bytes a read covers);
 *  - a line whose canonical form the AT filter (idg-at-parse.c) would read
 *    differently from this file: one judgement, checked on every line.
 * What the modem then gets: "AT" + the commands, upper-case outside
 * strings, without blanks, extended commands followed by ';' when more
 * follow, + CRSM's numbers re-encoded from their values.
 *
 * Judging the commands (which one returns an identifier, which is raw SIM
 * access) is the AT filter's (idg_at_filter_request / idg_at_filter_reply);
 * the caller passes it the canonical line, which is also what it sends.
 */
#ifndef IDG_AT_CANON_H
#define IDG_AT_CANON_H

#include <glib.h>
#include "idg-guard.h"

G_BEGIN_DECLS

#define IDG_AT_CANON_MAX_LINE 2048
#define IDG_AT_CANON_ERROR "\r\nERROR\r\n"

typedef struct _IdgAtCanon IdgAtCanon;

typedef enum {
  IDG_AT_CANON_MORE = 0,  /* every byte consumed, no line complete yet */
  IDG_AT_CANON_SEND,      /* a command line: idg_at_canon_line() */
  IDG_AT_CANON_REFUSE,    /* a command line refused: answer IDG_AT_CANON_ERROR */
  IDG_AT_CANON_IGNORE,    /* not a command line (empty, no "AT"): no answer */
} IdgAtCanonResult;

/* Per-client state: S3/S4/S5 (defaults), the line being received, the last
 * command line (for "A/"). */
IdgAtCanon       *idg_at_canon_new   (void);
void              idg_at_canon_free  (IdgAtCanon  *canon);

/* Consumes client bytes up to and including the end of the first line that
 * completes (S3, or the '/' of "A/"); *consumed says how many. Bytes after
 * it are left for the next call (a modem reads on once the line is done:
 * an SMS text after a "> " prompt is not a command line). */
IdgAtCanonResult  idg_at_canon_feed  (IdgAtCanon  *canon,
                                      const gchar *data,
                                      gsize        len,
                                      gsize       *consumed);

/* After IDG_AT_CANON_SEND: the canonical command line, "AT" included,
 * without the S3 (the port adds it). Valid until the next feed. */
const gchar      *idg_at_canon_line  (const IdgAtCanon *canon);

/* One buffer of a tunnel (the MBIM AT tunnel: one request may hold several
 * lines, with or without a final S3), read with fresh state (default S3/S4/
 * S5, no last line; the end of the buffer ends a line). Every line is
 * canonicalised as above, every command judged with
 * idg_at_filter_request (guard, ...), and all of them are joined into ONE
 * canonical line, so that the reply, however many lines the client wrote,
 * is filtered as the reply of that one line:
 *
 *   const gchar *refusal;
 *   g_autofree gchar *line = idg_at_canon_buffer (&guard, buf, len, &refusal);
 *   if (!line)  answer refusal (IDG_AT_CANON_ERROR or IDG_AT_REFUSAL)
 *   else        send line (NUL-terminated, ends with "\r") to the modem, and
 *               filter its reply with
 *               idg_at_filter_reply (&guard, line, strlen (line), ...)
 *
 * Refused (NULL): any line refused as above, a line the filter refuses, an
 * "A/" with no earlier line in the buffer, a buffer with no command line. */
gchar            *idg_at_canon_buffer (IdgGuard     *guard,
                                       const gchar  *buf,
                                       gsize         len,
                                       const gchar **refusal);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgAtCanon, idg_at_canon_free)

G_END_DECLS

#endif
