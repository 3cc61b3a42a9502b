/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The admin commands: one org.idguard.Admin1 call each, arguments checked
 * here first (the broker checks again).
 */
#include "ctl.h"
#include "ctl-parse.h"
#include "idg-api-names.h"
#include "idg-kind.h"

#include <json-glib/json-glib.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
no_operands (CtlContext *ctx, int argc, char **argv)
{
  if (optind < argc)
    return ctl_usage (ctx, "unexpected argument '%s'", argv[optind]);
  return -1;
}

static int
one_operand (CtlContext *ctx, int argc, char **argv, const gchar *what, const gchar **out)
{
  if (optind >= argc)
    return ctl_usage (ctx, "%s missing", what);
  if (optind + 1 < argc)
    return ctl_usage (ctx, "unexpected argument '%s'", argv[optind + 1]);
  *out = argv[optind];
  return -1;
}

static int
simple_options (CtlContext *ctx, int argc, char **argv)
{
  int rc = ctl_getopt (ctx, argc, argv, NULL, NULL);

  return rc >= 0 ? rc : no_operands (ctx, argc, argv);
}

/* A generated Admin1 method with no argument that returns aa{sv}. */
typedef gboolean (*ListFunc) (IdgDBusAdmin1 *proxy, GVariant **rows,
                              GCancellable *cancellable, GError **error);

/* Prints rows (aa{sv}) as a table or JSON. */
static int
print_rows (CtlContext *ctx, GVariant *rows, const CtlColumn *cols, guint n_cols, CtlRows kind)
{
  if (ctx->json)
    ctl_json_print (ctl_json_rows (rows, kind), TRUE);
  else
    ctl_print_table (rows, cols, n_cols, TRUE);
  return CTL_EXIT_OK;
}

/* Calls a list method and prints its rows. */
static int
list_call (CtlContext *ctx, ListFunc method, const CtlColumn *cols, guint n_cols, CtlRows kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) rows = NULL;
  IdgDBusAdmin1 *admin;
  int rc = ctl_admin (ctx, &admin);

  if (rc != CTL_EXIT_OK)
    return rc;
  if (!method (admin, &rows, NULL, &error))
    return ctl_fail_error (ctx, error);
  return print_rows (ctx, rows, cols, n_cols, kind);
}

int
ctl_cmd_status (CtlContext *ctx, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) dict = NULL;
  IdgDBusAdmin1 *admin;
  int rc = simple_options (ctx, argc, argv);

  if (rc >= 0 || (rc = ctl_admin (ctx, &admin)) != CTL_EXIT_OK)
    return rc;
  if (!idg_dbus_admin1_call_status_sync (admin, &dict, NULL, &error))
    return ctl_fail_error (ctx, error);
  if (ctx->json)
    ctl_json_print (ctl_json_status (dict), TRUE);
  else
    ctl_print_dict (dict, 0);
  return CTL_EXIT_OK;
}

int
ctl_cmd_ids (CtlContext *ctx, int argc, char **argv)
{
  static const CtlColumn cols[] = {
    { "kind", "KIND", CTL_COL_STRING },
    { "masked", "VALUE (MASKED)", CTL_COL_STRING },
    { "source", "SOURCE", CTL_COL_STRING },
  };
  int rc = simple_options (ctx, argc, argv);

  if (rc >= 0)
    return rc;
  return list_call (ctx, idg_dbus_admin1_call_list_identifiers_sync, cols, G_N_ELEMENTS (cols), CTL_ROWS_PLAIN);
}

typedef struct {
  const gchar *to;
  const gchar *scope;
  const gchar *purpose;
  const gchar *ttl;
  const gchar *since;
  const gchar *uid;
  gboolean     follow;
  gboolean     factory;
} Opts;

static gboolean
opts_handle (CtlContext *ctx, int opt, const char *arg, gpointer data)
{
  Opts *o = data;

  switch (opt) {
  case 't': o->to = arg; return TRUE;
  case 's': o->scope = arg; return TRUE;
  case 'p': o->purpose = arg; return TRUE;
  case 'T': o->ttl = arg; return TRUE;
  case 'i': o->since = arg; return TRUE;
  case 'u': o->uid = arg; return TRUE;
  case 'f': o->follow = TRUE; return TRUE;
  case 'F': o->factory = TRUE; return TRUE;
  case 'y': ctx->yes = TRUE; return TRUE;
  default:  return FALSE;
  }
}

