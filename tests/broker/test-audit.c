// SPDX-License-Identifier: GPL-2.0-or-later
#include <glib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "idg-audit.h"
#include "idg-broker.h"
#include "test-helpers.h"

/* An audit with these sizes and window, a rate limit no test here reaches
 * unless it asks for one (open_limited). */
static IdgAudit *
open_limited (const gchar *dir, guint64 max_size, guint keep, guint window,
              guint rate, guint burst, GError **error)
{
  IdgAuditOptions o = {
    .max_size = max_size, .keep = keep,
    .release_max_size = max_size, .release_keep = keep,
    .window = window, .rate = rate, .burst = burst, .flood_interval = 1,
  };

  return idg_audit_new (dir, &o, error);
}

static IdgAudit *
open_audit (const gchar *dir, guint64 max_size, guint keep, guint window, GError **error)
{
  return open_limited (dir, max_size, keep, window, 100000, 100000, error);
}

/* dir/name, kept until the test ends (for one-line checks) */
static const gchar *
p_join (const gchar *dir, const gchar *name)
{
  static GPtrArray *keep;

  if (keep == NULL)
    keep = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (keep, g_build_filename (dir, name, NULL));
  return g_ptr_array_index (keep, keep->len - 1);
}

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
  IdgAudit *audit = open_audit (dir, 1 << 20, 2, 0, &error);
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
  audit = open_audit (dir, 1 << 20, 2, 0, &error);
  g_clear_pointer (&all, g_ptr_array_unref);
  all = idg_audit_query (audit, 0, &error);
  g_assert_cmpuint (all->len, ==, 4);
  /* and the next record, on a line of its own, is not lost with it */
  idg_audit_add (audit, who, IDG_DOOR_AT, "imsi", NULL, IDG_DECISION_REFUSE, 1, NULL);
  g_clear_pointer (&all, g_ptr_array_unref);
  all = idg_audit_query (audit, 0, &error);
  g_assert_cmpuint (all->len, ==, 5);
  g_assert_cmpstr (((IdgAuditRecord *) all->pdata[4])->kind, ==, "imsi");
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
  IdgAudit *audit = open_audit (dir, 4096, 2, 0, &error);
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
  g_autofree gchar *releases = g_build_filename (dir, "releases.log", NULL);
  g_autoptr(IdgIdentity) chatty = test_identity (5, 5, "/usr/bin/chatty", NULL, NULL);
  g_autoptr(IdgIdentity) other = test_identity (6, 6, "/usr/bin/other", NULL, NULL);
  g_autoptr(GError) error = NULL;
  IdgAudit *audit = open_audit (dir, 1 << 20, 2, 1, &error);
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

  /* a refusal and a release in the same message are separate records, the
   * release in its own file */
  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "x");
  idg_guard_count (&g, IDG_GUARD_SLOT_RAW_SIM, IDG_DECISION_REFUSE);
  idg_guard_count (&g, IDG_KIND_ICCID, IDG_DECISION_RELEASE);
  idg_audit_add_guard (audit, other, IDG_DOOR_AT, "g-0000000000000001", &g);
  g_assert_cmpuint (count_lines (path), ==, 5);
  g_assert_cmpuint (count_lines (releases), ==, 1);

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
    IdgAudit *audit = open_audit (dir, 1 << 20, 2, 0, NULL);
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

static IdgAuditRecord *
find_flood (GPtrArray *records, const gchar *service)
{
  guint i;

  for (i = 0; i < records->len; i++) {
    IdgAuditRecord *r = records->pdata[i];

    if (r->type == IDG_AUDIT_TYPE_FLOOD && g_strcmp0 (r->service, service) == 0)
      return r;
  }
  return NULL;
}

/* One uid refused through 2,000 labels (hard links of one program) while a
 * consented service reads and another uid is refused a few times: the
 * flooding uid gets its burst of records and one flood record that counts
 * the rest; the others lose nothing. */
