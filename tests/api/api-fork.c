/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libidguard's connection is per process: a child after fork() must make
 * its own. The parent reads KIND once (its connection, pinned by the broker
 * to the parent), forks and exits; the child waits until the parent is
 * gone, then reads KIND: through the inherited connection the broker would
 * refuse it (the process that connected has exited); through its own it
 * gets the value of the first line of EXPECTED_FILE. Token from
 * $IDGUARD_TOKEN, broker from $IDGUARD_SOCKET. The child prints
 * "child rc R same S" (S: 1 if the value is the expected one).
 *
 *   api-fork KIND EXPECTED_FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idguard.h"

int
main (int argc, char **argv)
{
  char expected[IDGUARD_VALUE_MAX] = "", value[IDGUARD_VALUE_MAX] = "";
  const char *token = getenv ("IDGUARD_TOKEN");
  FILE *f;
  int p[2], rc;
  char c;

  if (argc != 3 || token == NULL || (f = fopen (argv[2], "r")) == NULL) {
    fprintf (stderr, "usage: IDGUARD_TOKEN=... api-fork KIND EXPECTED_FILE\n");
    return 2;
  }
  if (fgets (expected, sizeof expected, f) != NULL)
    expected[strcspn (expected, "\n")] = '\0';
  fclose (f);
  rc = idguard_get (argv[1], token, value, sizeof value);
  if (rc < 0 || strcmp (value, expected) != 0) {
    fprintf (stderr, "the parent's read failed: %s\n", idguard_strerror (rc));
    return 1;
  }
  if (pipe (p) < 0)
    return 1;
  switch (fork ()) {
  case -1:
    return 1;
  case 0:
    close (p[1]);
    while (read (p[0], &c, 1) > 0)   /* end of file: the parent has exited */
      ;
    rc = idguard_get (argv[1], token, value, sizeof value);
    printf ("child rc %d same %d\n", rc, rc == 0 && strcmp (value, expected) == 0);
    fflush (stdout);
    _exit (rc == 0 ? 0 : 1);
  default:
    return 0;   /* exits with the write end of the pipe */
  }
}
