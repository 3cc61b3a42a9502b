/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idguardctl's shared state and helpers: the connection to the broker, the
 * exit codes of interfaces.md, one-line errors (and a JSON error document
 * with --json), output as tables or JSON.
 */
#ifndef CTL_H
#define CTL_H

#include <gio/gio.h>
#include <getopt.h>
#include <json-glib/json-glib.h>

#include "idg-dbus.h"   /* generated from data/org.idguard.Broker1.xml */

G_BEGIN_DECLS

enum {
  CTL_EXIT_OK          = 0,
  CTL_EXIT_REFUSED     = 1,   /* refused: no consent, not authorized, not found */
  CTL_EXIT_USAGE       = 2,   /* bad command line or argument */
  CTL_EXIT_UNREACHABLE = 3,   /* broker unreachable */
};

typedef struct _CtlCommand CtlCommand;

typedef struct {
  gchar           *socket;   /* peer-to-peer socket, or NULL: system bus */
  gboolean         json;
  gboolean         yes;
  GDBusConnection *conn;
  IdgDBusAdmin1   *admin;    /* generated proxy on conn, made on first use */
  const CtlCommand *cmd;     /* the command running, or NULL (global options) */
} CtlContext;

typedef int (*CtlCommandFunc) (CtlContext *ctx, int argc, char **argv);

/* One row of the command table (generated from commands.json into
 * ctl-commands.h, with the completions). */
struct _CtlCommand {
  const gchar         *name;
  CtlCommandFunc       func;
  const struct option *longopts;   /* the command's options and the common ones */
  const gchar         *synopsis;
  const gchar         *help;       /* COMMAND --help */
};

/* Every command accepts these besides its own options. */
#define CTL_COMMON_LONGOPTS \
  { "json", no_argument, NULL, 'J' }, \
  { "socket", required_argument, NULL, 'S' }, \
  { "help", no_argument, NULL, 'h' }

/* Parses argv (argv[0] is the command) with getopt_long and the command's
 * options from the table (ctx->cmd; NULL: the global options); the common
 * options (--json, --socket, --help) are handled here, the command's own
 * through handle(). Returns -1 when all options are read (optind points at
 * the operands), or an exit code (after --help: 0). */
typedef gboolean (*CtlOptFunc) (CtlContext *ctx, int opt, const char *arg, gpointer data);
int  ctl_getopt (CtlContext *ctx, int argc, char **argv, CtlOptFunc handle, gpointer data);

/* Prints "idguardctl: COMMAND: MESSAGE" on stderr (no COMMAND: before a
 * command is known) and {"error": ...} on stdout with --json; returns
 * code. Messages never repeat the command name. */
int  ctl_fail   (CtlContext *ctx, int code, const gchar *fmt, ...) G_GNUC_PRINTF (3, 4);
int  ctl_usage  (CtlContext *ctx, const gchar *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Maps a D-Bus or connection error onto an exit code and prints it. */
int  ctl_fail_error (CtlContext *ctx, GError *error);
/* Same for a libidguard code. */
int  ctl_fail_lib   (CtlContext *ctx, int code);

/* The org.idguard.Admin1 proxy (gdbus-codegen, from the interface's XML:
 * method names and argument types are checked by the compiler), on the
 * peer-to-peer socket (--socket) or the system bus; made on first use.
 * Returns an exit code (the error already printed). Calls on it never
 * start the broker (no bus activation) and time out after the API's
 * timeout; a failed call goes to ctl_fail_error(). */
int  ctl_admin  (CtlContext *ctx, IdgDBusAdmin1 **admin);

/* Output. */
typedef enum {
  CTL_COL_STRING,
  CTL_COL_TIME,      /* x: UNIX seconds, 0 shown as "-" */
  CTL_COL_TIME_US,   /* x: UNIX microseconds */
  CTL_COL_NUMBER,
} CtlColumnType;

typedef struct {
  const gchar   *key;
  const gchar   *header;
  CtlColumnType  type;
} CtlColumn;

/* rows: aa{sv}. */
void ctl_print_table (GVariant *rows, const CtlColumn *cols, guint n_cols, gboolean header);

/* --json documents (ctl-json.c; schema: docs/api.md, data/schema/). */
typedef enum {
  CTL_ROWS_PLAIN,      /* ids, report: members as they are */
  CTL_ROWS_GRANTS,
  CTL_ROWS_REQUESTS,
  CTL_ROWS_AUDIT,
} CtlRows;
JsonNode *ctl_json_rows   (GVariant *rows, CtlRows kind);   /* aa{sv} -> array */
JsonNode *ctl_json_row    (GVariant *row, CtlRows kind);    /* a{sv} -> object */
JsonNode *ctl_json_status (GVariant *dict);
/* ISO 8601 UTC ("2026-12-03T13:45:12Z", with_usec: ".123456Z"). */
gchar    *ctl_json_time   (gint64 usec, gboolean with_usec);
/* Prints node (consumed) and a newline. */
void      ctl_json_print  (JsonNode *node, gboolean pretty);
/* Output holding a secret (a token, an identifier's value): members are
 * written straight to fd 1 (no stdio buffer keeps a copy) and every buffer
 * that held them is wiped. A member with str NULL and !number is null. */
typedef struct {
  const gchar *key;
  const gchar *str;
  gboolean     number;
  guint64      num;
} CtlMember;
void ctl_print_secret (const CtlMember *members, guint n, gboolean json);
/* "key: value" lines of an a{sv}, nested dictionaries indented. */
void ctl_print_dict  (GVariant *dict, guint indent);
gchar *ctl_format_time (gint64 unix_seconds);

/* The global --help and --version (idguardctl.c). */
void ctl_print_main_help (void);
void ctl_print_version   (void);

/* Commands. */
int ctl_cmd_status   (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_ids      (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_grant    (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_grants   (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_revoke   (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_requests (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_approve  (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_deny     (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_audit    (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_report   (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_reset    (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_request  (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_claim    (CtlContext *ctx, int argc, char **argv);
int ctl_cmd_get      (CtlContext *ctx, int argc, char **argv);

G_END_DECLS

#endif
