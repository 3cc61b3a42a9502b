/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-libbench KIND N: run by story.sh inside the VM, against the real
 * broker and the module. Checks that libidguard gives the same answer
 * through /dev/idguard and through the broker's API (the right token and a
 * wrong one), then times N reads each way and prints KBENCH lines (ns per
 * read, and the broker/kernel ratio). Token in $IDGUARD_TOKEN, the broker's
 * socket in $KTEST_API_SOCKET. Never prints a value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idguard.h"

#define WRONG_TOKEN "idg1_0000000000000000000000000000000000000000000000000000000000000000"

static double
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

static void
use (const char *transport)
{
  setenv ("IDGUARD_TRANSPORT", transport, 1);
  if (!strcmp (transport, "broker"))
    setenv ("IDGUARD_SOCKET", getenv ("KTEST_API_SOCKET"), 1);
  else
    unsetenv ("IDGUARD_SOCKET");
}

static double
time_reads (const char *transport, const char *kind, const char *token, int n)
{
  char value[IDGUARD_VALUE_MAX + 1];
  double t0;
  int i, bad = 0;

  use (transport);
  t0 = now_ns ();
  for (i = 0; i < n; i++)
    bad += idguard_get (kind, token, value, sizeof (value)) != IDGUARD_OK;
  return bad ? -1 : (now_ns () - t0) / n;
}

int
main (int argc, char **argv)
{
  const char *token = getenv ("IDGUARD_TOKEN");
  char kval[IDGUARD_VALUE_MAX + 1] = "", bval[IDGUARD_VALUE_MAX + 1] = "";
  int krc, brc, n, fails = 0;
  double kns, bns;

  if (argc != 3 || !token || !getenv ("KTEST_API_SOCKET"))
    return 2;
  n = atoi (argv[2]);
  use ("kernel");
  krc = idguard_get (argv[1], token, kval, sizeof (kval));
  use ("broker");
  brc = idguard_get (argv[1], token, bval, sizeof (bval));
  if (krc != IDGUARD_OK || brc != IDGUARD_OK || strcmp (kval, bval))
    fails++;
  printf ("%sok - story: libidguard gives the same value through the kernel and the broker (%d, %d)\n",
          fails ? "not " : "", krc, brc);
  use ("kernel");
  krc = idguard_get (argv[1], WRONG_TOKEN, kval, sizeof (kval));
  use ("broker");
  brc = idguard_get (argv[1], WRONG_TOKEN, bval, sizeof (bval));
  printf ("%sok - story: and the same error for a wrong token (%d, %d)\n",
          krc == brc && krc == IDGUARD_E_REFUSED ? "" : "not ", krc, brc);
  fails += !(krc == brc && krc == IDGUARD_E_REFUSED);

  kns = time_reads ("kernel", argv[1], token, n);
  bns = time_reads ("broker", argv[1], token, n);
  if (kns > 0 && bns > 0)
    {
      printf ("KBENCH name=\"libidguard read via /dev/idguard\" ns=%.0f\n", kns);
      printf ("KBENCH name=\"libidguard read via broker API (p2p socket)\" ns=%.0f kernel_speedup=%.1f\n", bns,
              bns / kns);
    }
  else
    {
      printf ("not ok - story: timed reads failed\n");
      fails++;
    }
  return fails ? 1 : 0;
}
