// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * idguard-qrtr-guard load | trust | unload | status
 * (idguard-qrtr-guard(8); the logic is in idg-qrtr-guard.c)
 */
#include <stdio.h>
#include <string.h>

#include "idg-qrtr-guard.h"

static int
usage (void)
{
  fprintf (stderr, "usage: idguard-qrtr-guard load|trust|unload|status\n");
  return 2;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  const char *pin_dir = g_getenv ("IDGUARD_QRTR_GUARD_PIN_DIR");
  gboolean ok = FALSE;

  if (!pin_dir || !*pin_dir)
    pin_dir = IDG_QRTR_GUARD_PIN_DIR;
  if (argc != 2)
    return usage ();
  if (strcmp (argv[1], "load") == 0) {
    ok = idg_qrtr_guard_load (pin_dir, &error);
    if (ok)
      printf ("idguard-qrtr-guard: QRTR data is refused to every process but the trusted cgroups\n");
  } else if (strcmp (argv[1], "trust") == 0) {
    gboolean loaded;

    ok = idg_qrtr_guard_trust (pin_dir, &loaded, &error);
    if (ok && loaded)
      printf ("idguard-qrtr-guard: this unit's cgroup may use QRTR\n");
    else if (ok)
      printf ("idguard-qrtr-guard: the guard is not loaded: QRTR is open to every process "
              "outside the systemd drop-in\n");
  } else if (strcmp (argv[1], "unload") == 0) {
    ok = idg_qrtr_guard_unload (pin_dir, &error);
  } else if (strcmp (argv[1], "status") == 0) {
    g_autoptr(GString) out = g_string_new (NULL);

    ok = idg_qrtr_guard_status (pin_dir, out, &error);
    fputs (out->str, stdout);
  } else {
    return usage ();
  }
  if (!ok) {
    fprintf (stderr, "idguard-qrtr-guard: %s\n", error->message);
    return 1;
  }
  return 0;
}
