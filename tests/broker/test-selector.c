// SPDX-License-Identifier: GPL-2.0-or-later
#include <glib.h>
#include <string.h>
#include "idg-selector.h"
#include "test-helpers.h"

static const struct {
  const gchar *in;
  const gchar *canon;     /* NULL: refused */
} parse_cases[] = {
  { "uid:1000", "uid:1000" },
  { "exe:/usr/bin/x,uid:0", "uid:0,exe:/usr/bin/x" },
  { "cgroup:/system.slice/,gid:5,unit:foo.service",
    "gid:5,unit:foo.service,cgroup:/system.slice" },
  { "unit:session-2.scope", "unit:session-2.scope" },
  { "", NULL },
  { "uid", NULL },
  { "uid:", NULL },
  { "uid:-1", NULL },
  { "uid:4294967295", NULL },
  { "uid:12a", NULL },
  { "uid:1,uid:2", NULL },
  { "user:root", NULL },
  { "exe:relative/path", NULL },
  { "exe:/a//b", NULL },
  { "exe:/usr/bin/a\nuid:0", NULL },
  { "exe:/usr/bin/a\x7f", NULL },
  { "cgroup:/system.slice/a\tb", NULL },
  { "unit:foo", NULL },
  { "unit:foo bar.service", NULL },
  { "uid:1,", NULL },
  { ",uid:1", NULL },
};

static void
test_parse (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (parse_cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(IdgSelector) sel = idg_selector_parse (parse_cases[i].in, &error);

    g_test_message ("selector '%s'", parse_cases[i].in);
    if (parse_cases[i].canon == NULL) {
      g_assert_null (sel);
      g_assert_error (error, IDG_SELECTOR_ERROR, IDG_SELECTOR_ERROR_INVALID);
    } else {
      g_autofree gchar *s = NULL;
      g_autoptr(IdgSelector) again = NULL;

      g_assert_no_error (error);
      s = idg_selector_to_string (sel);
      g_assert_cmpstr (s, ==, parse_cases[i].canon);
      again = idg_selector_parse (s, &error);
      g_assert_no_error (error);
      g_clear_pointer (&s, g_free);
      s = idg_selector_to_string (again);
      g_assert_cmpstr (s, ==, parse_cases[i].canon);
    }
  }
}

static const struct {
  const gchar *selector;
  gboolean     expect;
} match_cases[] = {
  { "uid:1000", TRUE },
  { "uid:1001", FALSE },
  { "gid:100", TRUE },
  { "gid:1000", FALSE },                 /* supplementary groups do not count */
  { "uid:1000,gid:100", TRUE },
  { "uid:1000,gid:101", FALSE },
  /* exe: counts only beside uid:, gid: or unit: (idg-selector.h) */
  { "exe:/usr/bin/app", FALSE },
  { "exe:/usr/bin/app,cgroup:/system.slice", FALSE },
  { "uid:1000,exe:/usr/bin/app", TRUE },
  { "gid:100,exe:/usr/bin/app", TRUE },
  { "unit:app.service,exe:/usr/bin/app", TRUE },
  { "uid:1000,exe:/usr/bin/app2", FALSE },
  { "uid:1000,exe:/usr/bin", FALSE },
  { "uid:1001,exe:/usr/bin/app", FALSE },
  { "unit:app.service", TRUE },
  { "unit:other.service", FALSE },
  { "cgroup:/system.slice/app.service", TRUE },
  { "cgroup:/system.slice", TRUE },
  { "cgroup:/", TRUE },
  { "cgroup:/system.slice/app", FALSE },  /* not a prefix at a '/' */
  { "cgroup:/system.slice/app.service/sub", FALSE },
  { "uid:1000,exe:/usr/bin/app,unit:app.service,cgroup:/system.slice", TRUE },
  { "uid:1000,exe:/usr/bin/app,unit:app.service,cgroup:/user.slice", FALSE },
};

static void
test_match (void)
{
  g_autoptr(IdgIdentity) id = test_identity (1000, 100, "/usr/bin/app", "app.service",
                                    "/system.slice/app.service");
  g_autoptr(IdgIdentity) bare = test_identity (1000, 100, NULL, NULL, NULL);
  g_autoptr(IdgIdentity) unknown = idg_identity_new_unknown ("at-link");
  guint i;

  for (i = 0; i < G_N_ELEMENTS (match_cases); i++) {
    g_autoptr(IdgSelector) sel = idg_selector_parse (match_cases[i].selector, NULL);

    g_test_message ("match '%s'", match_cases[i].selector);
    g_assert_nonnull (sel);
    g_assert_cmpint (idg_selector_matches (sel, id), ==, match_cases[i].expect);
    /* an unknown identity matches nothing, not even uid-only selectors */
    g_assert_false (idg_selector_matches (sel, unknown));
    /* a process whose exe/unit/cgroup could not be read fails those items */
    if (sel->exe != NULL || sel->unit != NULL || sel->cgroup != NULL)
      g_assert_false (idg_selector_matches (sel, bare));
  }
}

