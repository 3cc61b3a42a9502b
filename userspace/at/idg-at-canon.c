/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-at-canon.h"
#include "idg-at-filter.h"
#include "idg-at-parse.h"

#include <string.h>

/*
 * V.250 line editing and command line syntax, read strictly, re-encoded by
 * the door (idg-at-canon.h). Pure.
 */

#define MAX_COMMANDS 64
#define MAX_NUMBER   255

struct _IdgAtCanon {
  guint8   s3;          /* command line termination character */
  guint8   s4;          /* response formatting character (not special on input) */
  guint8   s5;          /* command line editing character */
  GString *line;        /* the line being received, edited */
  gboolean overflow;
  gchar   *last;        /* the last command line received, edited, for "A/" */
  GString *canonical;   /* the last IDG_AT_CANON_SEND line */
};

typedef struct {
  gchar     *text;      /* canonical text of the command */
  gboolean   extended;
  gchar     *name;      /* as idg-at-parse.c names it */
  IdgAtType  type;
  gchar     *args;      /* extended SET: the arguments, canonical */
} Piece;

static void
piece_free (gpointer data)
{
  Piece *p = data;

  g_free (p->text);
  g_free (p->name);
  g_free (p->args);
  g_free (p);
}

static Piece *
piece_add (GPtrArray   *pieces,
           gchar       *text,
           gboolean     extended,
           gchar       *name,
           IdgAtType    type,
           gchar       *args)
{
  Piece *p = g_new0 (Piece, 1);

  p->text = text;
  p->extended = extended;
  p->name = name;
  p->type = type;
  p->args = args;
  g_ptr_array_add (pieces, p);
  return p;
}

/* idg-at-parse.c's characters of an extended command name */
static gboolean
is_name_char (gchar c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '-' || c == '/' || c == ':' || c == '%';
}

static gboolean
is_arg_char (gchar c)
{
  return g_ascii_isalnum (c) || strchr (",.+-*#()/:_@", c) != NULL;
}

static gboolean
is_dial_char (gchar c)
{
  return g_ascii_isdigit (c) || strchr ("*#+,!@ABCDGIPTW>", c) != NULL;
}

/* Up to 3 decimal digits at s[*i], at most MAX_NUMBER; *value -1 if none. */
static gboolean
small_number (const gchar *s,
              gsize       *i,
              gsize        n,
              gint        *value)
{
  gsize start = *i;
  gint v = 0;

  while (*i < n && g_ascii_isdigit (s[*i])) {
    if (*i - start >= 3)
      return FALSE;
    v = v * 10 + (s[*i] - '0');
    (*i)++;
  }
  if (v > MAX_NUMBER)
    return FALSE;
  *value = *i > start ? v : -1;
  return TRUE;
}

/* A +CRSM pathid: "" or a quoted path of dedicated files only (3F00, 7Fxx,
 * 5Fxx, at most 4 levels): the file read is the fileid, never an EF named
 * in the path. */
static gboolean
crsm_path (const gchar *f)
{
  gsize n = strlen (f), i;

  if (n == 0)
    return TRUE;
  if (n < 2 || f[0] != '"' || f[n - 1] != '"' || (n - 2) % 4 != 0 || n - 2 > 16)
    return FALSE;
  for (i = 1; i + 1 < n; i += 4) {
    if (!g_ascii_isxdigit (f[i + 2]) || !g_ascii_isxdigit (f[i + 3]))
      return FALSE;
    if (g_ascii_strncasecmp (f + i, "3F00", 4) != 0 && g_ascii_strncasecmp (f + i, "7F", 2) != 0 &&
        g_ascii_strncasecmp (f + i, "5F", 2) != 0)
      return FALSE;
  }
  return TRUE;
}

/* +CRSM=command,fileid[,P1,P2,P3[,data[,pathid]]]: the numbers re-encoded
 * from their values, data empty for a read, the path of DFs only; NULL if
 * not so. */
