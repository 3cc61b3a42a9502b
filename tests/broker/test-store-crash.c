// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Crash consistency of the consent store: a child performs 1,000 grant and
 * revoke operations and reports each one on a pipe once acknowledged; it is
 * killed with SIGKILL at a random point. The store must then load, hold
 * every acknowledged grant, and no acknowledged revoke may have come back.
 * The journal is compacted often so that kills also land in compactions.
 * IDG_CRASH_ROUNDS (default 50) kill points.
 */
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "idg-store.h"
#include "test-helpers.h"

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
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/store/crash-consistency", test_crash);
  return g_test_run ();
}