static void
test_flood_per_uid (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-audit-XXXXXX", NULL);
  g_autoptr(IdgIdentity) reader = test_identity (0, 0, NULL, "mm.service", NULL);
  g_autoptr(IdgIdentity) victim = test_identity (1000, 1000, "/usr/bin/app", NULL, NULL);
  g_autoptr(GError) error = NULL;
  IdgAudit *audit = open_limited (dir, 1 << 20, 2, 10, 1, 5, &error);
  g_autoptr(GPtrArray) all = NULL, report = NULL;
  IdgAuditRecord *flood;
  guint i, written = 0, written_count = 0, releases = 0, victims = 0;
  gint64 t0 = g_get_monotonic_time (), elapsed;

  g_assert_no_error (error);
  for (i = 0; i < 2000; i++) {
    g_autofree gchar *exe = g_strdup_printf ("/tmp/links/l%u", i);
    g_autoptr(IdgIdentity) link = test_identity (65534, 65534, exe, NULL, NULL);

    g_assert_true (idg_audit_add_coalesced (audit, link, IDG_DOOR_QMI, IDG_AUDIT_KIND_RAW_SIM, NULL,
                                            IDG_DECISION_REFUSE, 1, "not-a-client"));
    if (i % 40 == 0)
      g_assert_true (idg_audit_add (audit, reader, IDG_DOOR_API, "imei", "g-0000000000000001",
                                    IDG_DECISION_RELEASE, 1, NULL));
    if (i % 700 == 0)
      idg_audit_add_coalesced (audit, victim, IDG_DOOR_MBIM, "imsi", NULL, IDG_DECISION_REWRITE, 1, NULL);
  }
  elapsed = g_get_monotonic_time () - t0;
  all = idg_audit_query (audit, 0, &error);
  g_assert_no_error (error);
  for (i = 0; i < all->len; i++) {
    IdgAuditRecord *r = all->pdata[i];

    if (r->type == IDG_AUDIT_TYPE_EVENT && g_str_has_prefix (r->identity, "uid=65534 ")) {
      written++;
      written_count += r->count;
    }
    releases += r->decision == IDG_DECISION_RELEASE;
    victims += g_strcmp0 (r->service, "exe:/usr/bin/app") == 0 ? r->count : 0;
    if (i > 0)
      g_assert_cmpint (((IdgAuditRecord *) all->pdata[i - 1])->usec, <=, r->usec);
  }
  g_test_message ("2000 refusals in %" G_GINT64_FORMAT " us: %u records written", elapsed, written);
  /* the burst, and one more per second the loop took */
  g_assert_cmpuint (written, >=, 5);
  g_assert_cmpuint (written, <=, 5 + elapsed / G_USEC_PER_SEC + 1);
  g_assert_cmpuint (releases, ==, 50);
  g_assert_cmpuint (victims, ==, 3);
  flood = find_flood (all, "uid:65534");
  g_assert_nonnull (flood);
  g_assert_cmpstr (idg_audit_record_decision (flood), ==, "flood");
  g_assert_cmpstr (flood->door, ==, "qmi-proxy");
  g_assert_cmpstr (flood->kind, ==, "raw-sim");
  g_assert_cmpstr (flood->identity, ==, "uid=65534");
  g_assert_cmpuint (flood->suppressed[IDG_DECISION_REFUSE], ==, 2000 - written_count);
  g_assert_cmpuint (flood->count, ==, 2000 - written_count);
  g_assert_cmpuint (flood->records, ==, 2000 - written_count);
  g_assert_null (find_flood (all, "uid:1000"));
  g_assert_null (find_flood (all, "uid:0"));

  /* the report counts what was suppressed under the uid */
  report = idg_audit_report (audit, 0, &error);
  g_assert_no_error (error);
  for (i = 0; i < report->len; i++) {
    IdgAuditReportRow *row = report->pdata[i];

    if (g_str_equal (row->service, "uid:65534")) {
      g_assert_cmpstr (row->kind, ==, "raw-sim");
      g_assert_cmpuint (row->count[IDG_DECISION_REFUSE], ==, 2000 - written_count);
      break;
    }
  }
  g_assert_cmpuint (i, <, report->len);
  idg_audit_free (audit);
  test_rmdir (dir);
}

/* Refusals from many uids (each under its rate) rotate audit.log many
 * times over; the releases made meanwhile are all still there, in their own
 * file, merged in time order; both logs stay within their bounds. */
