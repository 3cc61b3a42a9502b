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
  g_autoptr(GError) error = NULL;
  ServiceOpts o = { NULL, };
  char id[IDGUARD_ID_MAX];
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, service_opt, &o)) >= 0)
    return rc;
  if (optind < argc)
    return ctl_usage (ctx, "unexpected argument '%s'", argv[optind]);
  if (!o.scope)
    return ctl_usage (ctx, "--scope LIST is required");
  if (!idg_kind_mask_parse (o.scope, &error))
    return ctl_usage (ctx, "--scope: %s", error->message);
  if (!o.purpose || !*o.purpose)
    return ctl_usage (ctx, "--purpose TEXT is required");
  point_library (ctx);
  rc = idguard_request (o.scope, o.purpose, id, sizeof id);
  if (rc < 0)
    return ctl_fail_lib (ctx, rc);
  {
    const CtlMember m[] = { { "id", id, FALSE, 0 } };

    ctl_print_secret (m, G_N_ELEMENTS (m), ctx->json);
  }
  return CTL_EXIT_OK;
}

int
ctl_cmd_claim (CtlContext *ctx, int argc, char **argv)
{
  char grant[IDGUARD_ID_MAX], token[IDGUARD_TOKEN_MAX];
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, NULL, NULL)) >= 0)
    return rc;
  if (optind + 1 != argc)
    return ctl_usage (ctx, "exactly one REQUEST-ID expected");
  point_library (ctx);
  rc = idguard_claim (argv[optind], grant, sizeof grant, token, sizeof token);
  if (rc < 0)
    return ctl_fail_lib (ctx, rc);
  {
    const CtlMember m[] = { { "id", grant, FALSE, 0 }, { "token", token, FALSE, 0 } };

    ctl_print_secret (m, G_N_ELEMENTS (m), ctx->json);
  }
  explicit_bzero (token, sizeof token);
  return CTL_EXIT_OK;
}

/* $IDGUARD_TOKEN is taken out of the environment (and its bytes wiped)
 * whether it is used or not: nothing this process starts inherits it, and
 * /proc/PID/environ no longer shows it. */
static gchar *
take_env_token (void)
{
  gchar *env = (gchar *) g_getenv ("IDGUARD_TOKEN");
  gchar *copy;

  if (env == NULL)
    return NULL;
  copy = g_strdup (env);
  explicit_bzero (env, strlen (env));
  g_unsetenv ("IDGUARD_TOKEN");
  return copy;
}

/* The first line of fd, read without stdio (whose buffer would keep a
 * copy), at most max bytes; NULL if nothing could be read. */
static gchar *
read_line_fd (int fd, gsize max)
{
  gchar *buf = g_malloc0 (max + 1);
  gsize n = 0;

  while (n < max) {
    ssize_t r = read (fd, buf + n, 1);

    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0 || buf[n] == '\n')
      break;
    n++;
  }
  buf[n] = '\0';
  return buf;
}

/* Reads the token: first line of the file, $IDGUARD_TOKEN, or stdin's first
 * line; surrounding blanks dropped. Every intermediate buffer is wiped; the
 * result is an exact-size copy (wipe strlen + 1 bytes). NULL with a
 * message on failure. */
static gchar *
read_token (const gchar *file, gchar **why)
{
  gchar *env = take_env_token ();
  gchar *text = NULL, *start, *end, *token = NULL;
  gsize len = 0;

  if (file) {
    g_autoptr(GError) error = NULL;

    if (!g_file_get_contents (file, &text, &len, &error))
      *why = g_strdup_printf ("cannot read the token file: %s", error->message);
  } else if (env && *env) {
    text = g_strdup (env);
    len = strlen (text);
  } else if (isatty (STDIN_FILENO)) {
    *why = g_strdup ("no token: use --token-file PATH, $IDGUARD_TOKEN or stdin");
  } else {
    text = read_line_fd (STDIN_FILENO, IDGUARD_TOKEN_MAX + 1);
    len = IDGUARD_TOKEN_MAX + 1;
  }
  if (env) {
    explicit_bzero (env, strlen (env));
    g_free (env);
  }
  if (!text)
    return NULL;
  start = text;
  while (*start == ' ' || *start == '\t')
    start++;
  end = start + strcspn (start, "\r\n");
  while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if (end > start)
    token = g_strndup (start, (gsize) (end - start));
  else
    *why = g_strdup ("the token is empty");
  explicit_bzero (text, len);
  g_free (text);
  return token;
}

int
ctl_cmd_get (CtlContext *ctx, int argc, char **argv)
{
  ServiceOpts o = { NULL, };
  g_autofree gchar *why = NULL;
  gchar *token;
  char value[IDGUARD_VALUE_MAX];
  IdgKind kind;
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, service_opt, &o)) >= 0)
    return rc;
  if (optind + 1 != argc)
    return ctl_usage (ctx, "exactly one KIND expected (imei, imeisv, esn, meid, imsi, iccid, eid, msisdn)");
  if (!idg_kind_from_string (argv[optind], &kind))
    return ctl_usage (ctx, "unknown identifier kind '%s' (imei, imeisv, esn, meid, imsi, iccid, eid, msisdn)",
                      argv[optind]);
  token = read_token (o.token_file, &why);
  if (!token)
    return ctl_usage (ctx, "%s", why);
  point_library (ctx);
  rc = idguard_get (idg_kind_to_string (kind), token, value, sizeof value);
  explicit_bzero (token, strlen (token) + 1);
  g_free (token);
  if (rc < 0)
    return ctl_fail_lib (ctx, rc);
  if (ctx->json) {
    const CtlMember m[] = { { "kind", idg_kind_to_string (kind), FALSE, 0 }, { "value", value, FALSE, 0 } };

    ctl_print_secret (m, G_N_ELEMENTS (m), TRUE);
  } else {
    const CtlMember m[] = { { NULL, value, FALSE, 0 } };

    ctl_print_secret (m, G_N_ELEMENTS (m), FALSE);
  }
  explicit_bzero (value, sizeof value);
  return CTL_EXIT_OK;
}
