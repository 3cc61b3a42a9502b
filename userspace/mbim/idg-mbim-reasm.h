/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A client's MBIM byte stream cut into whole messages: pure, no I/O. The
 * door and the differential fuzz target share it, so that what the fuzz
 * target judges is what the door judges.
 *
 * Each message on the stream is checked (12 <= length <= 64 KiB);
 * COMMAND fragments are reassembled into one COMMAND (one request at a
 * time, as MBIM 1.0 9.2 has it: fragments of one transaction, in order,
 * same total) of at most 256 KiB, whose header then says one fragment of
 * the whole length. Other messages come out as they are. Anything else
 * (a lying length, interleaved or out-of-sequence fragments, oversize) is
 * broken: the door drops that client, since the stream cannot be
 * resynchronised.
 */
#ifndef IDG_MBIM_REASM_H
#define IDG_MBIM_REASM_H

#include <glib.h>

G_BEGIN_DECLS

#define IDG_MBIM_REASM_MAX_FRAGMENT (64 * 1024)
#define IDG_MBIM_REASM_MAX_MESSAGE  (256 * 1024)

typedef enum {
  IDG_MBIM_REASM_MORE    = 0,   /* no whole message yet */
  IDG_MBIM_REASM_MESSAGE = 1,   /* out holds one */
  IDG_MBIM_REASM_BROKEN  = 2,   /* *why says what */
} IdgMbimReasmResult;

typedef struct {
  GByteArray *in;
  GByteArray *frag;       /* the request being reassembled, or NULL */
  guint32     frag_total;
  guint32     frag_next;
} IdgMbimReasm;

void               idg_mbim_reasm_init  (IdgMbimReasm *r);
void               idg_mbim_reasm_clear (IdgMbimReasm *r);
void               idg_mbim_reasm_push  (IdgMbimReasm *r,
                                         const guint8 *data,
                                         gsize         len);
/* The next whole message (out emptied first). */
IdgMbimReasmResult idg_mbim_reasm_next  (IdgMbimReasm *r,
                                         GByteArray   *out,
                                         const gchar **why);

G_END_DECLS

#endif