/* --uid USER: a user name from the passwd database, or a decimal uid. */
static int
resolve_uid (CtlContext *ctx, const gchar *user, gchar **out)
{
  struct passwd *pw;

  *out = NULL;
  if (!user)
    return -1;
  if (g_ascii_isdigit (user[0])) {
    *out = g_strdup (user);
    return -1;
  }
  pw = getpwnam (user);
  if (!pw)
    return ctl_usage (ctx, "--uid: no user named '%s'", user);
  *out = g_strdup_printf ("%u", (guint) pw->pw_uid);
  return -1;
}

static int
check_ttl (CtlContext *ctx, const gchar *ttl, guint64 *seconds)
{
  g_autoptr(GError) error = NULL;

  *seconds = 0;
  if (ttl && !ctl_parse_duration (ttl, seconds, &error))
    return ctl_usage (ctx, "--ttl: %s", error->message);
  return -1;
}

static int
check_scope (CtlContext *ctx, const gchar *scope)
{
  g_autoptr(GError) error = NULL;

  if (!scope)
    return ctl_usage (ctx, "--scope LIST is required");
  if (!idg_kind_mask_parse (scope, &error))
    return ctl_usage (ctx, "--scope: %s", error->message);
  return -1;
}

static int
check_purpose (CtlContext *ctx, const gchar *purpose)
{
  if (!purpose || !*purpose)
    return ctl_usage (ctx, "--purpose TEXT is required");
  if (strlen (purpose) > 256 || !g_utf8_validate (purpose, -1, NULL))
    return ctl_usage (ctx, "--purpose must be UTF-8 text of at most 256 bytes");
  return -1;
}

/* When the grant just made expires, as the broker stored it (a grant
 * without a ttl gets [broker] default-ttl, if the config sets one): UNIX
 * seconds, 0 for never. FALSE when the caller may not list grants
 * (org.idguard.read-audit). */
static gboolean
lookup_expiry (CtlContext *ctx, const gchar *id, gint64 *created, gint64 *expires)
{
  g_autoptr(GVariant) rows = NULL;
  GVariantIter iter;
  GVariant *row;
  gboolean found = FALSE;

  if (!ctx->admin || !idg_dbus_admin1_call_list_grants_sync (ctx->admin, &rows, NULL, NULL))
    return FALSE;
  g_variant_iter_init (&iter, rows);
  while (!found && (row = g_variant_iter_next_value (&iter))) {
    const gchar *row_id = NULL;

    found = g_variant_lookup (row, "id", "&s", &row_id) && g_strcmp0 (row_id, id) == 0 &&
            g_variant_lookup (row, "created", "x", created) &&
            g_variant_lookup (row, "expires", "x", expires);
    g_variant_unref (row);
  }
  return found;
}

/* The token is shown once: printed through ctl_print_secret, then
 * idguardctl's copy is wiped (GDBus frees its message buffers without
 * wiping them; the process exits right after). With it, when the grant
 * expires: a grant made without --ttl never does unless the broker's
 * default-ttl says otherwise, and the output says which. */
static void
print_grant (CtlContext *ctx, const gchar *request_id, const gchar *id, const gchar *token,
             guint64 ttl)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC, created = now, expires = 0;
  gboolean known = lookup_expiry (ctx, id, &created, &expires);
  g_autofree gchar *iso = NULL;
  g_autofree gchar *text = NULL;
  CtlMember m[6] = {
    { ctx->json ? "id" : "grant", id, FALSE, 0 },
    { "token", *token ? token : NULL, FALSE, 0 },
  };
  guint n = 2;

  if (!known && ttl > 0)
    expires = now + (gint64) ttl;
  if (expires > 0)
    iso = ctl_json_time (expires * G_USEC_PER_SEC, FALSE);
  if (!*token && !ctx->json)
    n = 1;
  if (ctx->json) {
    if (request_id)
      m[n++] = (CtlMember) { "request", request_id, FALSE, 0 };
    /* seconds from creation to expiry; null: never expires */
    m[n++] = expires > 0 ? (CtlMember) { "ttl", NULL, TRUE, (guint64) MAX (expires - created, 0) }
                         : (CtlMember) { "ttl", NULL, FALSE, 0 };
    m[n++] = (CtlMember) { "expires", iso, FALSE, 0 };
  } else {
    g_autofree gchar *local = expires > 0 ? ctl_format_time (expires) : NULL;

    if (expires > 0)
      text = g_strdup_printf ("%s%s", local, known ? "" : " (about)");
    else if (known || ttl == 0)
      text = g_strdup (known ? "never (no --ttl, and no [broker] default-ttl): revoke it when it is no longer needed"
                             : "never, unless the broker's [broker] default-ttl sets a limit (see idguardctl grants)");
    m[n++] = (CtlMember) { "expires", text, FALSE, 0 };
  }
  ctl_print_secret (m, n, ctx->json);
  if (!ctx->json)
    printf ("(the token is shown only once: keep it secret)\n");
  explicit_bzero ((gchar *) token, strlen (token));
}