/* Which selectors a new grant may have: exe: never alone. */
static void
test_grantable (void)
{
  static const struct {
    const gchar *selector;
    gboolean     exe_alone;
  } cases[] = {
    { "exe:/usr/bin/qmicli", TRUE },
    { "exe:/usr/bin/qmicli,cgroup:/system.slice/mm.service", TRUE },
    { "uid:0,exe:/usr/bin/qmicli", FALSE },
    { "gid:0,exe:/usr/bin/qmicli", FALSE },
    { "unit:ModemManager.service,exe:/usr/sbin/ModemManager", FALSE },
    { "uid:0", FALSE },
    { "cgroup:/system.slice", FALSE },
    { "unit:a.service", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(IdgSelector) sel = idg_selector_parse (cases[i].selector, NULL);
    g_autoptr(GError) error = NULL;
    gboolean ok;

    g_test_message ("grantable '%s'", cases[i].selector);
    g_assert_nonnull (sel);
    g_assert_cmpint (idg_selector_exe_alone (sel), ==, cases[i].exe_alone);
    ok = idg_selector_check_grantable (sel, &error);
    g_assert_cmpint (ok, ==, !cases[i].exe_alone);
    if (ok) {
      g_assert_no_error (error);
    } else {
      /* the message says what to add */
      g_assert_error (error, IDG_SELECTOR_ERROR, IDG_SELECTOR_ERROR_EXE_ALONE);
      g_assert_nonnull (strstr (error->message, "uid:"));
    }
  }
}

/* An identity whose exe is unknown (another user namespace, a container's
 * file, a deleted binary) matches no exe: item, with any uid or unit. */
static void
test_unknown_exe (void)
{
  static const struct {
    const gchar *selector;
    gboolean     expect;
  } cases[] = {
    { "uid:1000", TRUE },
    { "uid:1000,unit:app.service", TRUE },
    { "uid:1000,exe:/usr/bin/app", FALSE },
    { "unit:app.service,exe:/usr/bin/app", FALSE },
    { "gid:100,exe:/usr/bin/app", FALSE },
  };
  g_autoptr(IdgIdentity) id = test_identity (1000, 100, NULL, "app.service",
                                             "/system.slice/app.service");

  id->foreign_userns = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(IdgSelector) sel = idg_selector_parse (cases[i].selector, NULL);

    g_test_message ("unknown exe, '%s'", cases[i].selector);
    g_assert_cmpint (idg_selector_matches (sel, id), ==, cases[i].expect);
  }
}

static void
test_for_identity (void)
{
  g_autoptr(IdgIdentity) svc = test_identity (7, 7, "/usr/bin/app", "app.service", "/system.slice/app.service");
  g_autoptr(IdgIdentity) scope = test_identity (7, 7, "/usr/bin/app", "session-1.scope", "/user.slice/session-1.scope");
  g_autoptr(IdgIdentity) unknown = idg_identity_new_unknown (NULL);
  g_autoptr(IdgSelector) a = idg_selector_for_identity (svc);
  g_autoptr(IdgSelector) b = idg_selector_for_identity (scope);
  g_autofree gchar *sa = idg_selector_to_string (a);
  g_autofree gchar *sb = idg_selector_to_string (b);

  g_assert_cmpstr (sa, ==, "uid:7,unit:app.service");
  g_assert_cmpstr (sb, ==, "uid:7,exe:/usr/bin/app");
  g_assert_true (idg_selector_matches (a, svc));
  g_assert_true (idg_selector_matches (b, scope));
  g_assert_null (idg_selector_for_identity (unknown));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/selector/parse", test_parse);
  g_test_add_func ("/broker/selector/match", test_match);
  g_test_add_func ("/broker/selector/grantable", test_grantable);
  g_test_add_func ("/broker/selector/unknown-exe", test_unknown_exe);
  g_test_add_func ("/broker/selector/for-identity", test_for_identity);
  return g_test_run ();
}
