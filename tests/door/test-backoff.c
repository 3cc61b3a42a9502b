/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib.h>
#include <glib/gstdio.h>
#include "idg-backoff.h"

/* events: 'f' a failure (its delay is the next number of expect), 's' a
 * success */
static const struct {
  guint        min_s, max_s;
  const gchar *events;
  guint        expect[12];
} paces[] = {
  /* the QMI and AT backends */
  { 1, 60, "fffffffff", { 1, 2, 4, 8, 16, 32, 60, 60, 60 } },
  /* the MBIM backend */
  { 1, 30, "fffffff", { 1, 2, 4, 8, 16, 30, 30 } },
  /* a success starts again at the minimum */
  { 1, 60, "fffsfsff", { 1, 2, 4, 1, 1, 2 } },
  { 1, 60, "ssf", { 1 } },
  /* a cap that is no power of two, a minimum above 1 */
  { 3, 10, "ffffsf", { 3, 6, 10, 10, 3 } },
  { 5, 5, "fff", { 5, 5, 5 } },
  /* a cap below the minimum counts as the minimum; 0 counts as 1 */
  { 7, 2, "ff", { 7, 7 } },
  { 0, 4, "ffff", { 1, 2, 4, 4 } },
  /* doubling near the top of guint does not wrap */
  { G_MAXUINT / 2 + 1, G_MAXUINT, "fff", { G_MAXUINT / 2 + 1, G_MAXUINT, G_MAXUINT } },
};

static void
never (gpointer user_data)
{
  g_assert_not_reached ();
}

static void
test_pace (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (paces); i++) {
    IdgBackoff b;
    const gchar *e;
    guint k = 0;

    idg_backoff_init (&b, paces[i].min_s, paces[i].max_s, never, NULL);
    for (e = paces[i].events; *e; e++) {
      if (*e == 's') {
        idg_backoff_reset (&b);
        continue;
      }
      g_assert_cmpuint (k, <, G_N_ELEMENTS (paces[i].expect));
      g_assert_cmpuint (idg_backoff_next (&b), ==, paces[i].expect[k]);
      k++;
    }
    g_assert_false (idg_backoff_is_armed (&b));
  }
}

/* The armed retry: one at a time, its delay in the state text, cancelled
 * on free. */
static void
test_schedule_armed (void)
{
  IdgBackoff b;
  gchar *state;

  idg_backoff_init (&b, 1, 60, never, NULL);
  state = idg_backoff_schedule (&b, "cannot open the port");
  g_assert_cmpstr (state, ==, "retrying in 1s: cannot open the port");
  g_free (state);
  g_assert_true (idg_backoff_is_armed (&b));
  /* a second failure of the same incident: the armed retry stands */
  state = idg_backoff_schedule (&b, "modem gone");
  g_assert_cmpstr (state, ==, "retrying in 1s: modem gone");
  g_free (state);
  idg_backoff_cancel (&b);
  g_assert_false (idg_backoff_is_armed (&b));
  idg_backoff_cancel (&b);
  /* disarmed: the next failure waits longer */
  state = idg_backoff_schedule (&b, "again");
  g_assert_cmpstr (state, ==, "retrying in 2s: again");
  g_free (state);
  idg_backoff_cancel (&b);
}

typedef struct {
  IdgBackoff  b;
  GMainLoop  *loop;
  guint       fired;
  gboolean    armed_in_func;
} Fire;

static void
on_fire (gpointer user_data)
{
  Fire *f = user_data;

  f->fired++;
  f->armed_in_func = idg_backoff_is_armed (&f->b);
  g_main_loop_quit (f->loop);
}

