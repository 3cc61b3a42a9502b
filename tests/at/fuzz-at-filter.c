/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the AT filter. Input: the allowed kinds (one byte),
 * a flag byte (bit 0: pseudonym, bit 1: the own-number phonebook is
 * selected), the command line, a NUL byte, the reply. Checks that the filter never changes the length of a reply it
 * rewrites and never returns anything but the reply or the refusal.
 */
#include <string.h>

#include "idg-at-filter.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const guint8 secret[IDG_SECRET_LEN] = { 7 };
  const gchar *line, *reply, *nul;
  gsize line_len, reply_len, out_len = 0;
  gchar *out;
  IdgGuard guard;
  GPtrArray *cmds;
  gboolean own_book;

  if (size < 2)
    return 0;
  idg_guard_init (&guard, data[0] & IDG_KIND_MASK_ALL,
                  (data[1] & 1) ? IDG_POLICY_PSEUDONYM : IDG_POLICY_REDACT, secret, "fuzz");
  own_book = (data[1] & 2) != 0;
  line = (const gchar *) data + 2;
  nul = memchr (line, 0, size - 2);
  line_len = nul ? (gsize) (nul - line) : size - 2;
  reply = nul ? nul + 1 : line + line_len;
  reply_len = size - 2 - line_len - (nul ? 1 : 0);

  cmds = idg_at_parse_line (line, line_len, NULL);
  g_ptr_array_unref (cmds);
  (void) idg_at_filter_request (&guard, line, line_len);
  (void) idg_at_filter_book (line, line_len, &own_book);
  out = idg_at_filter_reply_book (&guard, own_book, line, line_len, reply, reply_len, &out_len);
  if (out_len != reply_len && strcmp (out, IDG_AT_REFUSAL) != 0)
    __builtin_trap ();
  g_free (out);
  return 0;
}