static void
test_releases_apart (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-audit-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "audit.log", NULL);
  g_autofree gchar *rel = g_build_filename (dir, "releases.log", NULL);
  g_autoptr(IdgIdentity) reader = test_identity (0, 0, NULL, "mm.service", NULL);
  g_autoptr(GError) error = NULL;
  IdgAuditOptions o = { .max_size = 4096, .keep = 1, .release_max_size = 8192, .release_keep = 1,
                        .window = 0, .rate = 1, .burst = 2, .flood_interval = 1 };
  IdgAudit *audit = idg_audit_new (dir, &o, &error);
  g_autoptr(GPtrArray) all = NULL;
  const gchar *const files[] = { "audit.log", "audit.log.1", "releases.log", "releases.log.1" };
  guint i, releases = 0;
  struct stat st;

  g_assert_no_error (error);
  for (i = 0; i < 3000; i++) {
    g_autoptr(IdgIdentity) who = test_identity (10000 + i % 300, 1, "/usr/bin/x", NULL, NULL);

    idg_audit_add_coalesced (audit, who, IDG_DOOR_AT, "imei", NULL, IDG_DECISION_REFUSE, 1, NULL);
    if (i % 100 == 0)
      g_assert_true (idg_audit_add (audit, reader, IDG_DOOR_API, "imei", "g-0000000000000001",
                                    IDG_DECISION_RELEASE, 1, NULL));
  }
  g_assert_true (g_file_test (p_join (dir, "audit.log.1"), G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (p_join (dir, "audit.log.2"), G_FILE_TEST_EXISTS));
  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree gchar *p = g_build_filename (dir, files[i], NULL);

    if (stat (p, &st) == 0)
      g_assert_cmpint (st.st_size, <=, g_str_has_prefix (files[i], "audit") ? 4096 : 8192);
  }
  g_assert_cmpuint (count_lines (rel), ==, 30);
  all = idg_audit_query (audit, 0, &error);
  g_assert_no_error (error);
  for (i = 0; i < all->len; i++) {
    releases += ((IdgAuditRecord *) all->pdata[i])->decision == IDG_DECISION_RELEASE &&
                ((IdgAuditRecord *) all->pdata[i])->type == IDG_AUDIT_TYPE_EVENT;
    if (i > 0)
      g_assert_cmpint (((IdgAuditRecord *) all->pdata[i - 1])->usec, <=,
                       ((IdgAuditRecord *) all->pdata[i])->usec);
  }
  g_assert_cmpuint (releases, ==, 30);

  /* releases rotate on their own limit */
  for (i = 0; i < 100; i++)
    idg_audit_add (audit, reader, IDG_DOOR_API, "imei", "g-0000000000000001",
                   IDG_DECISION_RELEASE, 1, NULL);
  g_assert_true (g_file_test (p_join (dir, "releases.log.1"), G_FILE_TEST_EXISTS));
  g_assert_cmpint (stat (rel, &st), ==, 0);
  g_assert_cmpint (st.st_size, <=, 8192);
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, <=, 4096);
  idg_audit_free (audit);
  test_rmdir (dir);
}

/* A flood record names the kinds and doors it counted, whatever they were
 * (the first event takes the only token). */
static void
test_flood_names (void)
{
  static const struct {
    const gchar *kind, *door;
    IdgDecision  decision;
  } events[] = {
    { "imsi", IDG_DOOR_AT, IDG_DECISION_REFUSE },   /* written */
    { "imei", IDG_DOOR_API, IDG_DECISION_REFUSE },
    { IDG_AUDIT_KIND_RAW_SIM, IDG_DOOR_AT, IDG_DECISION_REFUSE },
    { IDG_AUDIT_KIND_UNREAD, IDG_DOOR_MBIM, IDG_DECISION_REWRITE },
    { "unknown", "some-door", IDG_DECISION_REFUSE },
  };
  g_autofree gchar *dir = g_dir_make_tmp ("idg-audit-XXXXXX", NULL);
  g_autoptr(IdgIdentity) who = test_identity (9, 9, "/usr/bin/x", NULL, NULL);
  IdgAudit *audit = open_limited (dir, 1 << 20, 2, 0, 1, 1, NULL);
  g_autoptr(GPtrArray) all = NULL;
  IdgAuditRecord *flood;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (events); i++)
    idg_audit_add (audit, who, events[i].door, events[i].kind, NULL, events[i].decision, 2, NULL);
  all = idg_audit_query (audit, 0, NULL);
  g_assert_cmpuint (all->len, ==, 2);
  flood = find_flood (all, "uid:9");
  g_assert_nonnull (flood);
  g_assert_cmpstr (flood->kind, ==, "imei,raw-sim,sim-unread,other");
  g_assert_cmpstr (flood->door, ==, "api,mbim-proxy,at,other");
  g_assert_cmpuint (flood->suppressed[IDG_DECISION_REFUSE], ==, 6);
  g_assert_cmpuint (flood->suppressed[IDG_DECISION_REWRITE], ==, 2);
  g_assert_cmpuint (flood->count, ==, 8);
  g_assert_cmpuint (flood->records, ==, 4);
  idg_audit_free (audit);
  test_rmdir (dir);
}

/* Flood records come from the main loop, one per interval, and no timer is
 * left armed once nothing is suppressed. */