static gchar *
crsm_args (const gchar *args)
{
  static const guint64 max[5] = { 255, 0xFFFF, 255, 255, 255 };
  g_auto(GStrv) f = g_strsplit (args, ",", 0);
  GString *out = g_string_new (NULL);
  guint n = g_strv_length (f), k;

  /* quoted data or path may hold no ','; a ',' in a quote is no number */
  for (k = 0; k < n; k++) {
    if (k > 0)
      g_string_append_c (out, ',');
    if (k < 5) {
      guint64 v;
      gchar *end = NULL;
      gsize d;

      for (d = 0; f[k][d]; d++)
        if (!g_ascii_isdigit (f[k][d]))
          break;
      if (d == 0 || f[k][d] != '\0' || d > 10)
        goto fail;
      v = g_ascii_strtoull (f[k], &end, 10);
      if (v > max[k])
        goto fail;
      g_string_append_printf (out, "%u", (guint) v);
    } else {
      /* a read carries no data; the path names dedicated files */
      if (k == 5 && *f[k] && (g_str_equal (f[0], "176") || g_str_equal (f[0], "178")))
        goto fail;
      if ((k == 6 && !crsm_path (f[k])) || k > 6)
        goto fail;
      g_string_append (out, f[k]);
    }
  }
  if (n > 2 && n < 5)
    goto fail;
  return g_string_free (out, FALSE);
fail:
  g_string_free (out, TRUE);
  return NULL;
}

/* Extended commands that would take the port from the door: data mode,
 * a multiplexer, another bit rate or character framing. */
static gboolean
framing_command (const gchar *name,
                 IdgAtType    type)
{
  if (strcmp (name, "+CGDATA") == 0)
    return TRUE;
  return type == IDG_AT_TYPE_SET &&
         (strcmp (name, "+CMUX") == 0 || strcmp (name, "+IPR") == 0 || strcmp (name, "+ICF") == 0);
}

/* "?" (read) or "=?" (test) at s[*i]: TRUE, *type set, *i past it. */
static gboolean
query (const gchar *s,
       gsize       *i,
       gsize        n,
       IdgAtType   *type)
{
  if (*i < n && s[*i] == '?') {
    *type = IDG_AT_TYPE_READ;
    *i += 1;
    return TRUE;
  }
  if (*i + 1 < n && s[*i] == '=' && s[*i + 1] == '?') {
    *type = IDG_AT_TYPE_TEST;
    *i += 2;
    return TRUE;
  }
  return FALSE;
}

static gboolean
parse_extended (const gchar *s,
                gsize       *pi,
                gsize        n,
                GPtrArray   *pieces)
{
  gsize i = *pi, start = i;
  g_autofree gchar *name = NULL;
  g_autofree gchar *args = NULL;
  IdgAtType type = IDG_AT_TYPE_EXEC;
  GString *text;

  for (i++; i < n && is_name_char (s[i]); i++)
    ;
  if (i - start < 2 || i - start >= IDG_AT_MAX_NAME)
    return FALSE;
  name = g_strndup (s + start, i - start);
  if (query (s, &i, n, &type)) {
    /* read or test */
  } else if (i < n && s[i] == '=') {
    gboolean quoted = FALSE;
    gsize a = ++i;

    type = IDG_AT_TYPE_SET;
    for (; i < n; i++) {
      if (s[i] == '"')
        quoted = !quoted;
      else if (!quoted && s[i] == ';')
        break;
      else if (!quoted && !is_arg_char (s[i]))
        return FALSE;
    }
    args = g_strndup (s + a, i - a);
  }
  if (i < n && s[i] != ';')
    return FALSE;
  if (framing_command (name, type))
    return FALSE;
  if (g_str_has_suffix (name, "CRSM") && type == IDG_AT_TYPE_SET) {
    gchar *canon = crsm_args (args);

    if (!canon)
      return FALSE;
    g_free (args);
    args = canon;
  }
  text = g_string_new (name);
  switch (type) {
  case IDG_AT_TYPE_EXEC:
    break;
  case IDG_AT_TYPE_READ:
    g_string_append_c (text, '?');
    break;
  case IDG_AT_TYPE_TEST:
    g_string_append (text, "=?");
    break;
  case IDG_AT_TYPE_SET:
    g_string_append_printf (text, "=%s", args);
    break;
  }
  piece_add (pieces, g_string_free (text, FALSE), TRUE, g_steal_pointer (&name), type,
             g_steal_pointer (&args));
  *pi = i;
  return TRUE;
}

