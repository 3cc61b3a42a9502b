// SPDX-License-Identifier: GPL-2.0-or-later
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "idg-broker.h"
#include "idg-token.h"
#include "test-helpers.h"

typedef struct {
  gchar     *dir;
  IdgBroker *broker;
  guint      events[4];
} Fixture;

static void
on_event (IdgBroker *broker, IdgBrokerEvent event, const gchar *detail, gpointer data)
{
  ((Fixture *) data)->events[event]++;
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->broker = test_broker_new ("idg-broker", &f->dir);
  idg_broker_subscribe (f->broker, on_event, f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  idg_broker_free (f->broker);
  test_rmdir (f->dir);
  g_free (f->dir);
}

/* A random 15-digit value, so no test value is fixed anywhere. */
static gchar *
random_digits (void)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < 15; i++)
    g_string_append_c (s, (gchar) ('0' + g_random_int_range (0, 10)));
  return g_string_free (s, FALSE);
}

static void
test_identifiers (Fixture *f, gconstpointer data)
{
  g_autofree gchar *v1 = random_digits ();
  g_autofree gchar *v2 = random_digits ();
  IdgIds *ids = idg_broker_get_ids (f->broker);
  const gchar *src = NULL;
  gchar *got;

  idg_broker_set_identifier (f->broker, "at", IDG_KIND_IMEI, v2);
  idg_broker_set_identifier (f->broker, "qmi", IDG_KIND_IMEI, v1);
  idg_broker_set_identifier (f->broker, "qmi", IDG_KIND_IMEI, v1);   /* no change, no event */
  g_assert_cmpuint (f->events[IDG_BROKER_EVENT_IDENTIFIERS], ==, 2);
  got = idg_ids_dup_value (ids, IDG_KIND_IMEI, &src);
  g_assert_cmpstr (got, ==, v1);              /* qmi is served first */
  g_assert_cmpstr (src, ==, "qmi");
  idg_ids_value_free (got);
  idg_broker_clear_identifiers (f->broker, "qmi");
  got = idg_ids_dup_value (ids, IDG_KIND_IMEI, &src);
  g_assert_cmpstr (got, ==, v2);
  idg_ids_value_free (got);
  idg_broker_set_identifier (f->broker, "at", IDG_KIND_IMEI, NULL);
  g_assert_null (idg_ids_dup_value (ids, IDG_KIND_IMEI, NULL));   /* never stale */
  g_assert_cmphex (idg_ids_known_mask (ids), ==, 0);
  idg_broker_set_modem_state (f->broker, "qmi", "ready");
  g_assert_cmpstr (idg_ids_get_state (ids, "qmi"), ==, "ready");
  g_assert_cmpuint (f->events[IDG_BROKER_EVENT_STATUS], ==, 1);
}

static void
test_guard (Fixture *f, gconstpointer data)
{
  g_autofree gchar *me = g_strdup_printf ("uid:%u", (guint) getuid ());
  g_autoptr(IdgIdentity) who = test_identity (getuid (), getgid (), "/usr/bin/app", NULL, NULL);
  g_autoptr(IdgIdentity) stranger = test_identity (getuid () + 1, 1, "/usr/bin/app", NULL, NULL);
  IdgStore *store = idg_broker_get_store (f->broker);
  g_autofree gchar *gid = NULL;
  g_autoptr(GPtrArray) recs = NULL;
  IdgGuard g;

  g_assert_true (idg_store_add_grant (store, me, IDG_KIND_BIT (IDG_KIND_IMEI), "p", 0,
                                      g_get_real_time () / G_USEC_PER_SEC, &gid, NULL, NULL));
  g_assert_cmpuint (f->events[IDG_BROKER_EVENT_GRANTS], ==, 1);
  idg_broker_guard_begin (f->broker, who, &g);
  g_assert_true (idg_guard_allows (&g, IDG_KIND_IMEI));
  g_assert_false (idg_guard_allows (&g, IDG_KIND_IMSI));
  g_assert_cmpstr (g.service, ==, "exe:/usr/bin/app");
  idg_guard_count (&g, IDG_KIND_IMEI, IDG_DECISION_RELEASE);
  idg_broker_guard_end (f->broker, who, IDG_DOOR_QMI, &g);
  idg_broker_guard_begin (f->broker, stranger, &g);
  g_assert_false (idg_guard_allows (&g, IDG_KIND_IMEI));
  idg_broker_guard_end (f->broker, stranger, IDG_DOOR_QMI, &g);   /* empty: no record */

  /* revoked: the next message already sees it */
  g_assert_true (idg_store_revoke (store, gid, g_get_real_time () / G_USEC_PER_SEC, NULL));
  idg_broker_guard_begin (f->broker, who, &g);
  g_assert_false (idg_guard_allows (&g, IDG_KIND_IMEI));

  recs = idg_audit_query (idg_broker_get_audit (f->broker), 0, NULL);
  g_assert_cmpuint (recs->len, ==, 1);
  g_assert_cmpstr (((IdgAuditRecord *) recs->pdata[0])->grants, ==, gid);
  g_assert_cmpstr (((IdgAuditRecord *) recs->pdata[0])->door, ==, "qmi-proxy");
}

