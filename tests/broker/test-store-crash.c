// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Crash consistency of the consent store: a child performs 1,000 grant and
 * revoke operations and reports each one on a pipe once acknowledged; it is
 * killed with SIGKILL at a random point. The store must then load, hold
 * every acknowledged grant, and no acknowledged revoke may have come back.
 * The journal is compacted often so that kills also land in compactions.
 * IDG_CRASH_ROUNDS (default 50) kill points.
 *
 * Changes that touch several records (revoke --to, approve, claim, a
 * request that supersedes another, expiry of several requests) are one
 * journal record each: the journal is cut in that record (every byte of
 * its ends, every 5th in between), and also given a newline there (a
 * crashed write's garbage), and each cut
 * must load as the state before the change, never a part of it; the whole
 * record loads as the state after it.
 */
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "idg-store.h"
#include "test-helpers.h"

#define NOW 1700000000

#define OPS 1000

static void
child (const gchar *dir, int out)
{
  g_autoptr(GPtrArray) active = g_ptr_array_new_with_free_func (g_free);
  IdgStore *store = idg_store_load (dir, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint i;

  if (store == NULL)
    _exit (3);
  /* compact often, so that kills land in compactions too */
  idg_store_set_journal_limit (store, 32);
  for (i = 0; i < OPS; i++) {
    g_autofree gchar *line = NULL;

    if (active->len > 0 && g_random_int_range (0, 100) < 40) {
      guint k = (guint) g_random_int_range (0, (gint) active->len);
      gchar *id = g_ptr_array_steal_index_fast (active, k);

      if (!idg_store_revoke (store, id, now, NULL))
        _exit (4);
      line = g_strdup_printf ("R %s\n", id);
      g_free (id);
    } else {
      g_autofree gchar *sel = g_strdup_printf ("uid:%u,exe:/usr/bin/svc%u", i, i);
      gchar *id = NULL;

      if (!idg_store_add_grant (store, sel, IDG_KIND_BIT (IDG_KIND_IMEI), "crash test",
                                0, now, &id, NULL, NULL))
        _exit (5);
      line = g_strdup_printf ("G %s\n", id);
      g_ptr_array_add (active, id);
    }
    if (write (out, line, strlen (line)) != (ssize_t) strlen (line))
      _exit (6);
  }
  _exit (0);
}

static void
one_round (guint round)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-crash-XXXXXX", NULL);
  guint kill_after = (guint) g_random_int_range (1, OPS);
  g_autoptr(GHashTable) granted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) revoked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) grants = NULL;
  GHashTableIter it;
  gpointer key;
  IdgStore *store;
  gchar buf[64];
  guint acked = 0, i;
  gboolean killed = FALSE;
  int p[2], status;
  FILE *in;
  pid_t pid;

  g_assert_cmpint (pipe (p), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0) {
    close (p[0]);
    child (dir, p[1]);
  }
  close (p[1]);
  in = fdopen (p[0], "r");
  while (fgets (buf, sizeof buf, in) != NULL) {
    g_strchomp (buf);
    g_assert_true (buf[0] == 'G' || buf[0] == 'R');
    g_hash_table_add (buf[0] == 'G' ? granted : revoked, g_strdup (buf + 2));
    if (++acked == kill_after && !killed) {
      g_usleep ((gulong) g_random_int_range (0, 3000));
      kill (pid, SIGKILL);
      killed = TRUE;
    }
  }
  fclose (in);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status) || (WIFEXITED (status) && WEXITSTATUS (status) == 0));
  g_test_message ("round %u: killed after %u acks, %u seen", round, kill_after, acked);

  store = idg_store_load (dir, &error);
  g_assert_no_error (error);
  g_hash_table_iter_init (&it, granted);
  while (g_hash_table_iter_next (&it, &key, NULL)) {
    g_autoptr(IdgGrant) g = idg_store_lookup_grant (store, key);

    g_assert_nonnull (g);                       /* an acknowledged grant is never lost */
    if (g_hash_table_contains (revoked, key))
      g_assert_true (g->revoked);               /* a revoked grant never comes back */
  }
  /* at most the one operation in flight may have landed beyond the acks */
  grants = idg_store_list_grants (store);
  g_assert_cmpuint (grants->len, >=, g_hash_table_size (granted));
  g_assert_cmpuint (grants->len, <=, g_hash_table_size (granted) + 1);
  for (i = 0; i < grants->len; i++) {
    IdgGrant *g = grants->pdata[i];
    if (g->revoked && !g_hash_table_contains (revoked, g->id))
      g_assert_true (g_hash_table_contains (granted, g->id));
  }
  idg_store_free (store);
  test_rmdir (dir);
}