static void
test_flood_timer (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-audit-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "audit.log", NULL);
  g_autoptr(IdgIdentity) who = test_identity (7, 7, "/usr/bin/x", NULL, NULL);
  g_autoptr(GError) error = NULL;
  IdgAudit *audit = open_limited (dir, 1 << 20, 2, 0, 1, 1, &error);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree gchar *data = NULL;
  guint i;

  for (i = 0; i < 10; i++)
    idg_audit_add (audit, who, IDG_DOOR_AT, "imei", NULL, IDG_DECISION_REFUSE, 1, NULL);
  g_assert_cmpuint (count_lines (path), ==, 1);
  g_timeout_add (1500, quit_cb, loop);
  g_main_loop_run (loop);
  g_assert_cmpuint (count_lines (path), ==, 2);
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  g_assert_nonnull (strstr (data, "\"decision\":\"flood\",\"count\":9,\"refused\":9,\"rewritten\":0,\"records\":9"));
  g_assert_null (g_main_context_find_source_by_user_data (NULL, audit));
  g_timeout_add (1200, quit_cb, loop);
  g_main_loop_run (loop);
  g_assert_cmpuint (count_lines (path), ==, 2);
  idg_audit_free (audit);
  test_rmdir (dir);
}

/* A release log that cannot be written: the release is refused (FALSE), no
 * door may release (can_release FALSE), one clear warning; once it can be
 * written again, a probe a second later lets releases through. Refusals
 * are not held up. */
static void
test_release_fail_closed (void)
{
  if (g_test_subprocess ()) {
    g_autofree gchar *dir = g_dir_make_tmp ("idg-audit-XXXXXX", NULL);
    g_autoptr(IdgIdentity) who = test_identity (1, 1, NULL, NULL, NULL);
    IdgAudit *audit = open_audit (dir, 1 << 20, 2, 1, NULL);
    g_autoptr(GPtrArray) all = NULL;
    struct rlimit lim = { 0, 0 }, saved;

    g_log_set_always_fatal (G_LOG_FATAL_MASK);
    signal (SIGXFSZ, SIG_IGN);
    g_assert_true (idg_audit_can_release (audit));
    g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
    lim = saved;
    lim.rlim_cur = 0;
    g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &lim), ==, 0);
    g_assert_false (idg_audit_add_coalesced (audit, who, IDG_DOOR_API, "imei", "g-0000000000000001",
                                             IDG_DECISION_RELEASE, 1, NULL));
    g_assert_false (idg_audit_can_release (audit));
    g_assert_false (idg_audit_add_coalesced (audit, who, IDG_DOOR_API, "imei", "g-0000000000000001",
                                             IDG_DECISION_RELEASE, 1, NULL));
    g_assert_true (idg_audit_add_coalesced (audit, who, IDG_DOOR_API, "imsi", NULL,
                                            IDG_DECISION_REFUSE, 1, NULL));
    g_usleep (1100 * 1000);
    g_assert_false (idg_audit_can_release (audit));   /* the disk is still refusing */
    g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
    g_assert_false (idg_audit_can_release (audit));   /* probed a moment ago */
    g_usleep (1100 * 1000);
    g_assert_true (idg_audit_can_release (audit));
    g_assert_true (idg_audit_add_coalesced (audit, who, IDG_DOOR_API, "imei", "g-0000000000000001",
                                            IDG_DECISION_RELEASE, 1, NULL));
    all = idg_audit_query (audit, 0, NULL);
    g_assert_cmpuint (all->len, ==, 1);   /* the refusal went nowhere, the release is there */
    g_assert_cmpint (((IdgAuditRecord *) all->pdata[0])->decision, ==, IDG_DECISION_RELEASE);
    idg_audit_free (audit);
    test_rmdir (dir);
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*cannot write the release log*consented reads are refused*");
  g_test_trap_assert_stderr ("*release log*is written again*");
  g_test_trap_assert_stderr_unmatched ("*cannot write the release log*cannot write the release log*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/audit/records", test_records);
  g_test_add_func ("/broker/audit/rotation", test_rotation);
  g_test_add_func ("/broker/audit/coalesce", test_coalesce);
  g_test_add_func ("/broker/audit/write-failure", test_write_failure);
  g_test_add_func ("/broker/audit/flood-per-uid", test_flood_per_uid);
  g_test_add_func ("/broker/audit/releases-apart", test_releases_apart);
  g_test_add_func ("/broker/audit/flood-timer", test_flood_timer);
  g_test_add_func ("/broker/audit/flood-names", test_flood_names);
  g_test_add_func ("/broker/audit/release-fail-closed", test_release_fail_closed);
  return g_test_run ();
}