int
ctl_cmd_grant (CtlContext *ctx, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  Opts o = { NULL, };
  g_autofree gchar *uid = NULL;
  g_autofree gchar *selector = NULL;
  g_autofree gchar *id = NULL, *token = NULL;
  IdgDBusAdmin1 *admin;
  guint64 ttl;
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, opts_handle, &o)) >= 0 ||
      (rc = no_operands (ctx, argc, argv)) >= 0)
    return rc;
  if (!o.to)
    return ctl_usage (ctx, "--to SELECTOR is required");
  if ((rc = resolve_uid (ctx, o.uid, &uid)) >= 0)
    return rc;
  if (!ctl_complete_grant_selector (o.to, uid, &selector, &error))
    return ctl_usage (ctx, "--to: %s", error->message);
  if ((rc = check_scope (ctx, o.scope)) >= 0 ||
      (rc = check_purpose (ctx, o.purpose)) >= 0 ||
      (rc = check_ttl (ctx, o.ttl, &ttl)) >= 0)
    return rc;
  if ((rc = ctl_admin (ctx, &admin)) != CTL_EXIT_OK)
    return rc;
  if (!idg_dbus_admin1_call_grant_sync (admin, selector, o.scope, o.purpose, ttl,
                                        &id, &token, NULL, &error))
    return ctl_fail_error (ctx, error);
  print_grant (ctx, NULL, id, token, ttl);
  return CTL_EXIT_OK;
}

int
ctl_cmd_grants (CtlContext *ctx, int argc, char **argv)
{
  static const CtlColumn cols[] = {
    { "id", "ID", CTL_COL_STRING },
    { "state", "STATE", CTL_COL_STRING },
    { "selector", "SELECTOR", CTL_COL_STRING },
    { "scopes", "SCOPES", CTL_COL_STRING },
    { "expires", "EXPIRES", CTL_COL_TIME },
    { "purpose", "PURPOSE", CTL_COL_STRING },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) rows = NULL;
  IdgDBusAdmin1 *admin;
  GVariantIter iter;
  GVariant *row;
  int rc = simple_options (ctx, argc, argv);

  if (rc >= 0 || (rc = ctl_admin (ctx, &admin)) != CTL_EXIT_OK)
    return rc;
  if (!idg_dbus_admin1_call_list_grants_sync (admin, &rows, NULL, &error))
    return ctl_fail_error (ctx, error);
  if (ctx->json) {
    ctl_json_print (ctl_json_rows (rows, CTL_ROWS_GRANTS), TRUE);    /* each row has its "warning" member */
    return CTL_EXIT_OK;
  }
  ctl_print_table (rows, cols, G_N_ELEMENTS (cols), TRUE);
  /* a grant that matches no one (exe: alone, stored before that was
   * refused) is named after the table, on stderr */
  g_variant_iter_init (&iter, rows);
  while ((row = g_variant_iter_next_value (&iter))) {
    const gchar *id = NULL, *warning = NULL;

    if (g_variant_lookup (row, "warning", "&s", &warning) && *warning &&
        g_variant_lookup (row, "id", "&s", &id))
      fprintf (stderr, "idguardctl: warning: grant %s: %s\n", id, warning);
    g_variant_unref (row);
  }
  return CTL_EXIT_OK;
}

/* revoke, deny, reset: {"id": ID or null, STATE_KEY: value} where value is
 * a count (revoke) or TRUE. */
static void
print_done (CtlContext *ctx, const gchar *what, const gchar *id, const gchar *selector,
            gint64 count)
{
  if (ctx->json) {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_object (b);
    if (id || count >= 0) {
      json_builder_set_member_name (b, "id");
      if (id)
        json_builder_add_string_value (b, id);
      else
        json_builder_add_null_value (b);
    }
    if (count >= 0) {    /* revoke: by id or by selector */
      json_builder_set_member_name (b, "selector");
      if (selector)
        json_builder_add_string_value (b, selector);
      else
        json_builder_add_null_value (b);
    }
    json_builder_set_member_name (b, what);
    if (count >= 0)
      json_builder_add_int_value (b, count);
    else
      json_builder_add_boolean_value (b, TRUE);
    json_builder_end_object (b);
    ctl_json_print (json_builder_get_root (b), TRUE);
  } else if (id) {
    printf ("%s %s\n", what, id);
  } else if (count >= 0) {
    printf ("%s: %" G_GINT64_FORMAT "\n", what, count);
  } else {
    printf ("%s\n", what);
  }
}

