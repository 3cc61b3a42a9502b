/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output: aligned tables and "key: value" lists for people, one JSON
 * document (json-glib) for scripts. Nothing here ever sees an identifier
 * except `get`'s own answer, which the caller asked for.
 */
#include "ctl.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

gchar *
ctl_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_seconds <= 0)
    return g_strdup ("-");
  dt = g_date_time_new_from_unix_local (unix_seconds);
  if (!dt)
    return g_strdup ("?");
  return g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
}

/* Text from the broker as one line a person can trust: control, format
 * and separator characters (a newline, a C1 control, a bidi override that
 * reverses what follows) are shown as \\uXXXX, so that no cell can pass
 * for another row or read differently from what it holds. */
static gchar *
printable (const gchar *s)
{
  GString *out = g_string_sized_new (strlen (s));

  for (const gchar *p = s; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    switch (g_unichar_type (c)) {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      g_string_append_printf (out, "\\u%04x", (guint) c);
      break;
    default:
      g_string_append_unichar (out, c);
      break;
    }
  }
  return g_string_free (out, FALSE);
}

static gchar *
format_value (GVariant *v, CtlColumnType type)
{
  if (!v)
    return g_strdup ("-");
  switch (type) {
  case CTL_COL_TIME:
  case CTL_COL_TIME_US:
    if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64)) {
      gint64 t = g_variant_get_int64 (v);
      return ctl_format_time (type == CTL_COL_TIME_US ? t / G_USEC_PER_SEC : t);
    }
    break;
  case CTL_COL_STRING:
  case CTL_COL_NUMBER:
    break;
  }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)) {
    const gchar *s = g_variant_get_string (v, NULL);
    return *s ? printable (s) : g_strdup ("-");
  }
  return g_variant_print (v, FALSE);
}

void
ctl_print_table (GVariant *rows, const CtlColumn *cols, guint n_cols, gboolean header)
{
  gsize n_rows = g_variant_n_children (rows);
  g_autofree gsize *width = g_new0 (gsize, n_cols);
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

  for (guint c = 0; c < n_cols; c++)
    width[c] = header ? strlen (cols[c].header) : 0;
  for (gsize r = 0; r < n_rows; r++) {
    g_autoptr(GVariant) row = g_variant_get_child_value (rows, r);
    g_autoptr(GVariantDict) dict = g_variant_dict_new (row);

    for (guint c = 0; c < n_cols; c++) {
      g_autoptr(GVariant) v = g_variant_dict_lookup_value (dict, cols[c].key, NULL);
      gchar *cell = format_value (v, cols[c].type);

      width[c] = MAX (width[c], (gsize) g_utf8_strlen (cell, -1));
      g_ptr_array_add (cells, cell);
    }
  }
  if (header) {
    for (guint c = 0; c < n_cols; c++)
      printf ("%-*s%s", c + 1 < n_cols ? (int) width[c] : 0, cols[c].header,
              c + 1 < n_cols ? "  " : "\n");
  }
  for (gsize r = 0; r < n_rows; r++) {
    for (guint c = 0; c < n_cols; c++) {
      const gchar *cell = g_ptr_array_index (cells, r * n_cols + c);
      gsize pad = width[c] - (gsize) g_utf8_strlen (cell, -1);

      if (c + 1 < n_cols)
        printf ("%s%*s  ", cell, (int) pad, "");
      else
        printf ("%s\n", cell);
    }
  }
  if (n_rows == 0 && header)
    printf ("(none)\n");
}

static void
append_json_string (GString *s, const gchar *str)
{
  g_string_append_c (s, '"');
  for (const guchar *p = (const guchar *) str; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf (s, "\\%c", *p);
    else if (*p < 0x20)
      g_string_append_printf (s, "\\u%04x", *p);
    else
      g_string_append_c (s, (gchar) *p);
  }
  g_string_append_c (s, '"');
}

static void
write_all (const gchar *data, gsize len)
{
  while (len > 0) {
    ssize_t n = write (STDOUT_FILENO, data, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    data += n;
    len -= (gsize) n;
  }
}

void
ctl_print_secret (const CtlMember *members, guint n, gboolean json)
{
  /* preallocated so that no reallocation leaves a copy behind */
  GString *s = g_string_sized_new (4096);
  gsize cap = s->allocated_len;

  if (json)
    g_string_append (s, "{\n");
  for (guint i = 0; i < n; i++) {
    const CtlMember *m = &members[i];

    if (!json) {
      if (m->number)
        g_string_append_printf (s, "%s  %" G_GUINT64_FORMAT "\n", m->key, m->num);
      else if (m->str && m->key)
        g_string_append_printf (s, "%s  %s\n", m->key, m->str);
      else if (m->str)
        g_string_append_printf (s, "%s\n", m->str);
      continue;
    }
    g_string_append (s, "  ");
    append_json_string (s, m->key);
    g_string_append (s, " : ");
    if (m->number)
      g_string_append_printf (s, "%" G_GUINT64_FORMAT, m->num);
    else if (m->str)
      append_json_string (s, m->str);
    else
      g_string_append (s, "null");
    g_string_append (s, i + 1 < n ? ",\n" : "\n");
  }
  if (json)
    g_string_append (s, "}\n");
  fflush (stdout);
  write_all (s->str, s->len);
  explicit_bzero (s->str, MAX (cap, s->allocated_len));
  g_string_free (s, TRUE);
}

/* A scalar, a string list or a tuple as one short line. */
static gchar *
format_plain (GVariant *v)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return printable (g_variant_get_string (v, NULL));
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY)) {
    g_autofree const gchar **strv = g_variant_get_strv (v, NULL);
    return *strv ? g_strjoinv (", ", (gchar **) strv) : g_strdup ("(none)");
  }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE ("(su)"))) {
    const gchar *addr;
    guint32 n;

    g_variant_get (v, "(&su)", &addr, &n);
    return g_strdup_printf ("%s (%u client%s)", *addr ? addr : "-", n, n == 1 ? "" : "s");
  }
  return g_variant_print (v, FALSE);
}

void
ctl_print_dict (GVariant *dict, guint indent)
{
  GVariantIter iter;
  const gchar *key;
  GVariant *v;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&s@*}", &key, &v)) {
    GVariant *inner = g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT)
        ? g_variant_get_variant (v) : g_variant_ref (v);

    if (g_variant_is_of_type (inner, G_VARIANT_TYPE ("a{s*}"))) {
      printf ("%*s%s:%s\n", (int) indent, "", key, g_variant_n_children (inner) ? "" : " (none)");
      ctl_print_dict (inner, indent + 2);
    } else {
      g_autofree gchar *s = format_plain (inner);
      printf ("%*s%s: %s\n", (int) indent, "", key, s);
    }
    g_variant_unref (inner);
    g_variant_unref (v);
  }
}
