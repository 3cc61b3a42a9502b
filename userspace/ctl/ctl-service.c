/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a service does, through libidguard exactly as a service would:
 * request consent, claim the token, read an identifier. The token is read
 * from a file, $IDGUARD_TOKEN or stdin: never from argv, where every local
 * user could see it in /proc.
 */
#include "ctl.h"
#include "idg-kind.h"
#include "idguard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The library finds the broker through $IDGUARD_SOCKET. */
static void
point_library (CtlContext *ctx)
{
  if (ctx->socket)
    g_setenv ("IDGUARD_SOCKET", ctx->socket, TRUE);
}

static void
print_pairs (CtlContext *ctx, const gchar *k1, const gchar *v1,
             const gchar *k2, const gchar *v2)
{
  if (ctx->json) {
    GVariantDict d;
    g_autoptr(GVariant) v = NULL;

    g_variant_dict_init (&d, NULL);
    g_variant_dict_insert (&d, k1, "s", v1);
    if (k2)
      g_variant_dict_insert (&d, k2, "s", v2);
    v = g_variant_ref_sink (g_variant_dict_end (&d));
    ctl_print_json (v);
    return;
  }
  printf ("%s  %s\n", k1, v1);
  if (k2)
    printf ("%s  %s\n", k2, v2);
}

typedef struct {
  const gchar *scope;
  const gchar *purpose;
  const gchar *token_file;
} ServiceOpts;

static gboolean
service_opt (CtlContext *ctx, int opt, const char *arg, gpointer data)
{
  ServiceOpts *o = data;

  switch (opt) {
  case 's': o->scope = arg; return TRUE;
  case 'p': o->purpose = arg; return TRUE;
  case 'k': o->token_file = arg; return TRUE;
  default:  return FALSE;
  }
}

int
ctl_cmd_request (CtlContext *ctx, int argc, char **argv)
{
  static const struct option longopts[] = {
    CTL_COMMON_LONGOPTS,
    { "scope", required_argument, NULL, 's' },
    { "purpose", required_argument, NULL, 'p' },
    { NULL, 0, NULL, 0 },
  };
  g_autoptr(GError) error = NULL;
  ServiceOpts o = { NULL, };
  char id[IDGUARD_ID_MAX];
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, NULL, longopts, service_opt, &o)) >= 0)
    return rc;
  if (optind < argc)
    return ctl_usage (ctx, "request: unexpected argument '%s'", argv[optind]);
  if (!o.scope)
    return ctl_usage (ctx, "request: --scope LIST is required");
  if (!idg_kind_mask_parse (o.scope, &error))
    return ctl_usage (ctx, "request: --scope: %s", error->message);
  if (!o.purpose || !*o.purpose)
    return ctl_usage (ctx, "request: --purpose TEXT is required");
  point_library (ctx);
  rc = idguard_request (o.scope, o.purpose, id, sizeof id);
  if (rc < 0)
    return ctl_fail_lib (ctx, "request", rc);
  print_pairs (ctx, "id", id, NULL, NULL);
  return CTL_EXIT_OK;
}

int
ctl_cmd_claim (CtlContext *ctx, int argc, char **argv)
{
  static const struct option longopts[] = { CTL_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
  char grant[IDGUARD_ID_MAX], token[IDGUARD_TOKEN_MAX];
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, NULL, longopts, NULL, NULL)) >= 0)
    return rc;
  if (optind + 1 != argc)
    return ctl_usage (ctx, "claim: exactly one REQUEST-ID expected");
  point_library (ctx);
  rc = idguard_claim (argv[optind], grant, sizeof grant, token, sizeof token);
  if (rc < 0)
    return ctl_fail_lib (ctx, "claim", rc);
  print_pairs (ctx, "id", grant, "token", token);
  explicit_bzero (token, sizeof token);
  return CTL_EXIT_OK;
}

/* Reads the token: first line of the file, $IDGUARD_TOKEN, or stdin's first
 * line; surrounding blanks dropped. NULL with a message on failure. */
static gchar *
read_token (const gchar *file, gchar **why)
{
  g_autofree gchar *text = NULL;
  const gchar *env = g_getenv ("IDGUARD_TOKEN");
  gchar *nl;

  if (file) {
    g_autoptr(GError) error = NULL;
    gsize len = 0;

    if (!g_file_get_contents (file, &text, &len, &error)) {
      *why = g_strdup_printf ("cannot read the token file: %s", error->message);
      return NULL;
    }
  } else if (env && *env) {
    text = g_strdup (env);
  } else if (isatty (STDIN_FILENO)) {
    *why = g_strdup ("no token: use --token-file PATH, $IDGUARD_TOKEN or stdin");
    return NULL;
  } else {
    gchar buf[IDGUARD_TOKEN_MAX + 2] = "";

    if (!fgets (buf, sizeof buf, stdin)) {
      *why = g_strdup ("no token on stdin");
      return NULL;
    }
    text = g_strdup (buf);
    explicit_bzero (buf, sizeof buf);
  }
  if ((nl = strchr (text, '\n')))
    *nl = '\0';
  g_strstrip (text);
  if (!*text) {
    *why = g_strdup ("the token is empty");
    explicit_bzero (text, strlen (text));
    return NULL;
  }
  return g_steal_pointer (&text);
}

int
ctl_cmd_get (CtlContext *ctx, int argc, char **argv)
{
  static const struct option longopts[] = {
    CTL_COMMON_LONGOPTS,
    { "token-file", required_argument, NULL, 'k' },
    { NULL, 0, NULL, 0 },
  };
  ServiceOpts o = { NULL, };
  g_autofree gchar *why = NULL;
  gchar *token;
  char value[IDGUARD_VALUE_MAX];
  IdgKind kind;
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, NULL, longopts, service_opt, &o)) >= 0)
    return rc;
  if (optind + 1 != argc)
    return ctl_usage (ctx, "get: exactly one KIND expected (imei, imeisv, esn, meid, imsi, iccid, eid, msisdn)");
  if (!idg_kind_from_string (argv[optind], &kind))
    return ctl_usage (ctx, "get: unknown identifier kind '%s' (imei, imeisv, esn, meid, imsi, iccid, eid, msisdn)",
                      argv[optind]);
  token = read_token (o.token_file, &why);
  if (!token)
    return ctl_usage (ctx, "get: %s", why);
  point_library (ctx);
  rc = idguard_get (idg_kind_to_string (kind), token, value, sizeof value);
  explicit_bzero (token, strlen (token));
  g_free (token);
  if (rc < 0)
    return ctl_fail_lib (ctx, "get", rc);
  if (ctx->json)
    print_pairs (ctx, "kind", idg_kind_to_string (kind), "value", value);
  else
    printf ("%s\n", value);
  explicit_bzero (value, sizeof value);
  return CTL_EXIT_OK;
}
