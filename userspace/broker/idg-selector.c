// SPDX-License-Identifier: GPL-2.0-or-later
#include "idg-selector.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (idg-selector-error-quark, idg_selector_error)

static gboolean
parse_id (const gchar  *value,
          guint32      *out)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32 - 1, &v, NULL))
    return FALSE;
  *out = (guint32) v;
  return TRUE;
}

/* An absolute path without control characters: a newline in a selector
 * would show as a second row wherever grants and requests are listed. */
static gboolean
valid_path (const gchar *value)
{
  const gchar *p;

  if (value[0] != '/' || strstr (value, "//") != NULL || !g_utf8_validate (value, -1, NULL))
    return FALSE;
  for (p = value; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static gboolean
valid_unit (const gchar *value)
{
  const gchar *p;

  if (!(g_str_has_suffix (value, ".service") || g_str_has_suffix (value, ".scope")))
    return FALSE;
  for (p = value; *p != '\0'; p++)
    if (!(g_ascii_isalnum (*p) || strchr (":-_.\\@", *p) != NULL))
      return FALSE;
  return TRUE;
}

IdgSelector *
idg_selector_parse (const gchar  *str,
                    GError      **error)
{
  g_autoptr(IdgSelector) sel = g_new0 (IdgSelector, 1);
  g_auto(GStrv) items = NULL;
  guint i;

  if (str == NULL || *str == '\0') {
    g_set_error (error, IDG_SELECTOR_ERROR, IDG_SELECTOR_ERROR_INVALID,
                 "empty selector (expected uid:N, gid:N, exe:PATH, unit:NAME or cgroup:PATH)");
    return NULL;
  }
  items = g_strsplit (str, ",", -1);
  for (i = 0; items[i] != NULL; i++) {
    const gchar *item = items[i];
    const gchar *colon = strchr (item, ':');
    g_autofree gchar *key = NULL;
    const gchar *value;
    gboolean dup = FALSE, ok = TRUE;

    if (colon == NULL || colon[1] == '\0') {
      g_set_error (error, IDG_SELECTOR_ERROR, IDG_SELECTOR_ERROR_INVALID,
                   "selector item %u is not KEY:VALUE", i + 1);
      return NULL;
    }
    key = g_strndup (item, (gsize) (colon - item));
    value = colon + 1;
    if (g_str_equal (key, "uid")) {
      dup = sel->has_uid;
      ok = parse_id (value, &sel->uid);
      sel->has_uid = TRUE;
    } else if (g_str_equal (key, "gid")) {
      dup = sel->has_gid;
      ok = parse_id (value, &sel->gid);
      sel->has_gid = TRUE;
    } else if (g_str_equal (key, "exe")) {
      dup = sel->exe != NULL;
      ok = valid_path (value);
      g_free (sel->exe);
      sel->exe = g_strdup (value);
    } else if (g_str_equal (key, "unit")) {
      dup = sel->unit != NULL;
      ok = valid_unit (value);
      g_free (sel->unit);
      sel->unit = g_strdup (value);
    } else if (g_str_equal (key, "cgroup")) {
      dup = sel->cgroup != NULL;
      ok = valid_path (value);
      g_free (sel->cgroup);
      sel->cgroup = g_strdup (value);
      /* "/a/" and "/a" are the same cgroup; keep "/" itself */
      if (ok && strlen (sel->cgroup) > 1 && g_str_has_suffix (sel->cgroup, "/"))
        sel->cgroup[strlen (sel->cgroup) - 1] = '\0';
    } else {
      g_autofree gchar *esc = g_strescape (key, NULL);

      g_set_error (error, IDG_SELECTOR_ERROR, IDG_SELECTOR_ERROR_INVALID,
                   "unknown selector key '%s' (expected uid, gid, exe, unit or cgroup)", esc);
      return NULL;
    }
    if (dup) {
      g_set_error (error, IDG_SELECTOR_ERROR, IDG_SELECTOR_ERROR_INVALID,
                   "selector key '%s' given twice", key);
      return NULL;
    }
    if (!ok) {
      g_set_error (error, IDG_SELECTOR_ERROR, IDG_SELECTOR_ERROR_INVALID,
                   "bad value for selector key '%s'", key);
      return NULL;
    }
  }
  return g_steal_pointer (&sel);
}

gboolean
idg_selector_is_valid (const IdgSelector *selector)
{
  gsize n;

  if (!selector->has_uid && !selector->has_gid && selector->exe == NULL &&
      selector->unit == NULL && selector->cgroup == NULL)
    return FALSE;
  if ((selector->has_uid && selector->uid == (uid_t) G_MAXUINT32) ||
      (selector->has_gid && selector->gid == (gid_t) G_MAXUINT32))
    return FALSE;
  if ((selector->exe != NULL && !valid_path (selector->exe)) ||
      (selector->unit != NULL && !valid_unit (selector->unit)) ||
      (selector->cgroup != NULL && !valid_path (selector->cgroup)))
    return FALSE;
  /* as the parser leaves it: no trailing slash but on "/" itself */
  n = selector->cgroup != NULL ? strlen (selector->cgroup) : 0;
  return n <= 1 || selector->cgroup[n - 1] != '/';
}

gboolean
idg_selector_exe_alone (const IdgSelector *selector)
{
  return selector->exe != NULL && !selector->has_uid && !selector->has_gid &&
         selector->unit == NULL;
}

gboolean
idg_selector_check_grantable (const IdgSelector  *selector,
                              GError            **error)
{
  if (!idg_selector_exe_alone (selector))
    return TRUE;
  g_set_error (error, IDG_SELECTOR_ERROR, IDG_SELECTOR_ERROR_EXE_ALONE,
               "exe: needs a uid:, gid: or unit: item beside it: any local user can run "
               "that program with code of their own (LD_PRELOAD, ptrace) or make a process "
               "look like it, so an executable alone would let them use the grant; add the "
               "uid the program runs as (uid:N)");
  return FALSE;
}

static gboolean
cgroup_within (const gchar *cgroup,
               const gchar *prefix)
{
  gsize n = strlen (prefix);

  if (g_str_equal (prefix, "/"))
    return cgroup[0] == '/';
  return strncmp (cgroup, prefix, n) == 0 && (cgroup[n] == '\0' || cgroup[n] == '/');
}

gboolean
idg_selector_matches (const IdgSelector *selector,
                      const IdgIdentity *identity)
{
  if (selector == NULL || identity == NULL || !identity->known)
    return FALSE;
  /* fail closed: a grant stored before exe: alone was refused */
  if (idg_selector_exe_alone (selector))
    return FALSE;
  if (selector->has_uid && identity->uid != selector->uid)
    return FALSE;
  if (selector->has_gid && identity->gid != selector->gid)
    return FALSE;
  if (selector->exe != NULL &&
      (identity->exe == NULL || !g_str_equal (identity->exe, selector->exe)))
    return FALSE;
  if (selector->unit != NULL &&
      (identity->unit == NULL || !g_str_equal (identity->unit, selector->unit)))
    return FALSE;
  if (selector->cgroup != NULL &&
      (identity->cgroup == NULL || !cgroup_within (identity->cgroup, selector->cgroup)))
    return FALSE;
  return TRUE;
}

gchar *
idg_selector_to_string (const IdgSelector *selector)
{
  GString *s = g_string_new (NULL);

  if (selector->has_uid)
    g_string_append_printf (s, ",uid:%u", (guint) selector->uid);
  if (selector->has_gid)
    g_string_append_printf (s, ",gid:%u", (guint) selector->gid);
  if (selector->exe != NULL)
    g_string_append_printf (s, ",exe:%s", selector->exe);
  if (selector->unit != NULL)
    g_string_append_printf (s, ",unit:%s", selector->unit);
  if (selector->cgroup != NULL)
    g_string_append_printf (s, ",cgroup:%s", selector->cgroup);
  if (s->len > 0)
    g_string_erase (s, 0, 1);
  return g_string_free (s, FALSE);
}

IdgSelector *
idg_selector_for_identity (const IdgIdentity *identity)
{
  IdgSelector *sel;

  if (identity == NULL || !identity->known)
    return NULL;
  sel = g_new0 (IdgSelector, 1);
  sel->has_uid = TRUE;
  sel->uid = identity->uid;
  if (identity->unit != NULL && g_str_has_suffix (identity->unit, ".service"))
    sel->unit = g_strdup (identity->unit);
  else if (identity->exe != NULL)
    sel->exe = g_strdup (identity->exe);
  return sel;
}

IdgSelector *
idg_selector_copy (const IdgSelector *selector)
{
  IdgSelector *c = g_new0 (IdgSelector, 1);

  *c = *selector;
  c->exe = g_strdup (selector->exe);
  c->unit = g_strdup (selector->unit);
  c->cgroup = g_strdup (selector->cgroup);
  return c;
}

void
idg_selector_free (IdgSelector *selector)
{
  if (selector == NULL)
    return;
  g_free (selector->exe);
  g_free (selector->unit);
  g_free (selector->cgroup);
  g_free (selector);
}
