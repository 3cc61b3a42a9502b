/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "idg-kind.h"

#include <gio/gio.h>
#include <string.h>

static const gchar *const kind_names[IDG_KIND_COUNT] = {
  [IDG_KIND_IMEI]   = "imei",
  [IDG_KIND_IMEISV] = "imeisv",
  [IDG_KIND_ESN]    = "esn",
  [IDG_KIND_MEID]   = "meid",
  [IDG_KIND_IMSI]   = "imsi",
  [IDG_KIND_ICCID]  = "iccid",
  [IDG_KIND_EID]    = "eid",
  [IDG_KIND_MSISDN] = "msisdn",
};

const gchar *
idg_kind_to_string (IdgKind kind)
{
  if ((guint) kind >= IDG_KIND_COUNT)
    return "unknown";
  return kind_names[kind];
}

gboolean
idg_kind_from_string (const gchar *str,
                      IdgKind     *out)
{
  guint i;

  if (!str)
    return FALSE;
  for (i = 0; i < IDG_KIND_COUNT; i++) {
    if (g_ascii_strcasecmp (str, kind_names[i]) == 0) {
      *out = (IdgKind) i;
      return TRUE;
    }
  }
  return FALSE;
}

guint32
idg_kind_mask_parse (const gchar  *list,
                     GError      **error)
{
  g_auto(GStrv) parts = NULL;
  guint32 mask = 0;
  guint i;

  if (!list || !*list) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "empty scope list");
    return 0;
  }
  parts = g_strsplit (list, ",", -1);
  for (i = 0; parts[i]; i++) {
    gchar *p = g_strstrip (parts[i]);
    IdgKind k;

    if (g_ascii_strcasecmp (p, "all") == 0) {
      mask |= IDG_KIND_MASK_ALL;
      continue;
    }
    if (!idg_kind_from_string (p, &k)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "unknown identifier kind '%s' (known: imei, imeisv, esn, meid, imsi, iccid, eid, msisdn, all)",
                   p);
      return 0;
    }
    mask |= IDG_KIND_BIT (k);
  }
  if (!mask)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "empty scope list");
  return mask;
}

gchar *
idg_kind_mask_to_string (guint32 mask)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < IDG_KIND_COUNT; i++) {
    if (mask & IDG_KIND_BIT (i)) {
      if (s->len)
        g_string_append_c (s, ',');
      g_string_append (s, kind_names[i]);
    }
  }
  return g_string_free (s, FALSE);
}
