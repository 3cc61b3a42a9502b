/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idguardctl: the admin and integrator CLI of idguard (see interfaces.md).
 * Thin: global options, then one command from the table.
 */
#include "ctl.h"
#include "ctl-commands.h"
#include "idg-build-config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
  CtlContext ctx = { NULL, };
  const gchar *env = g_getenv ("IDGUARD_SOCKET");
  int rc;

  setlocale (LC_ALL, "");
  if (env && *env)
    ctx.socket = g_strdup (env);
  argv[0] = (char *) "idguardctl";
  rc = ctl_getopt (&ctx, argc, argv, NULL, NULL);
  if (rc < 0 && optind >= argc)
    rc = ctl_usage (&ctx, "no command given");
  if (rc < 0) {
    const gchar *name = argv[optind];
    gsize i;

    for (i = 0; i < G_N_ELEMENTS (ctl_commands); i++)
      if (strcmp (name, ctl_commands[i].name) == 0)
        break;
    if (i == G_N_ELEMENTS (ctl_commands))
      rc = ctl_usage (&ctx, "unknown command '%s'", name);
    else {
      ctx.cmd = &ctl_commands[i];
      rc = ctl_commands[i].func (&ctx, argc - optind, argv + optind);
    }
  }
  fflush (stdout);
  g_clear_object (&ctx.admin);
  g_clear_object (&ctx.conn);
  g_free (ctx.socket);
  return rc;
}

/* The global options' --help and --version (ctl-conn.c calls these). */
void
ctl_print_main_help (void)
{
  fputs (ctl_main_help, stdout);
}

void
ctl_print_version (void)
{
  printf ("idguardctl %s\n", IDG_VERSION);
}
