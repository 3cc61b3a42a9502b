/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-at-parse.h"

#include <string.h>

#define MAX_COMMANDS 64

/*
 * AT command lines (V.250 5.2: basic and extended syntax) and final result
 * codes. Pure.
 */

static void
command_free (gpointer data)
{
  IdgAtCommand *cmd = data;

  g_free (cmd->name);
  g_free (cmd->args);
  g_free (cmd);
}

/* Copies line[from..to) without spaces outside quotes, upper-cased outside
 * quotes. */
static gchar *
normalise (const gchar *s,
           gsize        from,
           gsize        to)
{
  GString *out = g_string_sized_new (to - from);
  gboolean quoted = FALSE;
  gsize i;

  for (i = from; i < to; i++) {
    gchar c = s[i];

    if (c == '"')
      quoted = !quoted;
    if (!quoted && (c == ' ' || c == '\t'))
      continue;
    g_string_append_c (out, quoted ? c : g_ascii_toupper (c));
  }
  return g_string_free (out, FALSE);
}

static void
add_command (GPtrArray   *cmds,
             gchar       *name,
             IdgAtType    type,
             gchar       *args)
{
  IdgAtCommand *cmd = g_new0 (IdgAtCommand, 1);

  cmd->name = name;
  cmd->type = type;
  cmd->args = args ? args : g_strdup ("");
  g_ptr_array_add (cmds, cmd);
}

static gboolean
is_name_char (gchar c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '-' || c == '/' || c == ':' || c == '%';
}

/* End of the argument list of an extended command: the ';' outside quotes
 * or the end of the line. */
static gsize
args_end (const gchar *s,
          gsize        i,
          gsize        len)
{
  gboolean quoted = FALSE;

  for (; i < len; i++) {
    if (s[i] == '"')
      quoted = !quoted;
    else if (!quoted && s[i] == ';')
      break;
  }
  return i;
}

static gsize
parse_extended (const gchar *s,
                gsize        i,
                gsize        len,
                GPtrArray   *cmds)
{
  GString *name = g_string_new (NULL);
  IdgAtType type = IDG_AT_TYPE_EXEC;
  gchar *args = NULL;

  g_string_append_c (name, s[i++]);
  for (; i < len; i++) {
    if (idg_at_is_blank (s[i]))
      continue;
    if (!is_name_char (s[i]) || name->len >= IDG_AT_MAX_NAME)
      break;
    g_string_append_c (name, g_ascii_toupper (s[i]));
  }
  i = idg_at_skip_blanks (s, i, len);
  if (i < len && s[i] == '?') {
    type = IDG_AT_TYPE_READ;
    i++;
  } else if (i < len && s[i] == '=') {
    gsize j = idg_at_skip_blanks (s, i + 1, len);

    if (j < len && s[j] == '?') {
      type = IDG_AT_TYPE_TEST;
      i = j + 1;
    } else {
      gsize end = args_end (s, j, len);

      type = IDG_AT_TYPE_SET;
      args = normalise (s, j, end);
      i = end;
    }
  }
  add_command (cmds, g_string_free (name, FALSE), type, args);
  /* anything up to the ';' that we did not understand is dropped here: the
   * modem sees it, and the reply filter treats the command by its name */
  return args_end (s, i, len);
}

static gsize
skip_digits (const gchar *s,
             gsize        i,
             gsize        len)
{
  while (i < len && (g_ascii_isdigit (s[i]) || idg_at_is_blank (s[i])))
    i++;
  return i;
}

/* Basic command at s[i] (a letter, '&' letter, S register); returns the
 * index after it. */
