// SPDX-License-Identifier: GPL-2.0-or-later
#include <glib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "idg-audit.h"
#include "idg-broker.h"
#include "test-helpers.h"

static guint
count_lines (const gchar *path)
{
  g_autofree gchar *data = NULL;
  guint n = 0;
  const gchar *p;

  if (!g_file_get_contents (path, &data, NULL, NULL))
    return 0;
  for (p = data; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

static void
on_record (const IdgAuditRecord *r, gpointer data)
{
  (*(guint *) data)++;
}

static void
test_records (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-audit-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "audit.log", NULL);
  g_autoptr(IdgIdentity) who = test_identity (1000, 1000, "/usr/bin/app", "app.service", NULL);
  g_autoptr(GError) error = NULL;
  IdgAudit *audit = idg_audit_new (dir, 1 << 20, 2, 0, &error);
  g_autoptr(GPtrArray) all = NULL, later = NULL;
  IdgAuditRecord *r;
  gint64 mid;
  guint seen = 0, sub;

  g_assert_no_error (error);
  sub = idg_audit_subscribe (audit, on_record, &seen);
  idg_audit_add (audit, who, IDG_DOOR_API, "imei", "g-0123456789abcdef", IDG_DECISION_RELEASE, 1, NULL);
  g_usleep (2000);
  mid = g_get_real_time ();
  idg_audit_add (audit, who, IDG_DOOR_QMI, "imsi", NULL, IDG_DECISION_REWRITE, 3, NULL);
  idg_audit_add (audit, who, IDG_DOOR_AT, IDG_AUDIT_KIND_RAW_SIM, NULL, IDG_DECISION_REFUSE, 1, "expired");
  idg_audit_unsubscribe (audit, sub);
  idg_audit_add (audit, who, IDG_DOOR_AT, "iccid", NULL, IDG_DECISION_REFUSE, 1, NULL);
  g_assert_cmpuint (seen, ==, 3);

  all = idg_audit_query (audit, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 4);
  r = all->pdata[0];
  g_assert_cmpstr (r->service, ==, "unit:app.service");
  g_assert_cmpstr (r->kind, ==, "imei");
  g_assert_cmpstr (r->door, ==, "api");
  g_assert_cmpstr (r->grants, ==, "g-0123456789abcdef");
  g_assert_cmpint (r->decision, ==, IDG_DECISION_RELEASE);
  g_assert_nonnull (strstr (r->identity, "uid=1000"));
  r = all->pdata[2];
  g_assert_cmpstr (r->reason, ==, "expired");
  g_assert_cmpstr (r->kind, ==, "raw-sim");

  later = idg_audit_query (audit, mid, &error);
  g_assert_cmpuint (later->len, ==, 3);
  g_assert_cmpuint (((IdgAuditRecord *) later->pdata[0])->count, ==, 3);
  idg_audit_free (audit);

  /* a torn last line (crash mid-write) is skipped, not fatal */
  {
    FILE *fp = fopen (path, "a");
    fputs ("{\"time\":\"2026-", fp);
    fclose (fp);
  }
  audit = idg_audit_new (dir, 1 << 20, 2, 0, &error);
  g_clear_pointer (&all, g_ptr_array_unref);
  all = idg_audit_query (audit, 0, &error);
  g_assert_cmpuint (all->len, ==, 4);
  idg_audit_free (audit);
  test_rmdir (dir);
}

static void
test_rotation (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-audit-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "audit.log", NULL);
  g_autofree gchar *p1 = g_strconcat (path, ".1", NULL);
  g_autofree gchar *p2 = g_strconcat (path, ".2", NULL);
  g_autofree gchar *p3 = g_strconcat (path, ".3", NULL);
  g_autoptr(IdgIdentity) who = test_identity (1, 1, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  IdgAudit *audit = idg_audit_new (dir, 4096, 2, 0, &error);
  g_autoptr(GPtrArray) all = NULL;
  struct stat st;
  guint i, total;

  for (i = 0; i < 200; i++)
    idg_audit_add (audit, who, IDG_DOOR_API, "imei", NULL, IDG_DECISION_REFUSE, 1, NULL);
  g_assert_true (g_file_test (p1, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (p2, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (p3, G_FILE_TEST_EXISTS));
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, <=, 4096);
  g_assert_cmpint (stat (p1, &st), ==, 0);
  g_assert_cmpint (st.st_size, <=, 4096);
  total = count_lines (path) + count_lines (p1) + count_lines (p2);
  all = idg_audit_query (audit, 0, &error);
  g_assert_cmpuint (all->len, ==, total);
  g_assert_cmpuint (total, <, 200);
  /* oldest first across files */
  for (i = 1; i < all->len; i++)
    g_assert_cmpint (((IdgAuditRecord *) all->pdata[i - 1])->usec, <=,
                     ((IdgAuditRecord *) all->pdata[i])->usec);
  idg_audit_free (audit);
  test_rmdir (dir);
}

static void
guard_with (IdgGuard *g, IdgKind kind, IdgDecision d, guint n)
{
  idg_guard_init (g, 0, IDG_POLICY_REDACT, NULL, "x");
  while (n-- > 0)
    idg_guard_count (g, kind, d);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
test_coalesce (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-audit-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "audit.log", NULL);
  g_autoptr(IdgIdentity) chatty = test_identity (5, 5, "/usr/bin/chatty", NULL, NULL);
  g_autoptr(IdgIdentity) other = test_identity (6, 6, "/usr/bin/other", NULL, NULL);
  g_autoptr(GError) error = NULL;
  IdgAudit *audit = idg_audit_new (dir, 1 << 20, 2, 1, &error);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GPtrArray) all = NULL, report = NULL;
  IdgGuard g;
  guint i;

  /* 1000 identical messages: the first written at once, the rest pending */
  for (i = 0; i < 1000; i++) {
    guard_with (&g, IDG_KIND_IMEI, IDG_DECISION_REWRITE, 1);
    idg_audit_add_guard (audit, chatty, IDG_DOOR_QMI, NULL, &g);
  }
  guard_with (&g, IDG_KIND_IMSI, IDG_DECISION_REWRITE, 2);
  idg_audit_add_guard (audit, other, IDG_DOOR_MBIM, NULL, &g);
  g_assert_cmpuint (count_lines (path), ==, 2);

  /* the summary comes when the window ends, from the main loop */
  g_timeout_add (2500, quit_cb, loop);
  g_main_loop_run (loop);
  g_assert_cmpuint (count_lines (path), ==, 3);

  /* nothing pending: no timer armed, nothing more written */
  g_assert_null (g_main_context_find_source_by_user_data (NULL, audit));
  g_timeout_add (1200, quit_cb, loop);
  g_main_loop_run (loop);
  g_assert_cmpuint (count_lines (path), ==, 3);

  all = idg_audit_query (audit, 0, &error);
  g_assert_cmpuint (all->len, ==, 3);
  g_assert_cmpuint (((IdgAuditRecord *) all->pdata[0])->count, ==, 1);
  g_assert_cmpuint (((IdgAuditRecord *) all->pdata[2])->count, ==, 999);

  /* after a quiet window the next event is written at once again */
  guard_with (&g, IDG_KIND_IMEI, IDG_DECISION_REWRITE, 1);
  idg_audit_add_guard (audit, chatty, IDG_DOOR_QMI, NULL, &g);
  g_assert_cmpuint (count_lines (path), ==, 4);

  /* a refusal and a release in the same message are separate records */
  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "x");
  idg_guard_count (&g, IDG_GUARD_SLOT_RAW_SIM, IDG_DECISION_REFUSE);
  idg_guard_count (&g, IDG_KIND_ICCID, IDG_DECISION_RELEASE);
  idg_audit_add_guard (audit, other, IDG_DOOR_AT, "g-0000000000000001", &g);
  g_assert_cmpuint (count_lines (path), ==, 6);

  /* flush at free writes what is pending */
  guard_with (&g, IDG_KIND_IMEI, IDG_DECISION_REWRITE, 1);
  idg_audit_add_guard (audit, chatty, IDG_DOOR_QMI, NULL, &g);
  report = idg_audit_report (audit, 0, &error);
  g_assert_no_error (error);
  /* rows: exe:/usr/bin/chatty imei; exe:/usr/bin/other iccid, imsi, raw-sim */
  g_assert_cmpuint (report->len, ==, 4);
  {
    IdgAuditReportRow *row = report->pdata[0];
    g_assert_cmpstr (row->service, ==, "exe:/usr/bin/chatty");
    g_assert_cmpstr (row->kind, ==, "imei");
    g_assert_cmpuint (row->count[IDG_DECISION_REWRITE], ==, 1002);
    g_assert_cmpuint (row->count[IDG_DECISION_RELEASE], ==, 0);
    row = report->pdata[1];
    g_assert_cmpstr (row->kind, ==, "iccid");
    g_assert_cmpuint (row->count[IDG_DECISION_RELEASE], ==, 1);
    row = report->pdata[3];
    g_assert_cmpstr (row->kind, ==, "raw-sim");
    g_assert_cmpuint (row->count[IDG_DECISION_REFUSE], ==, 1);
  }
  idg_audit_free (audit);
  test_rmdir (dir);
}