/* ---- one record per change ---- */

static gint
cmp_lines (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

/* The state a user sees: every grant (revoked, token hash) and request
 * (state, grant), in id order. */
static gchar *
describe (const gchar *dir)
{
  g_autoptr(GError) error = NULL;
  IdgStore *store = idg_store_load (dir, &error);
  g_autoptr(GPtrArray) grants = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  guint i;

  g_assert_no_error (error);
  grants = idg_store_list_grants (store);
  requests = idg_store_list_requests (store);
  for (i = 0; i < grants->len; i++) {
    IdgGrant *g = grants->pdata[i];
    g_autofree gchar *hash = idg_store_dup_token_hash (store, g->id);

    g_ptr_array_add (lines, g_strdup_printf ("%s revoked=%d hash=%s", g->id, g->revoked,
                                             hash != NULL ? hash : "-"));
  }
  for (i = 0; i < requests->len; i++) {
    IdgRequest *r = requests->pdata[i];

    g_ptr_array_add (lines, g_strdup_printf ("%s %s grant=%s", r->id, idg_request_state_to_string (r->state),
                                             r->grant_id != NULL ? r->grant_id : "-"));
  }
  idg_store_free (store);
  g_ptr_array_sort (lines, cmp_lines);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (gchar **) lines->pdata);
}

static gchar *
journal_text (const gchar *dir, gsize *len)
{
  g_autofree gchar *path = g_build_filename (dir, "store.journal", NULL);
  gchar *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, len, NULL));
  return data;
}

typedef struct {
  IdgIdentity *svc;
  gchar       *request;   /* made by prepare, if any */
  gchar       *grant;
} Scene;

typedef void (*SceneFunc) (IdgStore *store, Scene *scene);

static void
prep_grants (IdgStore *store, Scene *scene)
{
  guint i;

  for (i = 0; i < 3; i++)
    g_assert_true (idg_store_add_grant (store, "uid:77", IDG_KIND_BIT (IDG_KIND_IMEI), "p", 0, NOW,
                                        NULL, NULL, NULL));
}

static void
do_revoke_to (IdgStore *store, Scene *scene)
{
  guint n = 0;

  g_assert_true (idg_store_revoke_selector (store, "uid:77", NOW, &n, NULL));
  g_assert_cmpuint (n, ==, 3);
}

static void
prep_request (IdgStore *store, Scene *scene)
{
  g_clear_pointer (&scene->request, g_free);   /* the last one made counts */
  g_assert_true (idg_store_add_request (store, scene->svc, IDG_KIND_BIT (IDG_KIND_IMSI), "p", NOW,
                                        &scene->request, NULL));
}

static void
do_approve (IdgStore *store, Scene *scene)
{
  g_assert_true (idg_store_approve_request (store, scene->request, 0, NOW, &scene->grant, NULL, NULL));
}

static void
prep_approved (IdgStore *store, Scene *scene)
{
  prep_request (store, scene);
  do_approve (store, scene);
}

static void
do_claim (IdgStore *store, Scene *scene)
{
  gchar *token = NULL;

  g_assert_true (idg_store_claim_request (store, scene->request, scene->svc, NOW, NULL, &token, NULL));
  g_free (token);
}

static void
prep_at_budget (IdgStore *store, Scene *scene)
{
  guint i;

  for (i = 0; i < 4; i++)
    prep_request (store, scene);
}