static void
test_read (Fixture *f, gconstpointer data)
{
  g_autofree gchar *me = g_strdup_printf ("uid:%u", (guint) getuid ());
  g_autoptr(IdgIdentity) who = test_identity (getuid (), getgid (), "/usr/bin/app", NULL, NULL);
  g_autoptr(IdgIdentity) stranger = test_identity (getuid () + 1, 1, "/usr/bin/app", NULL, NULL);
  g_autofree gchar *value = random_digits ();
  g_autofree gchar *token = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) recs = NULL;
  g_autofree gchar *log = NULL;
  g_autofree gchar *log_path = g_build_filename (f->dir, "audit.log", NULL);
  gchar *got;

  g_assert_true (idg_store_add_grant (idg_broker_get_store (f->broker), me,
                                      IDG_KIND_BIT (IDG_KIND_IMEI) | IDG_KIND_BIT (IDG_KIND_EID), "p", 0,
                                      g_get_real_time () / G_USEC_PER_SEC, NULL, &token, NULL));
  idg_broker_set_identifier (f->broker, "qmi", IDG_KIND_IMEI, value);

  got = idg_broker_read_identifier (f->broker, who, IDG_KIND_IMEI, token, IDG_DOOR_API, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, value);
  idg_ids_value_free (got);

  got = idg_broker_read_identifier (f->broker, stranger, IDG_KIND_IMEI, token, IDG_DOOR_API, &error);
  g_assert_null (got);
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_REFUSED);
  g_clear_error (&error);

  got = idg_broker_read_identifier (f->broker, who, IDG_KIND_EID, token, IDG_DOOR_API, &error);
  g_assert_null (got);
  g_assert_error (error, IDG_BROKER_ERROR, IDG_BROKER_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  recs = idg_audit_query (idg_broker_get_audit (f->broker), 0, NULL);
  g_assert_cmpuint (recs->len, ==, 2);
  g_assert_cmpint (((IdgAuditRecord *) recs->pdata[0])->decision, ==, IDG_DECISION_RELEASE);
  g_assert_cmpint (((IdgAuditRecord *) recs->pdata[1])->decision, ==, IDG_DECISION_REFUSE);
  g_assert_cmpstr (((IdgAuditRecord *) recs->pdata[1])->reason, ==, "selector-mismatch");
  /* neither the value nor the token is in the audit log */
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_null (strstr (log, value));
  g_assert_null (strstr (log, token + 5));
  idg_token_free (g_steal_pointer (&token));
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* An expiring grant is announced (GRANTS) when it expires, by one timer
 * that is gone once nothing more can expire. */
static void
test_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint before;

  g_assert_null (g_main_context_find_source_by_user_data (NULL, f->broker));
  g_assert_true (idg_store_add_grant (idg_broker_get_store (f->broker), "uid:1",
                                      IDG_KIND_BIT (IDG_KIND_IMEI), "p", 1, now, NULL, NULL, NULL));
  g_assert_true (idg_store_add_grant (idg_broker_get_store (f->broker), "uid:2",
                                      IDG_KIND_BIT (IDG_KIND_IMEI), "p", 0, now, NULL, NULL, NULL));
  before = f->events[IDG_BROKER_EVENT_GRANTS];
  g_assert_nonnull (g_main_context_find_source_by_user_data (NULL, f->broker));
  g_timeout_add (3000, quit_cb, loop);
  g_main_loop_run (loop);
  g_assert_cmpuint (f->events[IDG_BROKER_EVENT_GRANTS], ==, before + 1);
  g_assert_null (g_main_context_find_source_by_user_data (NULL, f->broker));
}

