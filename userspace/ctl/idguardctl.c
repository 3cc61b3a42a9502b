/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idguardctl: the admin and integrator CLI of idguard (see interfaces.md).
 * Thin: global options, then one command from the table.
 */
#include "ctl.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static const CtlCommand commands[] = {
  { "status",   ctl_cmd_status,   "status                      broker, kernel module, modems, proxy doors, counts" },
  { "ids",      ctl_cmd_ids,      "ids                         which identifiers are known (values masked)" },
  { "grant",    ctl_cmd_grant,    "grant --to SELECTOR --scope LIST --purpose TEXT [--ttl DURATION]" },
  { "grants",   ctl_cmd_grants,   "grants                      active and past grants" },
  { "revoke",   ctl_cmd_revoke,   "revoke GRANT-ID | --to SELECTOR" },
  { "request",  ctl_cmd_request,  "request --scope LIST --purpose TEXT      (as a service would)" },
  { "claim",    ctl_cmd_claim,    "claim REQUEST-ID            the requester claims its token once approved" },
  { "requests", ctl_cmd_requests, "requests                    pending and decided requests" },
  { "approve",  ctl_cmd_approve,  "approve REQUEST-ID [--ttl DURATION]" },
  { "deny",     ctl_cmd_deny,     "deny REQUEST-ID" },
  { "get",      ctl_cmd_get,      "get KIND [--token-file PATH]   token also from $IDGUARD_TOKEN or stdin; never argv" },
  { "audit",    ctl_cmd_audit,    "audit [--since TIME] [--follow]    (--follow --json: one JSON object per line)" },
  { "report",   ctl_cmd_report,   "report                      per-service, per-identifier counts" },
  { "reset",    ctl_cmd_reset,    "reset --factory [--yes]     wipes grants, requests, pseudonym secret" },
};

static void
print_help (FILE *out)
{
  fprintf (out,
           "usage: idguardctl [--socket PATH] [--json] COMMAND [ARGS]\n"
           "\n"
           "commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %s\n", commands[i].synopsis);
  fprintf (out,
           "\n"
           "SELECTOR: comma-separated uid:N, gid:N, exe:PATH, unit:NAME, cgroup:PATH (all must match)\n"
           "LIST:     comma-separated imei, imeisv, esn, meid, imsi, iccid, eid, msisdn, or all\n"
           "DURATION: 30s, 15m, 12h, 90d\n"
           "TIME:     now, a DURATION ago (15m), @EPOCH, YYYY-MM-DD or ISO 8601\n"
           "--socket PATH (or $IDGUARD_SOCKET): the broker's peer-to-peer socket; default: the system bus\n"
           "--json: one JSON document on stdout for every command\n"
           "exit status: 0 success, 1 refused, 2 usage, 3 broker unreachable\n");
}

int
main (int argc, char **argv)
{
  static const struct option longopts[] = { CTL_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
  CtlContext ctx = { NULL, };
  const gchar *env = g_getenv ("IDGUARD_SOCKET");
  int rc;

  setlocale (LC_ALL, "");
  if (env && *env)
    ctx.socket = g_strdup (env);
  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
      print_help (stdout);
      return CTL_EXIT_OK;
    }
  }
  argv[0] = (char *) "idguardctl";
  rc = ctl_getopt (&ctx, argc, argv, NULL, longopts, NULL, NULL);
  if (rc < 0 && optind >= argc)
    rc = ctl_usage (&ctx, "no command given");
  if (rc < 0) {
    const gchar *name = argv[optind];
    gsize i;

    for (i = 0; i < G_N_ELEMENTS (commands); i++)
      if (strcmp (name, commands[i].name) == 0)
        break;
    if (i == G_N_ELEMENTS (commands))
      rc = ctl_usage (&ctx, "unknown command '%s'", name);
    else {
      ctx.command = commands[i].name;
      rc = commands[i].func (&ctx, argc - optind, argv + optind);
    }
  }
  fflush (stdout);
  g_clear_object (&ctx.conn);
  g_free (ctx.socket);
  return rc;
}
