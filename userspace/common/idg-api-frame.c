/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fast path's frames (idg-api-frame.h): length header and a GVariant
 * "(sv)" body, checked in full (type, normal form, method, argument type).
 */
#include "idg-api-frame.h"

#include <gio/gio.h>
#include <string.h>

#define BODY_TYPE ((const GVariantType *) "(sv)")

gsize
idg_frame_body_len (const guint8 header[IDG_FRAME_HEADER_LEN])
{
  guint32 len = (guint32) header[0] | (guint32) header[1] << 8 |
                (guint32) header[2] << 16 | (guint32) header[3] << 24;

  return len >= 1 && len <= IDG_FRAME_BODY_MAX ? len : 0;
}

gsize
idg_frame_build (guint64 buf[IDG_FRAME_BUF_WORDS], const gchar *name, GVariant *value, guint8 **frame)
{
  g_autoptr(GVariant) body = g_variant_ref_sink (g_variant_new ("(sv)", name, value));
  gsize len = g_variant_get_size (body);
  guint8 *header = (guint8 *) buf + 8 - IDG_FRAME_HEADER_LEN;

  *frame = NULL;
  if (len == 0 || len > IDG_FRAME_BODY_MAX)
    return 0;
  header[0] = len & 0xff;
  header[1] = (len >> 8) & 0xff;
  header[2] = (len >> 16) & 0xff;
  header[3] = (len >> 24) & 0xff;
  /* straight into buf, aligned: no serialized copy of a secret left in
   * GLib's heap */
  g_variant_store (body, buf + 1);
  *frame = header;
  return IDG_FRAME_HEADER_LEN + len;
}

/* The body as "(sv)" in normal form: its name and its value. */
static gboolean
parse_body (GBytes *body, const gchar **name, GVariant **value, GError **error)
{
  g_autoptr(GVariant) v = NULL;
  gsize len = g_bytes_get_size (body);

  if (len == 0 || len > IDG_FRAME_BODY_MAX || ((guintptr) g_bytes_get_data (body, NULL) & 7) != 0) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad frame length");
    return FALSE;
  }
  v = g_variant_ref_sink (g_variant_new_from_bytes (BODY_TYPE, body, FALSE));
  if (!g_variant_is_normal_form (v)) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "frame not in normal form");
    return FALSE;
  }
  g_variant_get (v, "(&sv)", name, value);
  return TRUE;
}

gint
idg_frame_parse_request (GBytes *body, const IdgFrameMethod *methods,
                         gsize n_methods, GVariant **args, GError **error)
{
  const gchar *name = NULL;
  g_autoptr(GVariant) value = NULL;

  *args = NULL;
  if (!parse_body (body, &name, &value, error))
    return -1;
  for (gsize i = 0; i < n_methods; i++) {
    if (strcmp (name, methods[i].name) != 0)
      continue;
    if (!g_variant_is_of_type (value, G_VARIANT_TYPE (methods[i].in_type))) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "wrong argument types");
      return -1;
    }
    *args = g_steal_pointer (&value);
    return (gint) i;
  }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unknown method");
  return -1;
}

gboolean
idg_frame_parse_answer (GBytes *body, const GVariantType *reply_type,
                        const gchar **name, GVariant **value, GError **error)
{
  g_autoptr(GVariant) v = NULL;

  *value = NULL;
  if (!parse_body (body, name, &v, error))
    return FALSE;
  if (!g_variant_is_of_type (v, **name == '\0' ? reply_type : G_VARIANT_TYPE ("(s)"))) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unexpected answer type");
    return FALSE;
  }
  *value = g_steal_pointer (&v);
  return TRUE;
}