static void
do_supersede (IdgStore *store, Scene *scene)
{
  g_autofree gchar *id = NULL;

  g_assert_true (idg_store_add_request (store, scene->svc, IDG_KIND_BIT (IDG_KIND_IMEI), "q", NOW + 1,
                                        &id, NULL));
}

static void
do_expire (IdgStore *store, Scene *scene)
{
  g_assert_cmpuint (idg_store_expire_requests (store, NOW + 2 * 24 * 3600), ==, 4);
}

static const struct {
  const gchar *name;
  SceneFunc    prepare, change;
} scenes[] = {
  { "revoke-to", prep_grants, do_revoke_to },
  { "approve", prep_request, do_approve },
  { "claim", prep_approved, do_claim },
  { "supersede", prep_at_budget, do_supersede },
  { "expire", prep_at_budget, do_expire },
};

static void
run_scene (gconstpointer data)
{
  const gchar *name = data;
  g_autofree gchar *dir = g_dir_make_tmp ("idg-cut-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "store.journal", NULL);
  g_autofree gchar *before = NULL, *after = NULL, *j0 = NULL, *j1 = NULL;
  Scene scene = { .svc = test_identity (500, 500, "/usr/bin/svc", NULL, NULL) };
  gsize len0 = 0, len1 = 0, off;
  IdgStore *store;
  guint s, lines = 0;

  for (s = 0; !g_str_equal (scenes[s].name, name); s++)
    ;
  store = idg_store_load (dir, NULL);
  scenes[s].prepare (store, &scene);
  idg_store_free (store);
  before = describe (dir);
  j0 = journal_text (dir, &len0);
  store = idg_store_load (dir, NULL);
  scenes[s].change (store, &scene);
  idg_store_free (store);
  after = describe (dir);
  j1 = journal_text (dir, &len1);
  g_assert_cmpstr (before, !=, after);
  /* one change, one record */
  g_assert_cmpuint (len1, >, len0);
  g_assert_true (memcmp (j0, j1, len0) == 0);
  for (off = len0; off < len1; off++)
    lines += j1[off] == '\n';
  g_assert_cmpuint (lines, ==, 1);
  /* a cut anywhere in it (a crash during the write), with or without a
   * newline after the cut: the state before; whole: the state after.
   * Every byte of the first and last 48 of the record (its opening, the
   * member boundaries near its end, the newline), every 5th in between
   * (each load with a cut syncs a file: keep the test short). */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);   /* the cut is logged */
  for (off = len0; off <= len1; off += (off - len0 < 48 || len1 - off <= 48) ? 1 : 5) {
    guint nl;

    for (nl = 0; nl < (off < len1 - 1 ? 2u : 1u); nl++) {
      g_autofree gchar *text = g_strndup (j1, off);
      g_autofree gchar *got = NULL;
      g_autofree gchar *with_nl = g_strconcat (text, nl ? "\n" : "", NULL);

      g_unlink (path);   /* then written without syncing: the test's own speed */
      g_assert_true (g_file_set_contents_full (path, with_nl, -1, G_FILE_SET_CONTENTS_NONE, 0600, NULL));
      got = describe (dir);
      if (off == len1)
        g_assert_cmpstr (got, ==, after);
      else
        g_assert_cmpstr (got, ==, before);
    }
  }
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  g_test_message ("%s: record of %" G_GSIZE_FORMAT " bytes, cut and loaded", name, len1 - len0);
  idg_identity_free (scene.svc);
  g_free (scene.request);
  g_free (scene.grant);
  test_rmdir (dir);
}

static void
test_crash (void)
{
  const gchar *env = g_getenv ("IDG_CRASH_ROUNDS");
  guint rounds = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : 50;
  guint r;

  for (r = 0; r < rounds; r++)
    one_round (r);
}

int
main (int argc, char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/store/crash-consistency", test_crash);
  for (i = 0; i < G_N_ELEMENTS (scenes); i++) {
    g_autofree gchar *path = g_strdup_printf ("/broker/store/one-record/%s", scenes[i].name);

    g_test_add_data_func (path, scenes[i].name, run_scene);
  }
  return g_test_run ();
}
