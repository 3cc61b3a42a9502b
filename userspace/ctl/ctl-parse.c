/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl-parse.h"

#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>

static gboolean invalid (GError **error, const gchar *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const gchar *fmt, ...)
{
  g_autofree gchar *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, msg);
  return FALSE;
}

#define DURATION_FMT "invalid duration '%s' (expected a number and s, m, h or d: 30s, 15m, 12h, 90d)"
#define TIME_FMT "invalid time '%s' (expected now, a duration ago such as 15m, @EPOCH, YYYY-MM-DD or ISO 8601)"

gboolean
ctl_parse_duration (const gchar  *str,
                    guint64      *seconds,
                    GError      **error)
{
  guint64 n = 0, unit;
  const gchar *p;

  if (!str || !g_ascii_isdigit (*str))
    return invalid (error, DURATION_FMT, str ? str : "");
  for (p = str; g_ascii_isdigit (*p); p++) {
    if (n > CTL_DURATION_MAX)
      return invalid (error, "duration '%s' is too long (at most 36500d)", str);
    n = n * 10 + (guint64) (*p - '0');
  }
  switch (*p) {
  case 's': unit = 1; break;
  case 'm': unit = 60; break;
  case 'h': unit = 3600; break;
  case 'd': unit = 86400; break;
  default:  return invalid (error, DURATION_FMT, str);
  }
  if (p[1] != '\0')
    return invalid (error, DURATION_FMT, str);
  if (n == 0)
    return invalid (error, "duration '%s' must be longer than zero", str);
  if (n > CTL_DURATION_MAX / unit)
    return invalid (error, "duration '%s' is too long (at most 36500d)", str);
  *seconds = n * unit;
  return TRUE;
}

static gboolean
is_number (const gchar *s)
{
  guint64 v;

  if (!*s || strlen (s) > 10)
    return FALSE;
  for (const gchar *p = s; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  v = g_ascii_strtoull (s, NULL, 10);
  return v < G_MAXUINT32;   /* (uid_t) -1 is not an id */
}

static gboolean
is_unit_name (const gchar *s)
{
  if (!*s || strlen (s) > 255)
    return FALSE;
  for (const gchar *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr (":-_.\\@", *p))
      return FALSE;
  return TRUE;
}

static gboolean
is_abs_path (const gchar *s)
{
  if (s[0] != '/' || strlen (s) > 4095)
    return FALSE;
  for (const gchar *p = s; *p; p++)
    if (g_ascii_iscntrl (*p))
      return FALSE;
  return TRUE;
}

gboolean
ctl_check_selector (const gchar  *str,
                    GError      **error)
{
  static const gchar *const keys[] = { "uid", "gid", "exe", "unit", "cgroup" };
  g_auto(GStrv) items = NULL;
  gboolean seen[G_N_ELEMENTS (keys)] = { FALSE, };

  if (!str || !*str)
    return invalid (error, "empty selector (expected uid:N, gid:N, exe:PATH, unit:NAME or cgroup:PATH, comma-separated)");
  items = g_strsplit (str, ",", -1);
  for (guint i = 0; items[i]; i++) {
    const gchar *colon = strchr (items[i], ':');
    const gchar *val;
    gsize k;
    gboolean ok = FALSE;

    if (!colon)
      return invalid (error, "selector item '%s' is not KEY:VALUE (uid, gid, exe, unit, cgroup)", items[i]);
    val = colon + 1;
    for (k = 0; k < G_N_ELEMENTS (keys); k++)
      if (strlen (keys[k]) == (gsize) (colon - items[i]) &&
          strncmp (items[i], keys[k], (gsize) (colon - items[i])) == 0)
        break;
    if (k == G_N_ELEMENTS (keys))
      return invalid (error, "unknown selector key in '%s' (uid, gid, exe, unit, cgroup)", items[i]);
    if (seen[k])
      return invalid (error, "selector names '%s' twice", keys[k]);
    seen[k] = TRUE;
    switch (k) {
    case 0: case 1: ok = is_number (val); break;
    case 2: case 4: ok = is_abs_path (val); break;
    case 3: ok = is_unit_name (val); break;
    default: break;
    }
    if (!ok)
      return invalid (error, "selector item '%s' needs %s", items[i],
                      k < 2 ? "a decimal id" : k == 3 ? "a unit name" : "an absolute path");
  }
  return TRUE;
}

/* TRUE if the checked selector str has an item with this key. */
static gboolean
has_key (const gchar *str,
         const gchar *key)
{
  g_auto(GStrv) items = g_strsplit (str, ",", -1);
  gsize n = strlen (key);

  for (guint i = 0; items[i]; i++)
    if (strncmp (items[i], key, n) == 0 && items[i][n] == ':')
      return TRUE;
  return FALSE;
}

gboolean
ctl_complete_grant_selector (const gchar  *str,
                             const gchar  *uid,
                             gchar       **out,
                             GError      **error)
{
  if (!ctl_check_selector (str, error))
    return FALSE;
  if (uid) {
    if (!is_number (uid))
      return invalid (error, "--uid needs a user name or a decimal uid");
    if (has_key (str, "uid"))
      return invalid (error, "--uid given and the selector has a uid: item already");
    *out = g_strdup_printf ("%s,uid:%s", str, uid);
    return TRUE;
  }
  if (has_key (str, "exe") && !has_key (str, "uid") && !has_key (str, "gid") &&
      !has_key (str, "unit"))
    return invalid (error, "an exe: item alone is refused: any local user can run that program "
                    "with code of their own (LD_PRELOAD, ptrace) or make a process look like it, "
                    "so the grant would be theirs too. Name who runs it: add uid:N (or gid:N, "
                    "unit:NAME) to the selector, or give --uid USER with the user the program "
                    "runs as");
  *out = g_strdup (str);
  return TRUE;
}

gboolean
ctl_parse_time (const gchar  *str,
                gint64        now_us,
                gint64       *out_us,
                GError      **error)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) dt = NULL;
  g_autofree gchar *iso = NULL;
  guint64 secs;

  if (!str || !*str)
    return invalid (error, TIME_FMT, "");
  if (strcmp (str, "now") == 0) {
    *out_us = now_us;
    return TRUE;
  }
  if (g_ascii_isdigit (str[0]) && ctl_parse_duration (str, &secs, NULL)) {
    *out_us = now_us - (gint64) secs * G_USEC_PER_SEC;
    return TRUE;
  }
  if (str[0] == '@') {
    gint64 v;

    if (!g_ascii_string_to_signed (str + 1, 10, 0, G_MAXINT64 / G_USEC_PER_SEC, &v, NULL))
      return invalid (error, TIME_FMT, str);
    *out_us = v * G_USEC_PER_SEC;
    return TRUE;
  }
  if (strlen (str) == 10)
    iso = g_strconcat (str, "T00:00:00", NULL);
  else
    iso = g_strdelimit (g_strdup (str), " ", 'T');
  dt = g_date_time_new_from_iso8601 (iso, local);
  if (!dt)
    return invalid (error, TIME_FMT, str);
  *out_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;
}
