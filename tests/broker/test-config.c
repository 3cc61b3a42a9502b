// SPDX-License-Identifier: GPL-2.0-or-later
#include <glib.h>
#include <glib/gstdio.h>
#include "idg-config.h"

#define BASE "[broker]\nstate-dir=/var/lib/idguard\nruntime-dir=/run/idguard\n"

static const struct {
  const gchar *name;
  const gchar *text;
  const gchar *error;     /* substring of the error, NULL: accepted */
} cases[] = {
  { "minimal", BASE, NULL },
  { "full", BASE "policy=pseudonym\n[modem]\nqmi=/dev/cdc-wdm0\nmbim=/dev/cdc-wdm1\nat=/dev/ttyUSB2\n"
    "[proxy]\nqmi-socket=qmi-proxy\nmbim-socket=mbim-proxy\nat-socket=idguard-at\nat-link=/run/idguard/at\n"
    "at-link-selector=uid:0,exe:/usr/sbin/ModemManager\n[audit]\nmax-size=64k\nkeep=2\nwindow=5\n"
    "release-max-size=2M\nrelease-keep=9\nrate=3\nburst=7\nflood-interval=30\n", NULL },
  { "empty-disables", BASE "[proxy]\nqmi-socket=\nat-link=\n", NULL },
  { "unknown-group", BASE "[brokr]\nx=1\n", "unknown group [brokr]" },
  { "unknown-key", BASE "polcy=redact\n", "unknown key 'polcy' in [broker]" },
  { "localized-key", BASE "policy[de]=redact\n", "unknown key" },
  { "bad-policy", BASE "policy=allow\n", "policy must be redact or pseudonym" },
  { "no-state-dir", "[broker]\nruntime-dir=/run\n", "state-dir is required" },
  { "relative-dir", "[broker]\nstate-dir=var\nruntime-dir=/run\n", "must be an absolute path" },
  { "relative-modem", BASE "[modem]\nqmi=cdc-wdm0\n", "[modem] qmi must be an absolute path" },
  { "qrtr-node", BASE "[modem]\nqmi=qrtr://5\n", NULL },
  { "qrtr-no-node", BASE "[modem]\nqmi=qrtr://\n", "[modem] qmi: qrtr://NODE needs a QRTR node number from 0 to 4294967295" },
  { "qrtr-word", BASE "[modem]\nqmi=qrtr://modem\n", "needs a QRTR node number" },
  { "qrtr-sign", BASE "[modem]\nqmi=qrtr://-1\n", "needs a QRTR node number" },
  { "qrtr-too-big", BASE "[modem]\nqmi=qrtr://4294967296\n", "needs a QRTR node number" },
  { "qrtr-trailing", BASE "[modem]\nqmi=qrtr://5/dms\n", "needs a QRTR node number" },
  { "qrtr-upper", BASE "[modem]\nqmi=QRTR://5\n", "[modem] qmi must be an absolute path" },
  { "qrtr-for-mbim", BASE "[modem]\nmbim=qrtr://5\n", "[modem] mbim must be an absolute path" },
  { "bad-abstract", BASE "[proxy]\nqmi-socket=qmi proxy\n", "not a valid abstract socket name" },
  { "bad-selector", BASE "[proxy]\nat-link-selector=user:root\n", "at-link-selector" },
  { "exe-alone-link", BASE "[proxy]\nat-link-selector=exe:/usr/sbin/ModemManager\n", "[proxy] at-link-selector: exe: needs a uid:" },
  { "exe-alone-client", BASE "[proxy]\nclients=uid:0;exe:/usr/sbin/ModemManager\n", "[proxy] clients: selector 2: exe: needs a uid:" },
  { "bad-size", BASE "[audit]\nmax-size=big\n", "[audit] max-size" },
  { "tiny-size", BASE "[audit]\nmax-size=10\n", "at least 4096" },
  { "bad-keep", BASE "[audit]\nkeep=-1\n", "[audit] keep" },
  { "huge-window", BASE "[audit]\nwindow=99999\n", "[audit] window" },
  { "tiny-release-size", BASE "[audit]\nrelease-max-size=1k\n", "[audit] release-max-size must be at least 4096 bytes" },
  { "no-rate", BASE "[audit]\nrate=0\n", "[audit] rate must be at least 1" },
  { "no-burst", BASE "[audit]\nburst=0\n", "[audit] burst must be at least 1" },
  { "huge-burst", BASE "[audit]\nburst=1000000\n", "[audit] burst" },
  { "no-flood-interval", BASE "[audit]\nflood-interval=0\n", "[audit] flood-interval must be at least 1" },
  { "budgets", BASE "[api]\nhandshakes-per-uid=2\nhandshake-timeout=1\nconnections-per-uid=8\n"
    "[proxy]\nclients-per-uid=3\n[requests]\npending-per-uid=6\nexpire-after=90m\n", NULL },
  { "zero-handshakes", BASE "[api]\nhandshakes-per-uid=0\n", "[api] handshakes-per-uid: not a whole number from 1" },
  { "long-handshake", BASE "[api]\nhandshake-timeout=31\n", "[api] handshake-timeout" },
  { "bad-connections", BASE "[api]\nconnections-per-uid=lots\n", "[api] connections-per-uid" },
  { "bad-clients", BASE "[proxy]\nclients-per-uid=-1\n", "[proxy] clients-per-uid" },
  { "no-unit", BASE "[requests]\nexpire-after=24\n", "[requests] expire-after: not a duration" },
  { "bad-unit", BASE "[requests]\nexpire-after=2w\n", "[requests] expire-after" },
  { "too-long", BASE "[requests]\nexpire-after=366d\n", "[requests] expire-after" },
  { "zero-duration", BASE "[requests]\nexpire-after=0s\n", "[requests] expire-after" },
  { "retain-past", BASE "[store]\nretain-past=30d\n", NULL },
  { "retain-forever", BASE "[store]\nretain-past=0\n", NULL },
  { "retain-bad", BASE "[store]\nretain-past=3 months\n", "[store] retain-past: not a duration" },
  { "retain-too-long", BASE "[store]\nretain-past=366d\n", "[store] retain-past" },
  { "unknown-store-key", BASE "[store]\ndir=/x\n", "unknown key 'dir' in [store]" },
  { "unknown-api-key", BASE "[api]\nbacklog=5\n", "unknown key 'backlog' in [api]" },
  { "not-keyfile", "this is not a key file", "" },
  { "empty", "", "state-dir is required" },
};

