// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the fast path's frames (userspace/common/idg-api-frame.c)
 * on arbitrary bytes, cut into frames as idg-api-fast.c cuts them (header,
 * then a body copied to an aligned buffer), each parsed as a request and
 * as an answer. */
#include <gio/gio.h>
#include <string.h>
#include "idg-api-frame.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static const IdgFrameMethod methods[] = {
  { "GetIdentifier", "(say)" },
  { "RequestConsent", "(ss)" },
  { "ClaimToken", "(s)" },
};

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  static guint64 body[IDG_FRAME_BODY_MAX / 8];
  gsize off = 0;

  while (size - off >= IDG_FRAME_HEADER_LEN) {
    gsize len = idg_frame_body_len (data + off);
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(GVariant) args = NULL;
    g_autoptr(GVariant) value = NULL;
    const gchar *name = NULL;
    gint i;

    if (len == 0 || size - off - IDG_FRAME_HEADER_LEN < len)
      break;
    memcpy (body, data + off + IDG_FRAME_HEADER_LEN, len);
    bytes = g_bytes_new_static (body, len);
    i = idg_frame_parse_request (bytes, methods, G_N_ELEMENTS (methods), &args, NULL);
    g_assert ((i < 0) == (args == NULL));
    if (i >= 0)
      g_assert (g_variant_is_of_type (args, G_VARIANT_TYPE (methods[i].in_type)));
    if (idg_frame_parse_answer (bytes, G_VARIANT_TYPE ("(s)"), &name, &value, NULL))
      g_assert (g_variant_is_of_type (value, G_VARIANT_TYPE ("(s)")) && name != NULL);
    off += IDG_FRAME_HEADER_LEN + len;
  }
  return 0;
}
