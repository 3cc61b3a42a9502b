/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "sim-at-private.h"

static void
reset_settings (SimAt *self)
{
  self->echo = TRUE;
  self->verbose = TRUE;
  self->quiet = FALSE;
  self->cmee = 0;
  self->creg_n = self->cgreg_n = self->cereg_n = 0;
  self->cops_format = 0;
  sim_apdu_channels_reset (&self->channels);
  /* V.250 defaults: S3 CR, S4 LF, S5 BS (and escape '+', connect wait) */
  memset (self->sreg, 0, sizeof self->sreg);
  self->sreg[2] = '+';
  self->sreg[3] = '\r';
  self->sreg[4] = '\n';
  self->sreg[5] = 8;
  self->sreg[7] = 50;
}

SimAt *
sim_at_new (const SimIds *ids)
{
  SimAt *self = g_new0 (SimAt, 1);

  self->ids = ids;
  self->line = g_string_sized_new (128);
  self->urcs = g_string_new (NULL);
  self->cfun = 1;
  reset_settings (self);
  return self;
}

void
sim_at_free (SimAt *self)
{
  if (!self)
    return;
  g_string_free (self->line, TRUE);
  g_string_free (self->urcs, TRUE);
  g_free (self->last_line);
  g_free (self);
}

void
sim_at_set_trace (SimAt          *self,
                  SimAtTraceFunc  func,
                  gpointer        user_data)
{
  self->trace = func;
  self->trace_data = user_data;
}

static void
trace (SimAt       *self,
       const gchar *command,
       gsize        len)
{
  g_autofree gchar *text = NULL;

  if (!self->trace)
    return;
  if (command)
    text = g_strndup (command, len);
  self->trace (text, self->trace_data);
}

/* ------------------------------------------------------------------------ */
/* helpers */

void
sim_at_info (GString *resp, const gchar *format, ...)
{
  va_list ap;

  if (resp->len == 0)
    g_string_append (resp, "\r\n");
  va_start (ap, format);
  g_string_append_vprintf (resp, format, ap);
  va_end (ap);
  g_string_append (resp, "\r\n");
}

SimAtResult
sim_at_cme (SimAt *self, guint code)
{
  self->cme = code;
  return SIM_AT_CME;
}

/* Basic commands: a letter (or & and a letter) and an optional number.
 * Returns the number of characters used, 0 on an unknown command. */
static gsize
run_basic (SimAt *self, const gchar *p, SimAtResult *result, GString *resp)
{
  gchar c = g_ascii_toupper (p[0]);
  gsize n = 1;
  guint value = 0;

  if (c == '&') {
    if (!g_ascii_isalpha (p[1]))
      return 0;
    n = 2;
    while (g_ascii_isdigit (p[n]))
      n++;
    if (g_ascii_toupper (p[1]) == 'F')
      reset_settings (self);
    *result = SIM_AT_OK;
    return n;
  }
  if (c == 'D') {                     /* dial: the rest of the line */
    *result = SIM_AT_NO_CARRIER;
    return strlen (p);
  }
  if (c == 'S') {                     /* Sn=v / Sn? */
    guint reg = 0;
    gsize start = n;

    while (g_ascii_isdigit (p[n])) {
      reg = reg * 10 + (guint) (p[n] - '0');
      if (reg >= SIM_AT_S_REGISTERS)
        return 0;
      n++;
    }
    if (n == start)
      return 0;
    if (p[n] == '?') {
      sim_at_info (resp, "%03u", self->sreg[reg]);
      n++;
    } else if (p[n] == '=') {
      n++;
      while (g_ascii_isdigit (p[n])) {
        value = value * 10 + (guint) (p[n] - '0');
        if (value > 255)
          return 0;
        n++;
      }
      self->sreg[reg] = (guint8) value;
    } else {
      return 0;
    }
    *result = SIM_AT_OK;
    return n;
  }
  while (g_ascii_isdigit (p[n])) {
    value = value * 10 + (guint) (p[n] - '0');
    if (value > 255)
      return 0;
    n++;
  }
  *result = SIM_AT_OK;
  switch (c) {
  case 'E': self->echo = value != 0; break;
  case 'V': self->verbose = value != 0; break;
  case 'Q': self->quiet = value != 0; break;
  case 'Z': reset_settings (self); break;
  case 'I':
    if (value > 9)
      return 0;
    sim_at_product_info (self, resp);
    break;
  case 'H': case 'X': case 'L': case 'M': case 'T': case 'P':
    break;
  case 'A':
    *result = SIM_AT_NO_CARRIER;
    break;
  default:
    return 0;
  }
  return n;
}

static void
final (SimAt *self, SimAtResult result, GString *resp)
{
  const gchar *text = "OK";
  guint code = 0;

  if (self->quiet)
    return;
  switch (result) {
  case SIM_AT_OK:
    text = "OK"; code = 0;
    break;
  case SIM_AT_ERROR:
    text = "ERROR"; code = 4;
    break;
  case SIM_AT_NO_CARRIER:
    text = "NO CARRIER"; code = 3;
    break;
  case SIM_AT_CME:
    if (self->cmee == 0) {
      text = "ERROR"; code = 4;
      break;
    }
    if (self->verbose || self->cmee) {
      g_string_append_printf (resp, self->verbose ? "\r\n+CME ERROR: %u\r\n" : "+CME ERROR: %u\r\n", self->cme);
      return;
    }
    break;
  }
  if (self->verbose)
    g_string_append_printf (resp, "\r\n%s\r\n", text);
  else
    g_string_append_printf (resp, "%u\r", code);
}

