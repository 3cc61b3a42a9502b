/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-words.h"

#include <pwd.h>
#include <string.h>
#include <sys/types.h>
#include <glib/gi18n.h>

static const struct {
  const gchar *kind;
  const gchar *name;
  const gchar *in_sentence;   /* as it reads inside a sentence */
  const gchar *meaning;
} kinds[] = {
  { "imei",    N_("IMEI"),            N_("IMEI"),            N_("the serial number of this device's modem") },
  { "imeisv",  N_("IMEISV"),          N_("IMEISV"),          N_("the modem's serial number with its software version") },
  { "esn",     N_("ESN"),             N_("ESN"),             N_("the serial number of a CDMA modem") },
  { "meid",    N_("MEID"),            N_("MEID"),            N_("the serial number of a CDMA modem") },
  { "imsi",    N_("IMSI"),            N_("IMSI"),            N_("your subscriber identity on the SIM card") },
  { "iccid",   N_("SIM card number"), N_("SIM card number"), N_("the serial number of the SIM card (ICCID)") },
  { "eid",     N_("eSIM number"),     N_("eSIM number"),     N_("the serial number of the eSIM chip (EID)") },
  { "msisdn",  N_("Phone number"),    N_("phone number"),    N_("your phone number (MSISDN)") },
  { "raw-sim", N_("SIM card files"),  N_("SIM card files"),  N_("raw access to the files on the SIM card") },
};

static const gchar *
in_sentence (const gchar *kind)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (kind, kinds[i].kind) == 0)
      return _(kinds[i].in_sentence);
  return kind;
}

const gchar *
idg_words_kind_name (const gchar *kind)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (kind, kinds[i].kind) == 0)
      return _(kinds[i].name);
  return kind;
}

const gchar *
idg_words_kind_meaning (const gchar *kind)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (kind, kinds[i].kind) == 0)
      return _(kinds[i].meaning);
  return _("an identifier this version does not know");
}

gchar *
idg_words_scopes (const gchar *scopes)
{
  g_auto(GStrv) items = NULL;
  g_autoptr(GString) s = g_string_new (NULL);
  guint n, i;

  if (scopes == NULL || *scopes == '\0')
    return g_strdup (_("no identifier"));
  if (g_str_equal (scopes, "all"))
    return g_strdup (_("every modem identifier"));
  items = g_strsplit (scopes, ",", -1);
  n = g_strv_length (items);
  for (i = 0; i < n; i++) {
    if (i > 0)
      /* TRANSLATORS: between the items of a list of identifiers, and before its last */
      g_string_append (s, i + 1 == n ? _(" and ") : _(", "));
    g_string_append (s, in_sentence (g_strstrip (items[i])));
  }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ---- who ---- */

static gboolean
parse_id (const gchar *s,
          gint64      *out)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT32, &v, NULL))
    return FALSE;
  *out = (gint64) v;
  return TRUE;
}

static IdgWho *
who_new (void)
{
  IdgWho *who = g_new0 (IdgWho, 1);

  who->known = TRUE;
  who->uid = -1;
  who->gid = -1;
  return who;
}

void
idg_words_who_free (IdgWho *who)
{
  if (who == NULL)
    return;
  g_free (who->exe);
  g_free (who->unit);
  g_free (who->cgroup);
  g_free (who);
}

/* One "key:value" item; FALSE for a key the broker does not write. */
static gboolean
take_item (IdgWho      *who,
           const gchar *item)
{
  const gchar *colon = strchr (item, ':');
  g_autofree gchar *key = NULL;
  const gchar *value;

  if (colon == NULL || colon[1] == '\0')
    return FALSE;
  key = g_strndup (item, (gsize) (colon - item));
  value = colon + 1;
  if (g_str_equal (key, "uid"))
    return parse_id (value, &who->uid);
  if (g_str_equal (key, "gid"))
    return parse_id (value, &who->gid);
  if (g_str_equal (key, "exe") && who->exe == NULL) {
    who->exe = g_strdup (value);
    return TRUE;
  }
  if (g_str_equal (key, "unit") && who->unit == NULL) {
    who->unit = g_strdup (value);
    return TRUE;
  }
  if (g_str_equal (key, "cgroup") && who->cgroup == NULL) {
    who->cgroup = g_strdup (value);
    return TRUE;
  }
  return FALSE;
}