/* A log that cannot be written (here: the file size limit) gives one
 * warning, not one per record, and records still reach subscribers. */
static void
test_write_failure (void)
{
  if (g_test_subprocess ()) {
    g_autofree gchar *dir = g_dir_make_tmp ("idg-audit-XXXXXX", NULL);
    g_autoptr(IdgIdentity) who = test_identity (1, 1, NULL, NULL, NULL);
    IdgAudit *audit = idg_audit_new (dir, 1 << 20, 2, 0, NULL);
    struct rlimit lim = { 0, 0 };
    guint seen = 0, i;

    g_log_set_always_fatal (G_LOG_FATAL_MASK);
    signal (SIGXFSZ, SIG_IGN);
    g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &lim), ==, 0);
    lim.rlim_cur = 0;
    g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &lim), ==, 0);
    idg_audit_subscribe (audit, on_record, &seen);
    for (i = 0; i < 20; i++)
      idg_audit_add (audit, who, IDG_DOOR_API, "imei", NULL, IDG_DECISION_REFUSE, 1, NULL);
    g_assert_cmpuint (seen, ==, 20);
    idg_audit_free (audit);
    test_rmdir (dir);
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*cannot write*");
  g_test_trap_assert_stderr_unmatched ("*cannot write*cannot write*");   /* once */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/audit/records", test_records);
  g_test_add_func ("/broker/audit/rotation", test_rotation);
  g_test_add_func ("/broker/audit/coalesce", test_coalesce);
  g_test_add_func ("/broker/audit/write-failure", test_write_failure);
  return g_test_run ();
}