static gboolean
parse_basic (const gchar *s,
             gsize       *pi,
             gsize        n,
             GPtrArray   *pieces)
{
  gsize i = *pi;
  gchar c = s[i++];
  IdgAtType type = IDG_AT_TYPE_EXEC;
  gchar name[3] = { c, 0, 0 };
  gint value = -1, reg = -1;
  gsize start;

  if (c == 'D') {
    /* a voice call: the dial string, then ';', last on the line */
    start = i;
    while (i < n && is_dial_char (s[i]))
      i++;
    if (i >= n || s[i] != ';' || i + 1 != n || i == start)
      return FALSE;
    piece_add (pieces, g_strdup_printf ("D%.*s;", (int) (i - start), s + start), FALSE,
               g_strdup ("D"), IDG_AT_TYPE_SET, g_strndup (s + start, i - start));
    *pi = n;
    return TRUE;
  }
  if (c == '&') {
    if (i >= n || !g_ascii_isalpha (s[i]))
      return FALSE;
    name[1] = s[i++];
  }
  start = i;
  if (c == 'S') {
    if (!small_number (s, &i, n, &reg) || reg < 0)
      return FALSE;
    if (i < n && s[i] == '?') {
      type = IDG_AT_TYPE_READ;
      i++;
    } else if (i < n && s[i] == '=') {
      /* no "Sn=?": a modem may read it as "Sn=" (0) and a '?' */
      type = IDG_AT_TYPE_SET;
      i++;
      if (!small_number (s, &i, n, &value))
        return FALSE;
      /* S3, S4, S5 frame every later line: never changed */
      if (reg == 3 || reg == 4 || reg == 5)
        return FALSE;
    } else {
      return FALSE;
    }
  } else {
    /* a number, never a '?' (only S registers are read so: a modem
     * runs "E?" as E0 and chokes on the '?') */
    if (!small_number (s, &i, n, &value))
      return FALSE;
    if (name[1] == 0 &&
        ((c == 'V' && value <= 0) ||          /* numeric result codes */
         (c == 'Q' && value > 0) ||           /* no result codes */
         c == 'O'))                           /* back to data mode */
      return FALSE;
  }
  piece_add (pieces, g_strdup_printf ("%s%.*s", name, (int) (i - start), s + start), FALSE,
             g_strdup (name), type, NULL);
  *pi = i;
  return TRUE;
}

/* The commands of a line after its "AT", blanks removed and upper-cased
 * outside strings. */
static gboolean
parse_body (const gchar *s,
            gsize        n,
            GPtrArray   *pieces)
{
  gsize i = 0;

  while (i < n) {
    gchar c = s[i];

    if (pieces->len >= MAX_COMMANDS)
      return FALSE;
    if (pieces->len > 0 && strcmp (((Piece *) g_ptr_array_index (pieces, pieces->len - 1))->name, "D") == 0)
      return FALSE;                     /* nothing after a dial */
    if (c == ';') {
      i++;
    } else if (idg_at_is_ext_prefix (c)) {
      if (!parse_extended (s, &i, n, pieces))
        return FALSE;
    } else if (g_ascii_isalpha (c) || c == '&') {
      if (!parse_basic (s, &i, n, pieces))
        return FALSE;
    } else {
      return FALSE;
    }
  }
  return TRUE;
}

/* One edited line: IGNORE without "AT", REFUSE, or SEND with its commands
 * appended to pieces. */