IdgWho *
idg_words_who_from_selector (const gchar *selector)
{
  g_autoptr(IdgWho) who = who_new ();
  g_auto(GStrv) items = NULL;
  guint i;

  if (selector == NULL || *selector == '\0') {
    who->known = FALSE;
    return g_steal_pointer (&who);
  }
  items = g_strsplit (selector, ",", -1);
  for (i = 0; items[i] != NULL; i++)
    if (!take_item (who, items[i]))
      who->known = FALSE;
  return g_steal_pointer (&who);
}

IdgWho *
idg_words_who_from_service (const gchar *service)
{
  g_autoptr(IdgWho) who = who_new ();

  if (service == NULL || !take_item (who, service))
    who->known = FALSE;
  return g_steal_pointer (&who);
}

IdgWho *
idg_words_who_from_request (const gchar *selector,
                            const gchar *requester)
{
  g_autoptr(IdgWho) who = idg_words_who_from_selector (selector);
  g_autofree gchar *rest = NULL;
  const gchar *exe;
  gsize len;

  if (who->exe != NULL || requester == NULL)
    return g_steal_pointer (&who);
  /* "uid=N gid=N pid=N exe=PATH[ unit=NAME][ userns=other]": PATH is free
   * text (it may hold " unit="), so only the end the selector vouches for
   * is cut off; anything else leaves the program unsaid. */
  if (!g_str_has_prefix (requester, "uid=") || (exe = strstr (requester, " exe=")) == NULL)
    return g_steal_pointer (&who);
  rest = g_strdup (exe + strlen (" exe="));
  if (g_str_has_suffix (rest, " userns=other")) {
    who->other_userns = TRUE;
    rest[strlen (rest) - strlen (" userns=other")] = '\0';
  }
  if (who->unit != NULL) {
    g_autofree gchar *tail = g_strconcat (" unit=", who->unit, NULL);

    if (!g_str_has_suffix (rest, tail))
      return g_steal_pointer (&who);
    rest[strlen (rest) - strlen (tail)] = '\0';
  } else if (strstr (rest, " unit=") != NULL) {
    return g_steal_pointer (&who);
  }
  len = strlen (rest);
  if (len > 0 && rest[0] == '/')
    who->exe = g_steal_pointer (&rest);
  return g_steal_pointer (&who);
}

gchar *
idg_words_who_key (const IdgWho *who)
{
  if (!who->known && who->unit == NULL && who->exe == NULL && who->uid < 0)
    return g_strdup ("unknown");
  if (who->unit != NULL)
    return g_strconcat ("unit:", who->unit, NULL);
  if (who->exe != NULL)
    return g_strconcat ("exe:", who->exe, NULL);
  if (who->uid >= 0)
    return g_strdup_printf ("uid:%" G_GINT64_FORMAT, who->uid);
  return g_strdup ("unknown");
}

static gchar *
user_name (gint64 uid)
{
  struct passwd pw, *res = NULL;
  gchar buf[1024];

  if (getpwuid_r ((uid_t) uid, &pw, buf, sizeof buf, &res) == 0 && res != NULL)
    return idg_words_printable (res->pw_name);
  return NULL;
}

gchar *
idg_words_who_name (const IdgWho *who)
{
  g_autofree gchar *user = NULL;

  if (who->unit != NULL) {
    g_autofree gchar *unit = idg_words_printable (who->unit);

    if (g_str_has_suffix (unit, ".service") && strlen (unit) > strlen (".service"))
      unit[strlen (unit) - strlen (".service")] = '\0';
    return g_steal_pointer (&unit);
  }
  if (who->exe != NULL) {
    g_autofree gchar *base = g_path_get_basename (who->exe);

    return idg_words_printable (base);
  }
  if (who->uid < 0)
    return g_strdup (_("An unknown program"));
  user = user_name (who->uid);
  if (user != NULL)
    return g_strdup_printf (_("Programs of user %s"), user);
  return g_strdup_printf (_("Programs of user %ld"), (glong) who->uid);
}

static void
add_owned (GStrvBuilder *b,
           gchar        *line)
{
  g_strv_builder_add (b, line);
  g_free (line);
}