static void
test_modem_port (Fixture *f, gconstpointer data)
{
  g_autofree gchar *target = g_build_filename (f->dir, "ttyFAKE", NULL);
  g_autofree gchar *link = g_build_filename (f->dir, "qmi-link", NULL);
  g_autofree gchar *other = g_build_filename (f->dir, "other", NULL);

  g_assert_true (g_file_set_contents (target, "", 0, NULL));
  g_assert_true (g_file_set_contents (other, "", 0, NULL));
  g_assert_cmpint (symlink (target, link), ==, 0);
  g_assert_true (idg_broker_is_modem_port (f->broker, "qmi", link));
  g_assert_true (idg_broker_is_modem_port (f->broker, "qmi", target));
  g_assert_false (idg_broker_is_modem_port (f->broker, "qmi", other));
  g_assert_false (idg_broker_is_modem_port (f->broker, "mbim", target));
  g_assert_false (idg_broker_is_modem_port (f->broker, "qmi", NULL));
}

static guint
three (gpointer door)
{
  return 3;
}

static void
test_status (Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) st = NULL;
  g_autoptr(GVariant) doors = NULL;
  const gchar *policy = NULL;
  const gchar *addr = NULL;
  guint32 n = 0, active = 99;
  g_autofree gchar *printed = NULL;
  g_autofree gchar *value = random_digits ();

  idg_broker_add_door (f->broker, IDG_DOOR_QMI, "qmi-proxy", three, NULL);
  idg_broker_set_component_state (f->broker, "kernel", "absent");
  idg_broker_set_identifier (f->broker, "qmi", IDG_KIND_IMSI, value);
  st = g_variant_ref_sink (idg_broker_get_status (f->broker));
  g_assert_true (g_variant_lookup (st, "policy", "&s", &policy));
  g_assert_cmpstr (policy, ==, "redact");
  g_assert_true (g_variant_lookup (st, "grants-active", "u", &active));
  g_assert_cmpuint (active, ==, 0);
  doors = g_variant_lookup_value (st, "doors", G_VARIANT_TYPE ("a{s(su)}"));
  g_assert_true (g_variant_lookup (doors, "qmi-proxy", "(&su)", &addr, &n));
  g_assert_cmpuint (n, ==, 3);
  printed = g_variant_print (st, FALSE);
  g_assert_nonnull (strstr (printed, "imsi"));
  g_assert_null (strstr (printed, value));
}

/* A release the audit cannot record is not made: the API read is refused
 * with a clear error and the doors' guard allows nothing, until the release
 * log can be written again (probed once a second). */
static void
test_audit_fail_closed (Fixture *f, gconstpointer data)
{
  g_autofree gchar *me = NULL;
  g_autoptr(IdgIdentity) who = NULL;
  g_autofree gchar *value = NULL;
  g_autofree gchar *token = NULL;
  g_autoptr(GError) error = NULL;
  struct rlimit lim, saved;
  IdgGuard g;
  gchar *got;

  if (!g_test_subprocess ()) {
    g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed ();
    g_test_trap_assert_stderr ("*cannot write the release log*");
    return;
  }
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  signal (SIGXFSZ, SIG_IGN);
  me = g_strdup_printf ("uid:%u", (guint) getuid ());
  who = test_identity (getuid (), getgid (), "/usr/bin/app", NULL, NULL);
  value = random_digits ();
  g_assert_true (idg_store_add_grant (idg_broker_get_store (f->broker), me, IDG_KIND_BIT (IDG_KIND_IMEI),
                                      "p", 0, g_get_real_time () / G_USEC_PER_SEC, NULL, &token, NULL));
  idg_broker_set_identifier (f->broker, "qmi", IDG_KIND_IMEI, value);

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  lim = saved;
  lim.rlim_cur = 0;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &lim), ==, 0);
  got = idg_broker_read_identifier (f->broker, who, IDG_KIND_IMEI, token, IDG_DOOR_API, &error);
  g_assert_null (got);
  g_assert_error (error, IDG_BROKER_ERROR, IDG_BROKER_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "audit log cannot record"));
  g_clear_error (&error);
  idg_broker_guard_begin (f->broker, who, &g);
  g_assert_false (idg_guard_allows (&g, IDG_KIND_IMEI));

  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  g_usleep (1100 * 1000);
  idg_broker_guard_begin (f->broker, who, &g);
  g_assert_true (idg_guard_allows (&g, IDG_KIND_IMEI));
  got = idg_broker_read_identifier (f->broker, who, IDG_KIND_IMEI, token, IDG_DOOR_API, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, value);
  idg_ids_value_free (got);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/broker/core/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("identifiers", test_identifiers);
  ADD ("guard", test_guard);
  ADD ("read", test_read);
  ADD ("modem-port", test_modem_port);
  ADD ("expiry", test_expiry);
  ADD ("status", test_status);
  ADD ("audit-fail-closed", test_audit_fail_closed);
  return g_test_run ();
}