static IdgAtCanonResult
parse_line (const gchar *line,
            gsize        len,
            GPtrArray   *pieces)
{
  g_autoptr(GString) body = NULL;
  gboolean quoted = FALSE;
  gsize i = idg_at_skip_blanks (line, 0, len);

  if (i + 1 >= len || g_ascii_toupper (line[i]) != 'A' || g_ascii_toupper (line[i + 1]) != 'T')
    return IDG_AT_CANON_IGNORE;
  body = g_string_sized_new (len);
  for (i += 2; i < len; i++) {
    gchar c = line[i];

    if ((guchar) c < 0x20 || (guchar) c > 0x7E)
      return IDG_AT_CANON_REFUSE;
    if (c == '"')
      quoted = !quoted;
    else if (quoted && c == '\\')
      return IDG_AT_CANON_REFUSE;
    if (!quoted && idg_at_is_blank (c))
      continue;
    g_string_append_c (body, quoted ? c : g_ascii_toupper (c));
  }
  if (quoted || !parse_body (body->str, body->len, pieces))
    return IDG_AT_CANON_REFUSE;
  return IDG_AT_CANON_SEND;
}

/* "AT" and the commands; an extended command is followed by ';' when
 * another command follows. */
static void
encode (GPtrArray *pieces,
        GString   *out)
{
  guint k;

  g_string_assign (out, "AT");
  for (k = 0; k < pieces->len; k++) {
    Piece *p = g_ptr_array_index (pieces, k);

    g_string_append (out, p->text);
    if (p->extended && k + 1 < pieces->len)
      g_string_append_c (out, ';');
  }
}

/* TRUE if the AT filter reads the canonical line as the commands we
 * understood: one judgement. */
static gboolean
filter_agrees (GPtrArray   *pieces,
               const gchar *canonical)
{
  gboolean complete = FALSE;
  g_autoptr(GPtrArray) cmds = idg_at_parse_line (canonical, strlen (canonical), &complete);
  guint k;

  if (!complete || cmds->len != pieces->len)
    return FALSE;
  for (k = 0; k < cmds->len; k++) {
    IdgAtCommand *c = g_ptr_array_index (cmds, k);
    Piece *p = g_ptr_array_index (pieces, k);

    if (strcmp (c->name, p->name) != 0 || c->type != p->type)
      return FALSE;
    if (p->extended && p->type == IDG_AT_TYPE_SET && strcmp (c->args, p->args) != 0)
      return FALSE;
  }
  return TRUE;
}

static IdgAtCanonResult
canonicalise (const gchar *line,
              gsize        len,
              GString     *out)
{
  g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func (piece_free);
  IdgAtCanonResult r = parse_line (line, len, pieces);

  if (r != IDG_AT_CANON_SEND)
    return r;
  encode (pieces, out);
  return filter_agrees (pieces, out->str) ? IDG_AT_CANON_SEND : IDG_AT_CANON_REFUSE;
}

IdgAtCanon *
idg_at_canon_new (void)
{
  IdgAtCanon *canon = g_new0 (IdgAtCanon, 1);

  canon->s3 = 13;
  canon->s4 = 10;
  canon->s5 = 8;
  canon->line = g_string_sized_new (128);
  canon->canonical = g_string_sized_new (128);
  return canon;
}

void
idg_at_canon_free (IdgAtCanon *canon)
{
  if (!canon)
    return;
  g_string_free (canon->line, TRUE);
  g_string_free (canon->canonical, TRUE);
  g_free (canon->last);
  g_free (canon);
}

/* A complete line (S3 seen, or "A/"). */
static IdgAtCanonResult
line_done (IdgAtCanon  *canon,
           const gchar *line,
           gsize        len)
{
  IdgAtCanonResult r = canonicalise (line, len, canon->canonical);

  if (r != IDG_AT_CANON_IGNORE) {
    gchar *copy = g_strndup (line, len);

    g_free (canon->last);
    canon->last = copy;
  }
  return r;
}

