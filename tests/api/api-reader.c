/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Load client for the API tests: THREADS threads read KIND through
 * libidguard COUNT times in all, each answer compared with the first line of
 * EXPECTED_FILE. The token comes from $IDGUARD_TOKEN, the broker from
 * $IDGUARD_SOCKET. Prints "reads N wrong W failed F last-failed L" (L: threads
 * whose last read failed); exit 0 only if every read returned the expected
 * value. $IDG_READ_PAUSE_MS: a pause between a thread's reads (for reads
 * that span a broker restart).
 *
 *   api-reader KIND EXPECTED_FILE COUNT THREADS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idguard.h"

static const char *kind, *token;
static char expected[IDGUARD_VALUE_MAX];
static long per_thread;
static long wrong, failed, done, last_failed;
static long pause_ms;
static int last_error;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *
reader (void *arg)
{
  long w = 0, f = 0, n = 0;
  int err = 0;

  (void) arg;
  for (long i = 0; i < per_thread; i++) {
    char value[IDGUARD_VALUE_MAX];
    int rc = idguard_get (kind, token, value, sizeof value);

    n++;
    if (rc < 0) {
      f++;
      err = rc;
    } else if (strcmp (value, expected) != 0) {
      w++;
    }
    if (i == per_thread - 1 && rc < 0) {
      pthread_mutex_lock (&lock);
      last_failed++;
      pthread_mutex_unlock (&lock);
    }
    if (pause_ms > 0)
      usleep ((useconds_t) pause_ms * 1000);
  }
  pthread_mutex_lock (&lock);
  wrong += w;
  failed += f;
  done += n;
  if (err)
    last_error = err;
  pthread_mutex_unlock (&lock);
  return NULL;
}

int
main (int argc, char **argv)
{
  pthread_t *threads;
  long count, n_threads;
  FILE *f;

  if (argc != 5) {
    fprintf (stderr, "usage: api-reader KIND EXPECTED_FILE COUNT THREADS\n");
    return 2;
  }
  kind = argv[1];
  token = getenv ("IDGUARD_TOKEN");
  count = strtol (argv[3], NULL, 10);
  n_threads = strtol (argv[4], NULL, 10);
  if (!token || count <= 0 || n_threads <= 0 || n_threads > 1000) {
    fprintf (stderr, "api-reader: bad arguments or no $IDGUARD_TOKEN\n");
    return 2;
  }
  f = fopen (argv[2], "r");
  if (!f || !fgets (expected, sizeof expected, f)) {
    fprintf (stderr, "api-reader: cannot read %s\n", argv[2]);
    return 2;
  }
  fclose (f);
  expected[strcspn (expected, "\n")] = '\0';
  per_thread = count / n_threads;
  if (getenv ("IDG_READ_PAUSE_MS"))
    pause_ms = strtol (getenv ("IDG_READ_PAUSE_MS"), NULL, 10);
  threads = calloc ((size_t) n_threads, sizeof *threads);
  for (long i = 0; i < n_threads; i++)
    pthread_create (&threads[i], NULL, reader, NULL);
  for (long i = 0; i < n_threads; i++)
    pthread_join (threads[i], NULL);
  free (threads);
  printf ("reads %ld wrong %ld failed %ld last-failed %ld", done, wrong, failed, last_failed);
  if (failed)
    printf (" (last error: %s: %s)", idguard_strerror (last_error), idguard_last_message ());
  printf ("\n");
  fflush (stdout);   /* before any atexit handler (a sanitizer) may end the process */
  return wrong == 0 && failed == 0 ? 0 : 1;
}
