/* SPDX-License-Identifier: GPL-2.0-or-later */
/* idg-words: what a person reads about a service (table-driven). */
#include <locale.h>
#include "idg-words.h"

typedef struct {
  const gchar *selector;
  const gchar *requester;
  const gchar *key;
  const gchar *name;
  const gchar *exe;     /* NULL: the program must stay unsaid */
} RequestCase;

static const RequestCase request_cases[] = {
  /* a unit: the program comes from the requester, its end vouched for */
  { "uid:65534,unit:chat-sync.service", "uid=65534 gid=65534 pid=42 exe=/usr/libexec/chat-sync unit=chat-sync.service",
    "unit:chat-sync.service", "chat-sync", "/usr/libexec/chat-sync" },
  /* a path that pretends to name a unit is not cut at its " unit=" */
  { "uid:1000,exe:/tmp/a unit=sshd.service", "uid=1000 gid=1000 pid=7 exe=/tmp/a unit=sshd.service",
    "exe:/tmp/a unit=sshd.service", "a unit=sshd.service", "/tmp/a unit=sshd.service" },
  /* a requester whose unit is not the selector's: the program stays unsaid */
  { "uid:0,unit:good.service", "uid=0 gid=0 pid=1 exe=/bin/x unit=evil.service",
    "unit:good.service", "good", NULL },
  /* another user namespace */
  { "uid:5,exe:/usr/bin/tool", "uid=5 gid=5 pid=9 exe=/usr/bin/tool userns=other",
    "exe:/usr/bin/tool", "tool", "/usr/bin/tool" },
  /* uid alone */
  { "uid:0", "uid=0 gid=0 pid=3", "uid:0", "Programs of user root", NULL },
};

static void
test_request (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (request_cases); i++) {
    const RequestCase *c = &request_cases[i];
    g_autoptr(IdgWho) who = idg_words_who_from_request (c->selector, c->requester);
    g_autofree gchar *key = idg_words_who_key (who);
    g_autofree gchar *name = idg_words_who_name (who);

    g_test_message ("case %u: %s", i, c->selector);
    g_assert_cmpstr (key, ==, c->key);
    g_assert_cmpstr (name, ==, c->name);
    g_assert_cmpstr (who->exe, ==, c->exe);
  }
}

static void
test_lines (void)
{
  g_autoptr(IdgWho) who = idg_words_who_from_selector ("uid:0,unit:modem-sync.service,exe:/usr/bin/ms");
  g_auto(GStrv) lines = idg_words_who_lines (who);
  g_autoptr(IdgWho) unknown = idg_words_who_from_selector ("nonsense");
  g_auto(GStrv) unknown_lines = idg_words_who_lines (unknown);

  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, "System service modem-sync.service");
  g_assert_cmpstr (lines[1], ==, "Program /usr/bin/ms");
  g_assert_cmpstr (lines[2], ==, "Runs as user root (uid 0)");
  g_assert_true (g_strv_contains ((const gchar *const *) unknown_lines,
                                  "The broker could not tell who this is"));
}

static void
test_service (void)
{
  static const struct { const gchar *service, *key; } cases[] = {
    { "unit:a.service", "unit:a.service" },
    { "exe:/usr/bin/b", "exe:/usr/bin/b" },
    { "uid:12", "uid:12" },
    { "unknown:pty", "unknown" },
    { "", "unknown" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(IdgWho) who = idg_words_who_from_service (cases[i].service);
    g_autofree gchar *key = idg_words_who_key (who);

    g_assert_cmpstr (key, ==, cases[i].key);
  }
}

static void
test_scopes (void)
{
  static const struct { const gchar *scopes, *words; } cases[] = {
    { "imei", "IMEI" },
    { "imei,msisdn", "IMEI and phone number" },
    { "imsi,iccid,eid", "IMSI, SIM card number and eSIM number" },
    { "all", "every modem identifier" },
    { "", "no identifier" },
    { "future", "future" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *words = idg_words_scopes (cases[i].scopes);

    g_assert_cmpstr (words, ==, cases[i].words);
  }
}

static void
test_time (void)
{
  static const struct {
    const gchar *state;
    gint64 expires, now;
    const gchar *words;
  } cases[] = {
    { "active", 0, 1000, "Never expires" },
    { "active", 1000 + 86400, 1000, "Expires in 1 day" },
    { "active", 1000 + 86400 + 1, 1000, "Expires in 2 days" },
    { "active", 1000 + 300, 1000, "Expires in 5 minutes" },
    { "active", 1000 + 299, 1000, "Expires in 5 minutes" },
    { "active", 1000 + 30, 1000, "Expires in 30 seconds" },
    { "active", 1000, 1000, "Expired" },
    { "expired", 5000, 1000, "Expired" },
    { "revoked", 0, 1000, "Revoked" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *words = idg_words_expiry (cases[i].state, cases[i].expires, cases[i].now);

    g_test_message ("case %u", i);
    g_assert_cmpstr (words, ==, cases[i].words);
  }
}

static void
test_printable (void)
{
  static const struct { const gchar *in, *out; } cases[] = {
    { "plain text", "plain text" },
    { "carrier \xe2\x80\xaenoitavitca", "carrier \\u202enoitavitca" },   /* bidi override */
    { "a\xc2\x85" "b", "a\\u0085b" },                                     /* C1 control */
    { "zero\xe2\x80\x8bwidth", "zero\\u200bwidth" },
    { "line\nbreak", "line\\u000abreak" },
    { "bad \xff byte", "bad \xef\xbf\xbd byte" },                          /* U+FFFD */
    { "“quoted” ok", "“quoted” ok" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *out = idg_words_printable (cases[i].in);

    g_assert_cmpstr (out, ==, cases[i].out);
  }
}

static void
test_counts (void)
{
  g_autofree gchar *a = idg_words_counts (2, 5, 1, 0);
  g_autofree gchar *b = idg_words_counts (0, 3, 0, 3);

  g_assert_cmpstr (a, ==, "2 released · 5 rewritten · 1 refused");
  g_assert_cmpstr (b, ==, "0 released · 3 rewritten · 0 refused · 3 by the tripwire");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/settings/words/request", test_request);
  g_test_add_func ("/settings/words/lines", test_lines);
  g_test_add_func ("/settings/words/service", test_service);
  g_test_add_func ("/settings/words/scopes", test_scopes);
  g_test_add_func ("/settings/words/time", test_time);
  g_test_add_func ("/settings/words/printable", test_printable);
  g_test_add_func ("/settings/words/counts", test_counts);
  return g_test_run ();
}