int
ctl_cmd_revoke (CtlContext *ctx, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  Opts o = { NULL, };
  const gchar *id = NULL;
  IdgDBusAdmin1 *admin;
  guint32 count;
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, opts_handle, &o)) >= 0)
    return rc;
  if (o.to) {
    if ((rc = no_operands (ctx, argc, argv)) >= 0)
      return rc;
    if (!ctl_check_selector (o.to, &error))
      return ctl_usage (ctx, "--to: %s", error->message);
    if ((rc = ctl_admin (ctx, &admin)) != CTL_EXIT_OK)
      return rc;
    if (!idg_dbus_admin1_call_revoke_matching_sync (admin, o.to, &count, NULL, &error))
      return ctl_fail_error (ctx, error);
    print_done (ctx, "revoked", NULL, o.to, count);
    return CTL_EXIT_OK;
  }
  if ((rc = one_operand (ctx, argc, argv, "GRANT-ID or --to SELECTOR", &id)) >= 0)
    return rc;
  if ((rc = ctl_admin (ctx, &admin)) != CTL_EXIT_OK)
    return rc;
  if (!idg_dbus_admin1_call_revoke_sync (admin, id, NULL, &error))
    return ctl_fail_error (ctx, error);
  print_done (ctx, "revoked", id, NULL, 1);
  return CTL_EXIT_OK;
}

int
ctl_cmd_requests (CtlContext *ctx, int argc, char **argv)
{
  static const CtlColumn cols[] = {
    { "id", "ID", CTL_COL_STRING },
    { "state", "STATE", CTL_COL_STRING },
    { "requester", "REQUESTER", CTL_COL_STRING },
    { "scopes", "SCOPES", CTL_COL_STRING },
    { "created", "CREATED", CTL_COL_TIME },
    { "purpose", "PURPOSE", CTL_COL_STRING },
  };
  int rc = simple_options (ctx, argc, argv);

  if (rc >= 0)
    return rc;
  return list_call (ctx, idg_dbus_admin1_call_list_requests_sync, cols, G_N_ELEMENTS (cols), CTL_ROWS_REQUESTS);
}

int
ctl_cmd_approve (CtlContext *ctx, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  Opts o = { NULL, };
  const gchar *id = NULL;
  g_autofree gchar *grant_id = NULL, *token = NULL;
  IdgDBusAdmin1 *admin;
  guint64 ttl;
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, opts_handle, &o)) >= 0 ||
      (rc = one_operand (ctx, argc, argv, "REQUEST-ID", &id)) >= 0 ||
      (rc = check_ttl (ctx, o.ttl, &ttl)) >= 0)
    return rc;
  if ((rc = ctl_admin (ctx, &admin)) != CTL_EXIT_OK)
    return rc;
  if (!idg_dbus_admin1_call_approve_sync (admin, id, ttl, &grant_id, &token, NULL, &error))
    return ctl_fail_error (ctx, error);
  print_grant (ctx, id, grant_id, token, ttl);
  return CTL_EXIT_OK;
}

int
ctl_cmd_deny (CtlContext *ctx, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  const gchar *id = NULL;
  IdgDBusAdmin1 *admin;
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, NULL, NULL)) >= 0 ||
      (rc = one_operand (ctx, argc, argv, "REQUEST-ID", &id)) >= 0 ||
      (rc = ctl_admin (ctx, &admin)) != CTL_EXIT_OK)
    return rc;
  if (!idg_dbus_admin1_call_deny_sync (admin, id, NULL, &error))
    return ctl_fail_error (ctx, error);
  print_done (ctx, "denied", id, NULL, -1);
  return CTL_EXIT_OK;
}

static const CtlColumn audit_cols[] = {
  { "time", "TIME", CTL_COL_TIME_US },
  { "decision", "DECISION", CTL_COL_STRING },
  { "kind", "KIND", CTL_COL_STRING },
  { "door", "DOOR", CTL_COL_STRING },
  { "service", "SERVICE", CTL_COL_STRING },
  { "grants", "GRANTS", CTL_COL_STRING },
  { "count", "COUNT", CTL_COL_NUMBER },
};