IdgAtCanonResult
idg_at_canon_feed (IdgAtCanon  *canon,
                   const gchar *data,
                   gsize        len,
                   gsize       *consumed)
{
  gsize i;

  g_string_truncate (canon->canonical, 0);
  for (i = 0; i < len; i++) {
    guint8 c = (guint8) data[i];

    if (c == canon->s3) {
      IdgAtCanonResult r;

      *consumed = i + 1;
      if (canon->overflow)
        r = IDG_AT_CANON_REFUSE;
      else
        r = line_done (canon, canon->line->str, canon->line->len);
      g_string_truncate (canon->line, 0);
      canon->overflow = FALSE;
      return r;
    }
    if (c == canon->s5) {
      if (canon->line->len > 0)
        g_string_truncate (canon->line, canon->line->len - 1);
      continue;
    }
    if (c < 0x20)
      continue;                         /* S4 and the other controls */
    if (c == '/' && !canon->overflow && canon->line->len == 1 &&
        g_ascii_toupper (canon->line->str[0]) == 'A') {
      IdgAtCanonResult r = IDG_AT_CANON_REFUSE;

      *consumed = i + 1;
      g_string_truncate (canon->line, 0);
      if (canon->last) {
        /* the same line again, judged again; it stays the last line */
        r = canonicalise (canon->last, strlen (canon->last), canon->canonical);
        if (r == IDG_AT_CANON_IGNORE)
          r = IDG_AT_CANON_REFUSE;
      }
      return r;
    }
    if (canon->line->len >= IDG_AT_CANON_MAX_LINE)
      canon->overflow = TRUE;
    else
      g_string_append_c (canon->line, (gchar) c);
  }
  *consumed = len;
  return IDG_AT_CANON_MORE;
}

const gchar *
idg_at_canon_line (const IdgAtCanon *canon)
{
  return canon->canonical->str;
}

gchar *
idg_at_canon_buffer (IdgGuard     *guard,
                     const gchar  *buf,
                     gsize         len,
                     const gchar **refusal)
{
  g_autoptr(IdgAtCanon) canon = idg_at_canon_new ();
  g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func (piece_free);
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean any = FALSE;
  gsize pos = 0;

  *refusal = IDG_AT_CANON_ERROR;
  while (pos < len || canon->line->len > 0 || canon->overflow) {
    IdgAtCanonResult r;
    gsize used = 0;
    const gchar *text;
    gsize text_len;

    if (pos < len) {
      r = idg_at_canon_feed (canon, buf + pos, len - pos, &used);
      pos += used;
    } else {
      /* the end of the buffer ends its last line */
      r = canon->overflow ? IDG_AT_CANON_REFUSE : line_done (canon, canon->line->str, canon->line->len);
      g_string_truncate (canon->line, 0);
      canon->overflow = FALSE;
    }
    switch (r) {
    case IDG_AT_CANON_MORE:
    case IDG_AT_CANON_IGNORE:
      continue;
    case IDG_AT_CANON_REFUSE:
      return NULL;
    case IDG_AT_CANON_SEND:
      break;
    }
    /* the line's commands once more, into the joined line */
    text = canon->canonical->str;
    text_len = canon->canonical->len;
    if (parse_line (text, text_len, pieces) != IDG_AT_CANON_SEND)
      return NULL;
    any = TRUE;
  }
  if (!any || pieces->len > MAX_COMMANDS)
    return NULL;
  {
    guint k;

    /* a dial ends its line: only the last line may hold one */
    for (k = 0; k + 1 < pieces->len; k++)
      if (strcmp (((Piece *) g_ptr_array_index (pieces, k))->name, "D") == 0)
        return NULL;
  }
  encode (pieces, out);
  if (!filter_agrees (pieces, out->str))
    return NULL;
  *refusal = idg_at_filter_request (guard, out->str, out->len);
  if (*refusal)
    return NULL;
  g_string_append_c (out, '\r');
  return g_string_free (g_steal_pointer (&out), FALSE);
}