gchar *
sim_at_run_line (SimAt       *self,
                 const gchar *line)
{
  GString *resp = g_string_new (NULL);
  SimAtResult result = SIM_AT_OK;
  const gchar *p = line;

  while (*p && result == SIM_AT_OK) {
    if (*p == ';' || *p == ' ') {
      p++;
      continue;
    }
    if (strchr ("+^!#$%*", *p)) {
      const gchar *end = p;
      g_autofree gchar *cmd = NULL;
      gboolean quoted = FALSE;

      while (*end && (quoted || *end != ';')) {
        if (*end == '"')
          quoted = !quoted;
        end++;
      }
      cmd = g_strndup (p, (gsize) (end - p));
      trace (self, cmd, strlen (cmd));
      result = sim_at_run_extended (self, cmd, resp);
      p = end;
    } else {
      gsize n = run_basic (self, p, &result, resp);

      if (n == 0) {
        result = SIM_AT_ERROR;
        break;
      }
      trace (self, p, n);
      p += n;
    }
  }
  if (!self->verbose) {
    /* V0: info lines without the leading CR LF */
    if (g_str_has_prefix (resp->str, "\r\n"))
      g_string_erase (resp, 0, 2);
  }
  final (self, result, resp);
  return g_string_free (resp, FALSE);
}

/* Runs a command line ("AT..."); the reply framed with S3 and S4. */
static void
run_command_line (SimAt       *self,
                  const gchar *line,
                  GByteArray  *out)
{
  g_autofree gchar *resp = NULL;
  gchar *c;

  trace (self, NULL, 0);
  resp = sim_at_run_line (self, line + 2);
  for (c = resp; *c; c++) {
    if (*c == '\r')
      *c = (gchar) self->sreg[3];
    else if (*c == '\n')
      *c = (gchar) self->sreg[4];
  }
  g_byte_array_append (out, (const guint8 *) resp, (guint) strlen (resp));
}

static void
handle_line (SimAt *self, GByteArray *out)
{
  const gchar *s = self->line->str;
  gchar *line;

  while (*s == ' ')
    s++;
  if (g_ascii_strncasecmp (s, "AT", 2) != 0)
    return;                         /* not a command line: ignored */
  line = g_strdup (s);
  g_free (self->last_line);
  self->last_line = line;
  run_command_line (self, line, out);
}

/* Held unsolicited codes go out once no command line is half received. */
static void
flush_urcs (SimAt      *self,
            GByteArray *out)
{
  if (self->line->len > 0 || self->overflow || self->urcs->len == 0)
    return;
  g_byte_array_append (out, (const guint8 *) self->urcs->str, (guint) self->urcs->len);
  g_string_truncate (self->urcs, 0);
}

static void
queue_urc (SimAt       *self,
           const gchar *text)
{
  if (self->quiet)
    return;
  if (self->urcs->len > 4096)       /* a line that never ends: keep the news */
    g_string_truncate (self->urcs, 0);
  if (self->verbose)
    g_string_append_printf (self->urcs, "\r\n%s\r\n", text);
  else
    g_string_append_printf (self->urcs, "%s\r\n", text);
}

void
sim_at_sim_changed (SimAt      *self,
                    GByteArray *out)
{
  /* the card left and a new one is ready (no PIN in the simulator) */
  queue_urc (self, "+CPIN: NOT READY");
  queue_urc (self, "+CPIN: READY");
  flush_urcs (self, out);
}

void
sim_at_feed (SimAt        *self,
             const guint8 *data,
             gsize         len,
             GByteArray   *out)
{
  gsize i;

  for (i = 0; i < len; i++) {
    guint8 c = data[i];

    if (self->echo && c != '\n')
      g_byte_array_append (out, &c, 1);
    if (c == self->sreg[3]) {
      if (!self->overflow)
        handle_line (self, out);
      g_string_truncate (self->line, 0);
      self->overflow = FALSE;
      flush_urcs (self, out);
    } else if (c == self->sreg[5]) {
      if (self->line->len)
        g_string_truncate (self->line, self->line->len - 1);
    } else if (c < 0x20) {
      continue;                       /* V.250: other controls are ignored */
    } else if (c == '/' && !self->overflow && self->line->len == 1 &&
               g_ascii_toupper (self->line->str[0]) == 'A') {
      /* "A/": the last command line again, at once */
      g_string_truncate (self->line, 0);
      if (self->last_line) {
        g_autofree gchar *again = g_strdup (self->last_line);

        run_command_line (self, again, out);
      }
      flush_urcs (self, out);
    } else if (self->line->len >= SIM_AT_MAX_LINE) {
      self->overflow = TRUE;
    } else {
      g_string_append_c (self->line, (gchar) c);
    }
  }
}
