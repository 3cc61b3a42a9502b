/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The broker connection and the mapping of every failure onto one line and
 * one exit code.
 */
#include "ctl.h"
#include "idg-api-names.h"
#include "idguard.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

static void
print_json_error (CtlContext *ctx, const gchar *name, const gchar *message, int code)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree gchar *text = NULL;

  if (!ctx->json)
    return;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "command");
  if (ctx->cmd)
    json_builder_add_string_value (b, ctx->cmd->name);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_set_member_name (b, "exit");
  json_builder_add_int_value (b, code);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, TRUE);
  printf ("%s\n", text);
}

static const gchar *
exit_name (int code)
{
  switch (code) {
  case CTL_EXIT_REFUSED:     return "refused";
  case CTL_EXIT_USAGE:       return "usage";
  case CTL_EXIT_UNREACHABLE: return "unreachable";
  default:                   return "error";
  }
}

static int
fail_with_name (CtlContext *ctx, int code, const gchar *name, const gchar *message)
{
  fflush (stdout);
  if (ctx->cmd)
    fprintf (stderr, "idguardctl: %s: %s\n", ctx->cmd->name, message);
  else
    fprintf (stderr, "idguardctl: %s\n", message);
  print_json_error (ctx, name, message, code);
  return code;
}

int
ctl_fail (CtlContext *ctx, int code, const gchar *fmt, ...)
{
  g_autofree gchar *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return fail_with_name (ctx, code, exit_name (code), msg);
}

int
ctl_usage (CtlContext *ctx, const gchar *fmt, ...)
{
  g_autofree gchar *msg = NULL;
  g_autofree gchar *line = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  line = g_strdup_printf ("%s (see idguardctl%s%s --help)", msg,
                          ctx->cmd ? " " : "", ctx->cmd ? ctx->cmd->name : "");
  return fail_with_name (ctx, CTL_EXIT_USAGE, "usage", line);
}

static const struct {
  const gchar *name;
  int          code;
} remote_map[] = {
  { IDG_API_ERROR_REFUSED,          CTL_EXIT_REFUSED },
  { IDG_API_ERROR_NOT_AUTHORIZED,   CTL_EXIT_REFUSED },
  { IDG_API_ERROR_NOT_FOUND,        CTL_EXIT_REFUSED },
  { IDG_API_ERROR_PENDING,          CTL_EXIT_REFUSED },
  { IDG_API_ERROR_UNAVAILABLE,      CTL_EXIT_REFUSED },
  { IDG_API_ERROR_INVALID_ARGUMENT, CTL_EXIT_USAGE },
  { "org.freedesktop.DBus.Error.InvalidArgs",    CTL_EXIT_USAGE },
  { "org.freedesktop.DBus.Error.ServiceUnknown", CTL_EXIT_UNREACHABLE },
  { "org.freedesktop.DBus.Error.NameHasNoOwner", CTL_EXIT_UNREACHABLE },
  { "org.freedesktop.DBus.Error.NoReply",        CTL_EXIT_UNREACHABLE },
  { "org.freedesktop.DBus.Error.Disconnected",   CTL_EXIT_UNREACHABLE },
  { "org.freedesktop.DBus.Error.AccessDenied",   CTL_EXIT_REFUSED },
};

int
ctl_fail_error (CtlContext *ctx, GError *error)
{
  g_autofree gchar *remote = g_dbus_error_get_remote_error (error);
  g_autofree gchar *msg = NULL;
  int code = CTL_EXIT_REFUSED;

  g_dbus_error_strip_remote_error (error);
  if (remote) {
    for (gsize i = 0; i < G_N_ELEMENTS (remote_map); i++)
      if (strcmp (remote, remote_map[i].name) == 0)
        code = remote_map[i].code;
  } else if (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR) {
    code = CTL_EXIT_UNREACHABLE;
  }
  if (code == CTL_EXIT_UNREACHABLE)
    msg = g_strdup_printf ("broker unreachable: %s", error->message);
  else
    msg = g_strdup (error->message);
  return fail_with_name (ctx, code, remote ? remote : exit_name (code), msg);
}

