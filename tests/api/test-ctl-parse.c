/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Table tests of idguardctl's argument parsers (userspace/ctl/ctl-parse.c). */
#include "ctl-parse.h"

#include <gio/gio.h>
#include <string.h>

static void
test_duration (void)
{
  static const struct {
    const gchar *in;
    gboolean     ok;
    guint64      seconds;
  } cases[] = {
    { "30s", TRUE, 30 },
    { "15m", TRUE, 900 },
    { "12h", TRUE, 43200 },
    { "90d", TRUE, 7776000 },
    { "1s", TRUE, 1 },
    { "36500d", TRUE, CTL_DURATION_MAX },
    { "36501d", FALSE, 0 },
    { "99999999999999999999s", FALSE, 0 },
    { "0s", FALSE, 0 },
    { "", FALSE, 0 },
    { "s", FALSE, 0 },
    { "10", FALSE, 0 },
    { "10x", FALSE, 0 },
    { "10ss", FALSE, 0 },
    { "-5s", FALSE, 0 },
    { " 5s", FALSE, 0 },
    { "5 s", FALSE, 0 },
    { "1.5h", FALSE, 0 },
    { "5S", FALSE, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    guint64 s = 0;
    gboolean ok = ctl_parse_duration (cases[i].in, &s, &error);

    g_test_message ("duration '%s'", cases[i].in);
    g_assert_cmpint (ok, ==, cases[i].ok);
    if (ok) {
      g_assert_no_error (error);
      g_assert_cmpuint (s, ==, cases[i].seconds);
    } else {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
  }
  g_assert_false (ctl_parse_duration (NULL, NULL, NULL));
}

static void
test_selector (void)
{
  static const struct {
    const gchar *in;
    gboolean     ok;
  } cases[] = {
    { "uid:0", TRUE },
    { "uid:1000,gid:1000", TRUE },
    { "exe:/usr/bin/qmicli", TRUE },
    { "unit:foo.service", TRUE },
    { "unit:user@1000.service", TRUE },
    { "cgroup:/system.slice/foo.service", TRUE },
    { "uid:0,gid:0,exe:/bin/sh,unit:a.scope,cgroup:/a", TRUE },
    { "", FALSE },
    { "uid", FALSE },
    { "uid:", FALSE },
    { "uid:-1", FALSE },
    { "uid:4294967295", FALSE },
    { "uid:12345678901", FALSE },
    { "uid:1x", FALSE },
    { "gid:abc", FALSE },
    { "exe:usr/bin/x", FALSE },
    { "exe:", FALSE },
    { "cgroup:relative", FALSE },
    { "unit:", FALSE },
    { "unit:a b", FALSE },
    { "unit:a/b", FALSE },
    { "user:1000", FALSE },
    { "uid:1,uid:2", FALSE },
    { "uid:1,", FALSE },
    { ",uid:1", FALSE },
    { "UID:1", FALSE },
    { "exe:/bin/a\tb", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    gboolean ok = ctl_check_selector (cases[i].in, &error);

    g_test_message ("selector '%s'", cases[i].in);
    g_assert_cmpint (ok, ==, cases[i].ok);
    if (!ok)
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
}

/* grant --to SELECTOR [--uid UID]: exe: never alone. */
static void
test_grant_selector (void)
{
  static const struct {
    const gchar *in;
    const gchar *uid;
    const gchar *out;    /* NULL: refused */
  } cases[] = {
    { "uid:0", NULL, "uid:0" },
    { "uid:0,exe:/usr/bin/qmicli", NULL, "uid:0,exe:/usr/bin/qmicli" },
    { "exe:/usr/bin/qmicli,gid:5", NULL, "exe:/usr/bin/qmicli,gid:5" },
    { "exe:/usr/sbin/ModemManager,unit:ModemManager.service", NULL,
      "exe:/usr/sbin/ModemManager,unit:ModemManager.service" },
    { "exe:/usr/bin/qmicli", NULL, NULL },
    { "exe:/usr/bin/qmicli,cgroup:/system.slice", NULL, NULL },
    { "exe:/usr/bin/qmicli", "0", "exe:/usr/bin/qmicli,uid:0" },
    { "exe:/usr/bin/qmicli", "1000", "exe:/usr/bin/qmicli,uid:1000" },
    { "unit:a.service", "7", "unit:a.service,uid:7" },
    { "uid:0,exe:/usr/bin/qmicli", "0", NULL },     /* two uids */
    { "exe:/usr/bin/qmicli", "x", NULL },
    { "exe:/usr/bin/qmicli", "4294967295", NULL },
    { "exe:/usr/bin/qmicli", "", NULL },
    { "exe:relative", "0", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *out = NULL;
    gboolean ok = ctl_complete_grant_selector (cases[i].in, cases[i].uid, &out, &error);

    g_test_message ("grant --to '%s' --uid %s", cases[i].in, cases[i].uid ? cases[i].uid : "-");
    g_assert_cmpint (ok, ==, cases[i].out != NULL);
    if (ok) {
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].out);
    } else {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_null (out);
    }
  }
  {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *out = NULL;

    /* the refusal says why and what to do */
    g_assert_false (ctl_complete_grant_selector ("exe:/usr/bin/qmicli", NULL, &out, &error));
    g_assert_nonnull (strstr (error->message, "LD_PRELOAD"));
    g_assert_nonnull (strstr (error->message, "--uid"));
  }
}

static void
test_time (void)
{
  const gint64 now = (gint64) 1800000000 * G_USEC_PER_SEC;
  static const struct {
    const gchar *in;
    gboolean     ok;
    gint64       ago_s;   /* expected now - result, in seconds, if relative */
    gint64       abs_s;   /* expected absolute seconds (UTC inputs) */
  } cases[] = {
    { "now", TRUE, 0, -1 },
    { "15m", TRUE, 900, -1 },
    { "2d", TRUE, 172800, -1 },
    { "@1700000000", TRUE, -1, 1700000000 },
    { "@0", TRUE, -1, 0 },
    { "2026-11-23T10:00:00Z", TRUE, -1, 1795428000 },
    { "2026-11-23T10:00:00+01:00", TRUE, -1, 1795424400 },
    { "@", FALSE, 0, 0 },
    { "@-5", FALSE, 0, 0 },
    { "@12x", FALSE, 0, 0 },
    { "yesterday", FALSE, 0, 0 },
    { "", FALSE, 0, 0 },
    { "2026-13-01", FALSE, 0, 0 },
    { "0s", FALSE, 0, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    gint64 out = 0;
    gboolean ok = ctl_parse_time (cases[i].in, now, &out, &error);

    g_test_message ("time '%s'", cases[i].in);
    g_assert_cmpint (ok, ==, cases[i].ok);
    if (!ok) {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      continue;
    }
    if (cases[i].ago_s >= 0)
      g_assert_cmpint (now - out, ==, cases[i].ago_s * G_USEC_PER_SEC);
    else
      g_assert_cmpint (out, ==, cases[i].abs_s * G_USEC_PER_SEC);
  }
}

static void
test_time_local (void)
{
  g_autoptr(GDateTime) dt = g_date_time_new_local (2026, 11, 23, 0, 0, 0);
  g_autoptr(GDateTime) dt2 = g_date_time_new_local (2026, 11, 23, 10, 30, 0);
  gint64 out = 0;

  g_assert_true (ctl_parse_time ("2026-11-23", 0, &out, NULL));
  g_assert_cmpint (out, ==, g_date_time_to_unix (dt) * G_USEC_PER_SEC);
  g_assert_true (ctl_parse_time ("2026-11-23 10:30", 0, &out, NULL) ||
                 ctl_parse_time ("2026-11-23 10:30:00", 0, &out, NULL));
  g_assert_true (ctl_parse_time ("2026-11-23 10:30:00", 0, &out, NULL));
  g_assert_cmpint (out, ==, g_date_time_to_unix (dt2) * G_USEC_PER_SEC);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ctl/parse/duration", test_duration);
  g_test_add_func ("/ctl/parse/selector", test_selector);
  g_test_add_func ("/ctl/parse/grant-selector", test_grant_selector);
  g_test_add_func ("/ctl/parse/time", test_time);
  g_test_add_func ("/ctl/parse/time-local", test_time_local);
  return g_test_run ();
}