/* Prints rows newer than *last_us (follow mode: one JSON object per line). */
static void
print_new_records (CtlContext *ctx, GVariant *rows, gboolean header, gint64 *last_us)
{
  g_autoptr(GVariantBuilder) b = g_variant_builder_new (G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GVariant) fresh = NULL;
  gsize n = g_variant_n_children (rows);

  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) row = g_variant_get_child_value (rows, i);
    gint64 t = 0;

    g_variant_lookup (row, "time", "x", &t);
    if (t <= *last_us && *last_us > 0)
      continue;
    *last_us = MAX (*last_us, t);
    if (ctx->json) {
      ctl_json_print (ctl_json_row (row, CTL_ROWS_AUDIT), FALSE);
    } else {
      g_variant_builder_add_value (b, row);
    }
  }
  if (!ctx->json) {
    fresh = g_variant_ref_sink (g_variant_builder_end (b));
    if (g_variant_n_children (fresh) || header)
      ctl_print_table (fresh, audit_cols, G_N_ELEMENTS (audit_cols), header);
  }
  fflush (stdout);
}

int
ctl_cmd_audit (CtlContext *ctx, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  Opts o = { NULL, };
  gint64 since = 0, last = 0;
  gboolean first = TRUE;
  IdgDBusAdmin1 *admin;
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, opts_handle, &o)) >= 0 ||
      (rc = no_operands (ctx, argc, argv)) >= 0)
    return rc;
  if (o.since && !ctl_parse_time (o.since, g_get_real_time (), &since, &error))
    return ctl_usage (ctx, "--since: %s", error->message);
  if ((rc = ctl_admin (ctx, &admin)) != CTL_EXIT_OK)
    return rc;
  if (!o.follow) {
    g_autoptr(GVariant) rows = NULL;

    if (!idg_dbus_admin1_call_audit_sync (admin, since, &rows, NULL, &error))
      return ctl_fail_error (ctx, error);
    return print_rows (ctx, rows, audit_cols, G_N_ELEMENTS (audit_cols), CTL_ROWS_AUDIT);
  }
  /* --follow: poll once a second for records after the last one seen. */
  for (;;) {
    g_autoptr(GVariant) rows = NULL;

    if (!idg_dbus_admin1_call_audit_sync (admin, last ? last : since, &rows, NULL, &error))
      return ctl_fail_error (ctx, error);
    print_new_records (ctx, rows, first && !ctx->json, &last);
    first = FALSE;
    g_usleep (G_USEC_PER_SEC);
  }
}

int
ctl_cmd_report (CtlContext *ctx, int argc, char **argv)
{
  static const CtlColumn cols[] = {
    { "service", "SERVICE", CTL_COL_STRING },
    { "kind", "KIND", CTL_COL_STRING },
    { "released", "RELEASED", CTL_COL_NUMBER },
    { "rewritten", "REWRITTEN", CTL_COL_NUMBER },
    { "refused", "REFUSED", CTL_COL_NUMBER },
  };
  int rc = simple_options (ctx, argc, argv);

  if (rc >= 0)
    return rc;
  return list_call (ctx, idg_dbus_admin1_call_report_sync, cols, G_N_ELEMENTS (cols), CTL_ROWS_PLAIN);
}

int
ctl_cmd_reset (CtlContext *ctx, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  Opts o = { NULL, };
  IdgDBusAdmin1 *admin;
  int rc;

  if ((rc = ctl_getopt (ctx, argc, argv, opts_handle, &o)) >= 0 ||
      (rc = no_operands (ctx, argc, argv)) >= 0)
    return rc;
  if (!o.factory)
    return ctl_usage (ctx, "--factory is required (wipes every grant, request and the pseudonym secret)");
  /* A person at a terminal is asked; anything else (a script, a pipe, a
   * unit) must say --yes: no silent wipe because stdin happened not to be
   * a terminal. */
  if (!ctx->yes && !isatty (STDIN_FILENO))
    return ctl_usage (ctx, "standard input is not a terminal: add --yes to confirm the factory reset");
  if (!ctx->yes) {
    gchar answer[16] = "";

    fprintf (stderr, "Wipe every grant, request and the pseudonym secret? Type 'yes': ");
    if (!fgets (answer, sizeof answer, stdin) || strcmp (g_strstrip (answer), "yes") != 0)
      return ctl_fail (ctx, CTL_EXIT_REFUSED, "not confirmed, nothing changed");
  }
  if ((rc = ctl_admin (ctx, &admin)) != CTL_EXIT_OK)
    return rc;
  if (!idg_dbus_admin1_call_factory_reset_sync (admin, NULL, &error))
    return ctl_fail_error (ctx, error);
  print_done (ctx, "reset", NULL, NULL, -1);
  return CTL_EXIT_OK;
}