static gboolean
on_guard (gpointer user_data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

/* The timer fires once, disarmed before the callback runs. */
static void
test_schedule_fires (void)
{
  Fire f = { 0, };
  guint guard;
  gchar *state;

  f.loop = g_main_loop_new (NULL, FALSE);
  idg_backoff_init (&f.b, 1, 60, on_fire, &f);
  state = idg_backoff_schedule (&f.b, "the modem does not answer");
  g_free (state);
  guard = g_timeout_add_seconds (10, on_guard, NULL);
  g_main_loop_run (f.loop);
  g_source_remove (guard);
  g_assert_cmpuint (f.fired, ==, 1);
  g_assert_false (f.armed_in_func);
  g_assert_false (idg_backoff_is_armed (&f.b));
  g_assert_cmpuint (f.b.next_s, ==, 2);
  g_main_loop_unref (f.loop);
}

static gboolean
touch_later (gpointer user_data)
{
  g_assert_true (g_file_set_contents (user_data, "", 0, NULL));
  return G_SOURCE_REMOVE;
}

static gboolean
chmod_later (gpointer user_data)
{
  g_assert_cmpint (g_chmod (user_data, 0600), ==, 0);
  return G_SOURCE_REMOVE;
}

/* A watched port: its node appearing, then its mode changing (what the
 * kernel and then udev do to a hotplugged modem's port), each run the
 * armed retry at once, however long the pace had grown, and start the
 * pace again at the minimum. */
static void
test_watch_path (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-backoff-XXXXXX", NULL);
  g_autofree gchar *port = g_build_filename (dir, "cdc-wdm0", NULL);
  Fire f = { 0, };
  gint64 t;
  guint guard, i;
  gchar *state;

  g_assert_nonnull (dir);
  f.loop = g_main_loop_new (NULL, FALSE);
  idg_backoff_init (&f.b, 1, 60, on_fire, &f);
  idg_backoff_watch_path (&f.b, port);
  g_assert_nonnull (f.b.monitor);
  for (i = 0; i < 5; i++)
    idg_backoff_next (&f.b);
  state = idg_backoff_schedule (&f.b, "cannot open the port");
  g_assert_cmpstr (state, ==, "retrying in 32s: cannot open the port");
  g_free (state);
  guard = g_timeout_add_seconds (10, on_guard, NULL);
  t = g_get_monotonic_time ();
  g_timeout_add (100, touch_later, port);
  g_main_loop_run (f.loop);
  g_assert_cmpuint (f.fired, ==, 1);
  g_assert_false (f.armed_in_func);
  g_assert_cmpuint (f.b.next_s, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - t, <, 9 * G_USEC_PER_SEC);

  /* still not openable (udev has not given it away yet): armed again */
  for (i = 0; i < 4; i++)
    idg_backoff_next (&f.b);
  state = idg_backoff_schedule (&f.b, "permission denied");
  g_assert_cmpstr (state, ==, "retrying in 16s: permission denied");
  g_free (state);
  g_timeout_add (100, chmod_later, port);
  g_main_loop_run (f.loop);
  g_source_remove (guard);
  g_assert_cmpuint (f.fired, ==, 2);
  g_assert_cmpuint (f.b.next_s, ==, 1);

  /* nothing armed: an event runs nothing */
  g_assert_cmpint (g_chmod (port, 0644), ==, 0);
  g_main_context_iteration (NULL, FALSE);
  g_usleep (200000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (f.fired, ==, 2);

  idg_backoff_cancel (&f.b);
  g_assert_null (f.b.monitor);
  g_assert_cmpint (g_unlink (port), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_main_loop_unref (f.loop);
}

/* A QRTR node or a relative path: no watch, the timer alone. */
static void
test_watch_not_a_path (void)
{
  IdgBackoff b;

  idg_backoff_init (&b, 1, 60, never, NULL);
  idg_backoff_watch_path (&b, "qrtr://0");
  g_assert_null (b.monitor);
  idg_backoff_watch_path (&b, NULL);
  g_assert_null (b.monitor);
  idg_backoff_cancel (&b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/backoff/pace", test_pace);
  g_test_add_func ("/common/backoff/schedule-armed", test_schedule_armed);
  g_test_add_func ("/common/backoff/schedule-fires", test_schedule_fires);
  g_test_add_func ("/common/backoff/watch-path", test_watch_path);
  g_test_add_func ("/common/backoff/watch-not-a-path", test_watch_not_a_path);
  return g_test_run ();
}
