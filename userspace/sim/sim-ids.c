/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <gio/gio.h>
#include "sim-ids.h"

typedef enum {
  CHARS_DIGITS,
  CHARS_HEX,
  CHARS_NUMBER,            /* optional leading '+', then digits */
} Chars;

static const struct {
  const gchar *key;
  gsize        offset;
  gsize        min_len;
  gsize        max_len;
  Chars        chars;
  const gchar *fallback;   /* used by sim_ids_new_default () only */
} keys[] = {
  { "imei",   G_STRUCT_OFFSET (SimIds, imei),   15, 15, CHARS_DIGITS, "490154203237518" },
  { "imeisv", G_STRUCT_OFFSET (SimIds, imeisv), 16, 16, CHARS_DIGITS, "4901542032375101" },
  { "esn",    G_STRUCT_OFFSET (SimIds, esn),     8,  8, CHARS_HEX,    "8034A0F2" },
  { "meid",   G_STRUCT_OFFSET (SimIds, meid),   14, 14, CHARS_HEX,    "A10000009296F2" },
  { "imsi",   G_STRUCT_OFFSET (SimIds, imsi),    6, 15, CHARS_DIGITS, "001010123456789" },
  { "iccid",  G_STRUCT_OFFSET (SimIds, iccid),  18, 20, CHARS_DIGITS, "89014103211118510720" },
  { "eid",    G_STRUCT_OFFSET (SimIds, eid),    32, 32, CHARS_DIGITS, "89049032123451234512345678901235" },
  { "msisdn", G_STRUCT_OFFSET (SimIds, msisdn),  1, 21, CHARS_NUMBER, "+15555550100" },
};

#define FIELD(ids, i) G_STRUCT_MEMBER (gchar *, (ids), keys[i].offset)

SimIds *
sim_ids_new_empty (void)
{
  return g_new0 (SimIds, 1);
}

SimIds *
sim_ids_new_default (void)
{
  SimIds *ids = sim_ids_new_empty ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (keys); i++)
    FIELD (ids, i) = g_strdup (keys[i].fallback);
  return ids;
}

SimIds *
sim_ids_dup (const SimIds *ids)
{
  SimIds *copy = sim_ids_new_empty ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (keys); i++)
    FIELD (copy, i) = g_strdup (FIELD (ids, i));
  return copy;
}

void
sim_ids_free (SimIds *ids)
{
  guint i;

  if (!ids)
    return;
  for (i = 0; i < G_N_ELEMENTS (keys); i++)
    g_free (FIELD (ids, i));
  g_free (ids);
}

static gboolean
value_valid (guint i, const gchar *value)
{
  gsize len = strlen (value);
  gsize j = 0;

  if (keys[i].chars == CHARS_NUMBER && value[0] == '+')
    j = 1;
  if (len - j < keys[i].min_len || len - j > keys[i].max_len)
    return FALSE;
  for (; j < len; j++) {
    if (keys[i].chars == CHARS_HEX ? !g_ascii_isxdigit (value[j]) : !g_ascii_isdigit (value[j]))
      return FALSE;
  }
  return TRUE;
}

gboolean
sim_ids_set (SimIds      *ids,
             const gchar *key,
             const gchar *value,
             GError     **error)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (keys); i++) {
    if (g_strcmp0 (keys[i].key, key) != 0)
      continue;
    if (!value_valid (i, value)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "invalid value for '%s'", keys[i].key);
      return FALSE;
    }
    g_free (FIELD (ids, i));
    FIELD (ids, i) = g_strdup (value);
    return TRUE;
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "unknown identifier key");
  return FALSE;
}

SimIds *
sim_ids_parse (const gchar *text,
               GError     **error)
{
  g_autoptr(SimIds) ids = sim_ids_new_empty ();
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n;

  for (n = 0; lines[n]; n++) {
    gchar *line = g_strstrip (lines[n]);
    gchar *eq;

    if (line[0] == '\0' || line[0] == '#')
      continue;
    eq = strchr (line, '=');
    if (!eq) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "line %u: expected key=value", n + 1);
      return NULL;
    }
    *eq = '\0';
    if (!sim_ids_set (ids, g_strstrip (line), g_strstrip (eq + 1), error)) {
      g_prefix_error (error, "line %u: ", n + 1);
      return NULL;
    }
  }
  return g_steal_pointer (&ids);
}

SimIds *
sim_ids_load (const gchar *path,
              GError     **error)
{
  g_autofree gchar *text = NULL;
  SimIds *ids;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  ids = sim_ids_parse (text, error);
  if (!ids)
    g_prefix_error (error, "%s: ", path);
  return ids;
}

static gint
key_index (const gchar *key)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_strcmp0 (keys[i].key, key) == 0)
      return (gint) i;
  return -1;
}

const gchar *
sim_ids_get (const SimIds *ids,
             const gchar  *key)
{
  gint i = key_index (key);

  return i < 0 ? NULL : FIELD (ids, i);
}

void
sim_ids_copy_key (SimIds       *dst,
                  const SimIds *src,
                  const gchar  *key)
{
  gint i = key_index (key);

  if (i < 0)
    return;
  g_free (FIELD (dst, i));
  FIELD (dst, i) = g_strdup (FIELD (src, i));
}

void
sim_ids_overlay (SimIds       *dst,
                 const SimIds *src)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (keys); i++) {
    if (!FIELD (src, i))
      continue;
    g_free (FIELD (dst, i));
    FIELD (dst, i) = g_strdup (FIELD (src, i));
  }
}
