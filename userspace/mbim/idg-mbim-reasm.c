/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-mbim-reasm.h"
#include "idg-mbim-filter.h"

#define TYPE_COMMAND  0x00000003u
#define FRAGMENT_HEADER 20

void
idg_mbim_reasm_init (IdgMbimReasm *r)
{
  r->in = g_byte_array_new ();
  r->frag = NULL;
  r->frag_total = 0;
  r->frag_next = 0;
}

void
idg_mbim_reasm_clear (IdgMbimReasm *r)
{
  g_clear_pointer (&r->in, g_byte_array_unref);
  g_clear_pointer (&r->frag, g_byte_array_unref);
}

void
idg_mbim_reasm_push (IdgMbimReasm *r,
                     const guint8 *data,
                     gsize         len)
{
  g_byte_array_append (r->in, data, (guint) len);
}

static IdgMbimReasmResult
broken (const gchar **why,
        const gchar  *reason)
{
  if (why)
    *why = reason;
  return IDG_MBIM_REASM_BROKEN;
}

/* One COMMAND fragment; MESSAGE when it completes a request. */
static IdgMbimReasmResult
fragment (IdgMbimReasm *r,
          const guint8 *msg,
          gsize         len,
          GByteArray   *out,
          const gchar **why)
{
  guint32 total, current;

  if (len < FRAGMENT_HEADER)
    return broken (why, "short command");
  total = idg_mbim_read_u32 (msg + 12);
  current = idg_mbim_read_u32 (msg + 16);
  if (total == 0 || current >= total)
    return broken (why, "bad fragment header");
  if (current == 0 && r->frag)
    return broken (why, "interleaved fragments");
  if (total == 1) {
    g_byte_array_append (out, msg, (guint) len);
    return IDG_MBIM_REASM_MESSAGE;
  }
  if (current == 0) {
    r->frag = g_byte_array_sized_new ((guint) len);
    g_byte_array_append (r->frag, msg, (guint) len);
    r->frag_total = total;
    r->frag_next = 1;
    return IDG_MBIM_REASM_MORE;
  }
  if (!r->frag || current != r->frag_next || total != r->frag_total ||
      idg_mbim_read_u32 (msg + 8) != idg_mbim_read_u32 (r->frag->data + 8))
    return broken (why, "fragment out of sequence");
  if (r->frag->len + (len - FRAGMENT_HEADER) > IDG_MBIM_REASM_MAX_MESSAGE)
    return broken (why, "oversized request");
  g_byte_array_append (r->frag, msg + FRAGMENT_HEADER, (guint) (len - FRAGMENT_HEADER));
  if (++r->frag_next < r->frag_total)
    return IDG_MBIM_REASM_MORE;
  g_byte_array_append (out, r->frag->data, r->frag->len);
  g_clear_pointer (&r->frag, g_byte_array_unref);
  idg_mbim_write_u32 (out->data + 4, out->len);
  idg_mbim_write_u32 (out->data + 12, 1);
  idg_mbim_write_u32 (out->data + 16, 0);
  return IDG_MBIM_REASM_MESSAGE;
}

IdgMbimReasmResult
idg_mbim_reasm_next (IdgMbimReasm *r,
                     GByteArray   *out,
                     const gchar **why)
{
  g_byte_array_set_size (out, 0);
  while (r->in->len >= IDG_MBIM_HEADER_LEN) {
    guint32 len = idg_mbim_read_u32 (r->in->data + 4);
    IdgMbimReasmResult res;

    if (len < IDG_MBIM_HEADER_LEN || len > IDG_MBIM_REASM_MAX_FRAGMENT)
      return broken (why, "bad message length");
    if (r->in->len < len)
      return IDG_MBIM_REASM_MORE;
    if (idg_mbim_read_u32 (r->in->data) == TYPE_COMMAND) {
      res = fragment (r, r->in->data, len, out, why);
    } else {
      g_byte_array_append (out, r->in->data, len);
      res = IDG_MBIM_REASM_MESSAGE;
    }
    if (res == IDG_MBIM_REASM_BROKEN)
      return res;
    g_byte_array_remove_range (r->in, 0, len);
    if (res == IDG_MBIM_REASM_MESSAGE)
      return res;
  }
  return IDG_MBIM_REASM_MORE;
}