static gsize
parse_basic (const gchar *s,
             gsize        i,
             gsize        len,
             GPtrArray   *cmds)
{
  gchar name[3] = { 0, 0, 0 };
  IdgAtType type = IDG_AT_TYPE_EXEC;
  gsize start;

  if (s[i] == '&') {
    i = idg_at_skip_blanks (s, i + 1, len);
    if (i >= len || !g_ascii_isalpha (s[i])) {
      add_command (cmds, g_strdup ("&"), IDG_AT_TYPE_EXEC, NULL);
      return i;
    }
    name[0] = '&';
    name[1] = g_ascii_toupper (s[i++]);
  } else {
    name[0] = g_ascii_toupper (s[i++]);
  }

  if (name[0] == 'D') {
    /* dial string: the rest of the command line up to ';' */
    gsize end = args_end (s, i, len);

    add_command (cmds, g_strdup (name), IDG_AT_TYPE_SET, normalise (s, i, end));
    return end < len ? end + 1 : end;
  }
  start = idg_at_skip_blanks (s, i, len);
  i = skip_digits (s, start, len);
  if (i < len && s[i] == '?') {
    type = IDG_AT_TYPE_READ;
    i++;
  } else if (name[0] == 'S' && name[1] == 0 && i < len && s[i] == '=') {
    /* S register: "S7=60", "S7=?" */
    type = IDG_AT_TYPE_SET;
    i = idg_at_skip_blanks (s, i + 1, len);
    if (i < len && s[i] == '?') {
      type = IDG_AT_TYPE_TEST;
      i++;
    }
    i = skip_digits (s, i, len);
  }
  add_command (cmds, g_strdup (name), type, normalise (s, start, i));
  return i;
}

GPtrArray *
idg_at_parse_line (const gchar *line,
                   gsize        len,
                   gboolean    *complete)
{
  GPtrArray *cmds = g_ptr_array_new_with_free_func (command_free);
  gboolean ok = TRUE;
  gsize i = 0;

  /* drop the line end and leading blanks, then the "AT" prefix */
  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == '\0'))
    len--;
  i = idg_at_skip_blanks (line, 0, len);
  while (i < len && (line[i] == '\r' || line[i] == '\n'))
    i = idg_at_skip_blanks (line, i + 1, len);
  if (i + 1 < len && g_ascii_toupper (line[i]) == 'A' && g_ascii_toupper (line[i + 1]) == 'T')
    i += 2;

  while (i < len) {
    gchar c = line[i];

    if (cmds->len >= MAX_COMMANDS) {
      ok = FALSE;
      break;
    }
    if (idg_at_is_blank (c) || c == ';') {
      i++;
    } else if (idg_at_is_ext_prefix (c)) {
      i = parse_extended (line, i, len, cmds);
    } else if (g_ascii_isalpha (c) || c == '&') {
      i = parse_basic (line, i, len, cmds);
    } else {
      ok = FALSE;
      break;
    }
  }
  if (complete)
    *complete = ok;
  return cmds;
}

/* Final result codes */

typedef struct {
  const gchar *text;
  gboolean     prefix;   /* the code may be followed by more text */
  gboolean     error;
} Final;

static const Final finals[] = {
  { "OK", FALSE, FALSE },
  { "CONNECT", TRUE, FALSE },
  { "ERROR", FALSE, TRUE },
  { "+CME ERROR:", TRUE, TRUE },
  { "+CMS ERROR:", TRUE, TRUE },
  { "+CME ERROR", FALSE, TRUE },
  { "NO CARRIER", FALSE, TRUE },
  { "BUSY", FALSE, TRUE },
  { "NO ANSWER", FALSE, TRUE },
  { "NO DIALTONE", FALSE, TRUE },
  { "NO DIAL TONE", FALSE, TRUE },
  { "COMMAND NOT SUPPORT", FALSE, TRUE },
  { "TOO MANY PARAMETERS", FALSE, TRUE },
};

static const Final *
find_final (const gchar *line,
            gsize        len)
{
  gsize i;

  while (len > 0 && idg_at_is_blank (line[len - 1]))
    len--;
  while (len > 0 && idg_at_is_blank (line[0])) {
    line++;
    len--;
  }
  for (i = 0; i < G_N_ELEMENTS (finals); i++) {
    gsize n = strlen (finals[i].text);

    if (len < n || g_ascii_strncasecmp (line, finals[i].text, n) != 0)
      continue;
    if (len == n || finals[i].prefix)
      return &finals[i];
  }
  return NULL;
}

gboolean
idg_at_is_final (const gchar *line,
                 gsize        len)
{
  return find_final (line, len) != NULL;
}

gboolean
idg_at_is_error (const gchar *line,
                 gsize        len)
{
  const Final *f = find_final (line, len);

  return f && f->error;
}