static void
test_table (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(IdgConfig) c = idg_config_load_data (cases[i].text, strlen (cases[i].text),
                                                   FALSE, &error);

    g_test_message ("case %s", cases[i].name);
    if (cases[i].error == NULL) {
      g_assert_no_error (error);
      g_assert_nonnull (c);
    } else {
      g_assert_null (c);
      g_assert_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].error));
      g_assert_null (strchr (error->message, '\n'));
    }
  }
}

/* qrtr://NODE is kept as libqmi clients spell it in their proxy open */
static void
test_qrtr (void)
{
  static const struct {
    const gchar *in;
    const gchar *out;
  } nodes[] = {
    { "qrtr://0", "qrtr://0" },
    { "qrtr://5", "qrtr://5" },
    { "qrtr://007", "qrtr://7" },
    { "qrtr://4294967295", "qrtr://4294967295" },
    { "/dev/cdc-wdm0", "/dev/cdc-wdm0" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (nodes); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *text = g_strdup_printf (BASE "[modem]\nqmi=%s\n", nodes[i].in);
    g_autoptr(IdgConfig) c = idg_config_load_data (text, strlen (text), FALSE, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (c->modem_qmi, ==, nodes[i].out);
  }
}

static void
test_values (void)
{
  const gchar *text = cases[1].text;
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgConfig) c = idg_config_load_data (text, strlen (text), FALSE, &error);
  const gchar *min = BASE "[proxy]\nqmi-socket=\n";
  g_autoptr(IdgConfig) m = idg_config_load_data (min, strlen (min), FALSE, &error);

  g_assert_nonnull (c);
  g_assert_cmpint (c->policy, ==, IDG_POLICY_PSEUDONYM);
  g_assert_cmpstr (c->modem_at, ==, "/dev/ttyUSB2");
  g_assert_cmpstr (c->mbim_socket, ==, "mbim-proxy");
  g_assert_cmpstr (c->at_link_selector, ==, "uid:0,exe:/usr/sbin/ModemManager");
  g_assert_cmpuint (c->audit_max_size, ==, 64 * 1024);
  g_assert_cmpuint (c->audit_keep, ==, 2);
  g_assert_cmpuint (c->audit_window, ==, 5);
  g_assert_cmpuint (c->audit_release_max_size, ==, 2 * 1024 * 1024);
  g_assert_cmpuint (c->audit_release_keep, ==, 9);
  g_assert_cmpuint (c->audit_rate, ==, 3);
  g_assert_cmpuint (c->audit_burst, ==, 7);
  g_assert_cmpuint (c->audit_flood_interval, ==, 30);
  /* defaults: redact, doors off unless named, 1 MiB x 4 (both logs), 10 s,
   * 5 records a second per uid, 50 at once, a flood record per 10 s */
  g_assert_nonnull (m);
  g_assert_cmpint (m->policy, ==, IDG_POLICY_REDACT);
  g_assert_null (m->qmi_socket);
  g_assert_null (m->modem_qmi);
  g_assert_cmpuint (m->audit_max_size, ==, 1024 * 1024);
  g_assert_cmpuint (m->audit_keep, ==, 4);
  g_assert_cmpuint (m->audit_window, ==, 10);
  g_assert_cmpuint (m->audit_release_max_size, ==, 1024 * 1024);
  g_assert_cmpuint (m->audit_release_keep, ==, 4);
  g_assert_cmpuint (m->audit_rate, ==, 5);
  g_assert_cmpuint (m->audit_burst, ==, 50);
  g_assert_cmpuint (m->audit_flood_interval, ==, 10);
}

/* [store] retain-past: given, 0 (for ever), and its default (90 days). */
static void
test_retention (void)
{
  static const struct { const gchar *text; gint64 seconds; } rows[] = {
    { BASE, 90 * 86400 },
    { BASE "[store]\nretain-past=30d\n", 30 * 86400 },
    { BASE "[store]\nretain-past=12h\n", 12 * 3600 },
    { BASE "[store]\nretain-past=0\n", 0 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(IdgConfig) c = idg_config_load_data (rows[i].text, strlen (rows[i].text), FALSE, &error);

    g_assert_no_error (error);
    g_assert_cmpint (c->store_retain_past, ==, rows[i].seconds);
  }
}

/* The budgets of docs/threat-model.md: given, and their defaults. */
static void
test_budgets (void)
{
  const gchar *text = BASE "[api]\nhandshakes-per-uid=2\nhandshake-timeout=1\nconnections-per-uid=8\n"
                      "[proxy]\nclients-per-uid=3\n[requests]\npending-per-uid=6\nexpire-after=90m\n";
  g_autoptr(IdgConfig) c = idg_config_load_data (text, strlen (text), FALSE, NULL);
  g_autoptr(IdgConfig) d = idg_config_load_data (BASE, strlen (BASE), FALSE, NULL);

  g_assert_nonnull (c);
  g_assert_cmpuint (c->api_handshakes_per_uid, ==, 2);
  g_assert_cmpuint (c->api_handshake_timeout, ==, 1);
  g_assert_cmpuint (c->api_connections_per_uid, ==, 8);
  g_assert_cmpuint (c->proxy_clients_per_uid, ==, 3);
  g_assert_cmpuint (c->requests_pending_per_uid, ==, 6);
  g_assert_cmpint (c->requests_expire_after, ==, 90 * 60);
  g_assert_nonnull (d);
  g_assert_cmpuint (d->api_handshakes_per_uid, ==, 4);
  g_assert_cmpuint (d->api_handshake_timeout, ==, 2);
  g_assert_cmpuint (d->api_connections_per_uid, ==, 32);
  g_assert_cmpuint (d->proxy_clients_per_uid, ==, 16);
  g_assert_cmpuint (d->requests_pending_per_uid, ==, 4);
  g_assert_cmpint (d->requests_expire_after, ==, 24 * 3600);
}

static void
test_dirs (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-config-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "c.conf", NULL);
  g_autofree gchar *good = g_strdup_printf ("[broker]\nstate-dir=%s\nruntime-dir=%s\n", dir, dir);
  g_autofree gchar *bad = g_strdup_printf ("[broker]\nstate-dir=%s/missing\nruntime-dir=%s\n", dir, dir);
  g_autoptr(GError) error = NULL;
  IdgConfig *c;

  g_assert_true (g_file_set_contents (path, good, -1, NULL));
  c = idg_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->path, ==, path);
  idg_config_free (c);

  g_assert_true (g_file_set_contents (path, bad, -1, NULL));
  c = idg_config_load (path, &error);
  g_assert_null (c);
  g_assert_nonnull (strstr (error->message, "is not a directory"));
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_unlink (path);
  c = idg_config_load (path, &error);
  g_assert_null (c);
  g_assert_nonnull (error);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/config/table", test_table);
  g_test_add_func ("/broker/config/values", test_values);
  g_test_add_func ("/broker/config/qrtr", test_qrtr);
  g_test_add_func ("/broker/config/budgets", test_budgets);
  g_test_add_func ("/broker/config/retention", test_retention);
  g_test_add_func ("/broker/config/dirs", test_dirs);
  return g_test_run ();
}
