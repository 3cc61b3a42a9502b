/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "idg-personal.h"

const gchar *
idg_personal (const gchar *value)
{
  return value ? "###" : "(none)";
}

gchar *
idg_personal_dump (const guint8 *data,
                   gsize         len,
                   gsize         header_len,
                   gsize         max)
{
  GString *s = g_string_sized_new (MIN (len, max) * 3 + 16);
  gsize i;

  for (i = 0; i < len && i < max; i++) {
    if (i)
      g_string_append_c (s, ':');
    if (i < header_len)
      g_string_append_printf (s, "%02x", data[i]);
    else
      g_string_append (s, "##");
  }
  if (len > max)
    g_string_append_printf (s, "... (%" G_GSIZE_FORMAT " bytes)", len);
  return g_string_free (s, FALSE);
}