int
ctl_fail_lib (CtlContext *ctx, int rc)
{
  const gchar *detail = idguard_last_message ();
  g_autofree gchar *msg = NULL;
  int code;

  switch (rc) {
  case IDGUARD_E_INVALID:     code = CTL_EXIT_USAGE; break;
  case IDGUARD_E_NO_BROKER:   code = CTL_EXIT_UNREACHABLE; break;
  default:                    code = CTL_EXIT_REFUSED; break;
  }
  msg = g_strdup (detail && *detail ? detail : idguard_strerror (rc));
  return fail_with_name (ctx, code, exit_name (code), msg);
}

int
ctl_admin (CtlContext *ctx, IdgDBusAdmin1 **admin)
{
  g_autoptr(GError) error = NULL;

  if (!ctx->admin) {
    if (ctx->socket) {
      g_autofree gchar *escaped = g_dbus_address_escape_value (ctx->socket);
      g_autofree gchar *address = g_strdup_printf ("unix:path=%s", escaped);

      /* EAGAIN: the broker's listen backlog is full for a moment */
      for (int i = 0; i < 200; i++) {
        g_clear_error (&error);
        ctx->conn = g_dbus_connection_new_for_address_sync (address,
            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &error);
        if (ctx->conn || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
          break;
        g_usleep (10000);
      }
    } else {
      ctx->conn = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
    }
    if (!ctx->conn)
      return ctl_fail (ctx, CTL_EXIT_UNREACHABLE, "broker unreachable%s%s: %s",
                       ctx->socket ? " at " : " on the system bus",
                       ctx->socket ? ctx->socket : "", error->message);
    /* peer to peer: no bus name; on the bus: no activation, no property
     * cache, no signal subscription (idguardctl only calls methods) */
    ctx->admin = idg_dbus_admin1_proxy_new_sync (ctx->conn,
        G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS |
        G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
        ctx->socket ? NULL : IDG_API_BUS_NAME, IDG_API_OBJECT_PATH, NULL, &error);
    if (!ctx->admin)
      return ctl_fail_error (ctx, error);
    g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (ctx->admin), IDG_API_TIMEOUT_MS);
    if (!ctx->socket) {
      g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (ctx->admin));

      if (!owner)
        return ctl_fail (ctx, CTL_EXIT_UNREACHABLE,
                         "broker unreachable on the system bus: nobody owns %s (is idguard.service running?)",
                         IDG_API_BUS_NAME);
    }
  }
  *admin = ctx->admin;
  return CTL_EXIT_OK;
}

int
ctl_getopt (CtlContext *ctx, int argc, char **argv, CtlOptFunc handle, gpointer data)
{
  static const struct option global_longopts[] = {
    CTL_COMMON_LONGOPTS,
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
  };
  /* Global options stop at the command; a command's options may come
   * before or after its operands. */
  const struct option *longopts = ctx->cmd ? ctx->cmd->longopts : global_longopts;
  int c;

  optind = 0;   /* GNU: full re-initialisation between parses */
  opterr = 0;
  while ((c = getopt_long (argc, argv, ctx->cmd ? ":h" : "+:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'J':
      ctx->json = TRUE;
      break;
    case 'S':
      g_free (ctx->socket);
      ctx->socket = g_strdup (optarg);
      break;
    case 'h':
      if (ctx->cmd)
        fputs (ctx->cmd->help, stdout);
      else
        ctl_print_main_help ();
      return CTL_EXIT_OK;
    case 'V':
      ctl_print_version ();
      return CTL_EXIT_OK;
    case ':':
      return ctl_usage (ctx, "option '%s' needs an argument", argv[optind - 1]);
    case '?':
      return ctl_usage (ctx, "unknown option '%s'", argv[optind - 1]);
    default:
      if (!handle || !handle (ctx, c, optarg, data))
        return ctl_usage (ctx, "option '%s' is not handled", argv[optind - 1]);
      break;
    }
  }
  return -1;
}
