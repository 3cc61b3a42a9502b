/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An attacker's library for api-identity.sh: LD_PRELOADed into a real,
 * non-setuid program (qmicli), it runs inside that program's process
 * before main() and reads $IDG_PRELOAD_KIND through libidguard with the
 * stolen token in $IDGUARD_TOKEN. Prints "preload get RC" on stderr and
 * ends the process: 0 if the value was released, 1 if not. The value
 * itself is never printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idguard.h"

__attribute__ ((constructor)) static void
borrow (void)
{
  const char *token = getenv ("IDGUARD_TOKEN");
  const char *kind = getenv ("IDG_PRELOAD_KIND");
  char value[IDGUARD_VALUE_MAX];
  int rc;

  if (!token || !kind)
    return;
  rc = idguard_get (kind, token, value, sizeof value);
  explicit_bzero (value, sizeof value);
  fprintf (stderr, "preload get %d\n", rc);
  fflush (stderr);
  _exit (rc == 0 ? 0 : 1);
}