GStrv
idg_words_who_lines (const IdgWho *who)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  if (who->unit != NULL) {
    g_autofree gchar *unit = idg_words_printable (who->unit);

    add_owned (b, g_strdup_printf (_("System service %s"), unit));
  }
  if (who->exe != NULL) {
    g_autofree gchar *exe = idg_words_printable (who->exe);

    add_owned (b, g_strdup_printf (_("Program %s"), exe));
  }
  if (who->uid >= 0) {
    g_autofree gchar *user = user_name (who->uid);

    if (user != NULL)
      add_owned (b, g_strdup_printf (_("Runs as user %s (uid %ld)"),
                                               user, (glong) who->uid));
    else
      add_owned (b, g_strdup_printf (_("Runs as uid %ld"), (glong) who->uid));
  }
  if (who->cgroup != NULL) {
    g_autofree gchar *cg = idg_words_printable (who->cgroup);

    add_owned (b, g_strdup_printf (_("Control group %s"), cg));
  }
  if (who->other_userns)
    g_strv_builder_add (b, _("Runs in a container or sandbox"));
  if (!who->known)
    g_strv_builder_add (b, _("The broker could not tell who this is"));
  return g_strv_builder_end (b);
}

/* ---- time ---- */

gchar *
idg_words_duration (guint64 seconds)
{
  if (seconds >= 86400 && seconds % 86400 == 0)
    return g_strdup_printf (g_dngettext (NULL, "%u day", "%u days", (gulong) (seconds / 86400)),
                            (guint) (seconds / 86400));
  if (seconds >= 3600 && seconds % 3600 == 0)
    return g_strdup_printf (g_dngettext (NULL, "%u hour", "%u hours", (gulong) (seconds / 3600)),
                            (guint) (seconds / 3600));
  if (seconds >= 60)
    return g_strdup_printf (g_dngettext (NULL, "%u minute", "%u minutes", (gulong) (seconds / 60)),
                            (guint) (seconds / 60));
  return g_strdup_printf (g_dngettext (NULL, "%u second", "%u seconds", (gulong) seconds),
                          (guint) seconds);
}

/* the largest whole unit, rounded up: "in 2 days", "in 5 minutes" */
static gchar *
left (gint64 seconds)
{
  static const guint64 units[] = { 86400, 3600, 60, 1 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (units); i++)
    if ((guint64) seconds >= units[i])
      return idg_words_duration (((guint64) seconds + units[i] - 1) / units[i] * units[i]);
  return idg_words_duration (1);
}

gchar *
idg_words_expiry (const gchar *state,
                  gint64       expires,
                  gint64       now)
{
  g_autofree gchar *span = NULL;

  if (g_strcmp0 (state, "revoked") == 0)
    return g_strdup (_("Revoked"));
  if (g_strcmp0 (state, "inert") == 0)
    return g_strdup (_("Matches no one (names a program alone)"));
  if (g_strcmp0 (state, "expired") == 0 || (expires > 0 && expires <= now))
    return g_strdup (_("Expired"));
  if (expires == 0)
    return g_strdup (_("Never expires"));
  span = left (expires - now);
  return g_strdup_printf (_("Expires in %s"), span);
}

gchar *
idg_words_counts (guint64 released,
                  guint64 rewritten,
                  guint64 refused,
                  guint64 tripwire)
{
  gulong a = (gulong) released, b = (gulong) rewritten, c = (gulong) refused, t = (gulong) tripwire;

  if (t == 0)
    /* TRANSLATORS: how often a service was given an identifier, got a
     * stand-in value instead, or was refused */
    return g_strdup_printf (_("%lu released · %lu rewritten · %lu refused"), a, b, c);
  /* TRANSLATORS: as above; the last number: rewrites the value tripwire made */
  return g_strdup_printf (_("%lu released · %lu rewritten · %lu refused · %lu by the tripwire"), a, b, c, t);
}

/* ---- text a service chose ---- */

static gboolean
shown_escaped (gunichar c)
{
  switch (g_unichar_type (c)) {
  case G_UNICODE_CONTROL:
  case G_UNICODE_FORMAT:
  case G_UNICODE_LINE_SEPARATOR:
  case G_UNICODE_PARAGRAPH_SEPARATOR:
  case G_UNICODE_UNASSIGNED:
  case G_UNICODE_PRIVATE_USE:
  case G_UNICODE_SURROGATE:
    return TRUE;
  default:
    return FALSE;
  }
}

gchar *
idg_words_printable (const gchar *text)
{
  g_autofree gchar *valid = NULL;
  GString *s;
  const gchar *p;

  if (text == NULL)
    return g_strdup ("");
  valid = g_utf8_make_valid (text, -1);
  s = g_string_new (NULL);
  for (p = valid; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (shown_escaped (c))
      g_string_append_printf (s, c > 0xffff ? "\\U%08x" : "\\u%04x", c);
    else
      g_string_append_unichar (s, c);
  }
  return g_string_free (s, FALSE);
}
