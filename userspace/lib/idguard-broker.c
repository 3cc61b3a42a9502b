/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The broker transport: one synchronous call of org.idguard.Broker1,
 * either on the broker's unix socket ($IDGUARD_SOCKET, else the default
 * runtime path when it exists) through the fast path of idguard-fast.c
 * (plain frames, no D-Bus), or as a D-Bus call on the system bus. Error
 * names map onto the IDGUARD_E_* codes the same way for both; the broker's
 * message (which never carries an identifier or a token) becomes the
 * thread's last message.
 *
 * On the bus: one connection per process, made at the first call and
 * reused by every later one, from any thread (a GDBusConnection is
 * thread-safe; the cached pointer is under a mutex), a private connection
 * of the library's own (never the application's g_bus_get() singleton,
 * whose exit-on-close would end the process with the bus). It is made
 * again when it was closed (the call that finds it closed reconnects and
 * is sent once more, as it never left), and in a child after fork() (the
 * parent's connection, whose worker thread the child lacks, is left
 * alone). The socket's connection follows the same rules (idguard-fast.c).
 * The broker identifies the process that connected: a connection must not
 * be handed to another process (docs/api.md).
 */
#include "idguard-private.h"
#include "idg-api-names.h"
#include "idguard-fast.h"

#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

static const struct {
  const char *name;
  int         code;
} error_map[] = {
  { IDG_API_ERROR_REFUSED,          IDGUARD_E_REFUSED },
  { IDG_API_ERROR_NOT_AUTHORIZED,   IDGUARD_E_NOT_AUTHORIZED },
  { IDG_API_ERROR_INVALID_ARGUMENT, IDGUARD_E_INVALID },
  { IDG_API_ERROR_UNAVAILABLE,      IDGUARD_E_UNAVAILABLE },
  { IDG_API_ERROR_NOT_FOUND,        IDGUARD_E_NOT_FOUND },
  { IDG_API_ERROR_PENDING,          IDGUARD_E_PENDING },
  { "org.freedesktop.DBus.Error.InvalidArgs",     IDGUARD_E_INVALID },
  { "org.freedesktop.DBus.Error.ServiceUnknown",  IDGUARD_E_NO_BROKER },
  { "org.freedesktop.DBus.Error.NameHasNoOwner",  IDGUARD_E_NO_BROKER },
  { "org.freedesktop.DBus.Error.NoReply",         IDGUARD_E_NO_BROKER },
  { "org.freedesktop.DBus.Error.Disconnected",    IDGUARD_E_NO_BROKER },
  { "org.freedesktop.DBus.Error.AccessDenied",    IDGUARD_E_NOT_AUTHORIZED },
};

static int
code_from_name (const char *name)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (error_map); i++)
    if (strcmp (name, error_map[i].name) == 0)
      return error_map[i].code;
  return IDGUARD_E_PROTOCOL;
}

static int
code_from_error (const GError *error)
{
  g_autofree gchar *name = g_dbus_error_get_remote_error (error);

  g_dbus_error_strip_remote_error ((GError *) error);
  idguard_set_message ("%s", error->message);
  if (name)
    return code_from_name (name);
  if (error->domain == G_DBUS_ERROR)
    return IDGUARD_E_NO_BROKER;
  if (error->domain == G_IO_ERROR &&
      (error->code == G_IO_ERROR_CLOSED || error->code == G_IO_ERROR_TIMED_OUT ||
       error->code == G_IO_ERROR_BROKEN_PIPE || error->code == G_IO_ERROR_CONNECTION_CLOSED))
    return IDGUARD_E_NO_BROKER;
  return IDGUARD_E_PROTOCOL;
}

/* The broker's socket, or NULL for the system bus. */
static const char *
broker_socket (void)
{
  const char *sock = idguard_env ("IDGUARD_SOCKET");

  if (sock && *sock)
    return sock;
  if (g_file_test (IDG_API_DEFAULT_SOCKET, G_FILE_TEST_EXISTS))
    return IDG_API_DEFAULT_SOCKET;
  return NULL;
}

static GDBusConnection *
connect_bus (GError **error)
{
  g_autofree gchar *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, error);

  if (!address)
    return NULL;
  return g_dbus_connection_new_for_address_sync (address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, error);
}

/* The process's bus connection (see the top of this file). */
static GMutex           shared_lock;
static GDBusConnection *shared_conn;
static pid_t            shared_pid;

/* A reference to the process's bus connection, made if there is none or
 * if `stale` is the one there (it was found closed). */
static GDBusConnection *
get_connection (GDBusConnection *stale, GError **error)
{
  GDBusConnection *conn;

  g_mutex_lock (&shared_lock);
  if (shared_conn && shared_pid != getpid ())
    shared_conn = NULL;   /* the parent's, across fork(): not ours to touch */
  if (shared_conn && (shared_conn == stale || g_dbus_connection_is_closed (shared_conn))) {
    g_dbus_connection_close (shared_conn, NULL, NULL, NULL);
    g_clear_object (&shared_conn);
  }
  if (!shared_conn) {
    shared_conn = connect_bus (error);
    shared_pid = getpid ();
  }
  conn = shared_conn ? g_object_ref (shared_conn) : NULL;
  g_mutex_unlock (&shared_lock);
  return conn;
}

/* On the system bus; params is consumed. */
static int
call_bus (const char *method, GVariant *params, const GVariantType *reply_type,
          GVariant **reply)
{
  g_autoptr(GDBusConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  int attempt;

  g_variant_ref_sink (params);
  *reply = NULL;
  for (attempt = 0; attempt < 2 && !*reply; attempt++) {
    GDBusConnection *stale = g_steal_pointer (&conn);

    g_clear_error (&error);
    conn = get_connection (stale, &error);
    g_clear_object (&stale);
    if (!conn) {
      g_variant_unref (params);
      idguard_set_message ("cannot reach the broker: %s", error->message);
      return IDGUARD_E_NO_BROKER;
    }
    *reply = g_dbus_connection_call_sync (conn, IDG_API_BUS_NAME,
                                          IDG_API_OBJECT_PATH, IDG_API_IFACE_BROKER,
                                          method, params, reply_type,
                                          G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                          IDG_API_TIMEOUT_MS, NULL, &error);
    /* CLOSED: the connection was closed before the call could be sent
     * (the bus went away since): it never reached anyone */
    if (!*reply && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
      break;
  }
  g_variant_unref (params);
  if (*reply)
    return IDGUARD_OK;
  return code_from_error (error);
}

/* params is consumed. */
static int
call (const char *method, GVariant *params, const GVariantType *reply_type,
      GVariant **reply)
{
  const char *sock = broker_socket ();
  g_autofree gchar *error_name = NULL;
  const gchar *message = NULL;
  int rc;

  if (sock == NULL)
    return call_bus (method, params, reply_type, reply);
  rc = idguard_fast_call (sock, method, params, reply_type, reply, &error_name);
  if (rc <= 0)
    return rc;
  g_variant_get (*reply, "(&s)", &message);
  idguard_set_message ("%s", message);
  g_clear_pointer (reply, g_variant_unref);
  return code_from_name (error_name);
}

/* The token as an "ay" whose bytes are wiped when the call's message lets
 * go of it (GDBus's own serialization of the message is out of reach). */
typedef struct {
  size_t len;
  char   data[];
} Secret;

static void
secret_free (gpointer data)
{
  Secret *secret = data;

  idguard_wipe (secret->data, secret->len);
  g_free (secret);
}

static GVariant *
token_variant (const char *token)
{
  size_t len = strlen (token);
  Secret *secret = g_malloc (sizeof *secret + len);

  secret->len = len;
  memcpy (secret->data, token, len);
  return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, secret->data, len, TRUE,
                                  secret_free, secret);
}

int
idguard_broker_get (const char *kind, const char *token, char *out, size_t out_len)
{
  g_autoptr(GVariant) reply = NULL;
  const gchar *value = NULL;
  GVariant *tok;
  int rc;

  tok = token_variant (token);
  rc = call ("GetIdentifier", g_variant_new ("(s@ay)", kind, tok),
             G_VARIANT_TYPE ("(s)"), &reply);
  if (rc < 0)
    return rc;
  g_variant_get (reply, "(&s)", &value);
  rc = idguard_copy_out (value, out, out_len);
  idguard_wipe ((void *) value, strlen (value));
  return rc;
}

int
idguard_broker_request (const char *scopes, const char *purpose,
                        char *request_id, size_t request_id_len)
{
  g_autoptr(GVariant) reply = NULL;
  const gchar *id = NULL;
  int rc;

  rc = call ("RequestConsent", g_variant_new ("(ss)", scopes, purpose),
             G_VARIANT_TYPE ("(s)"), &reply);
  if (rc < 0)
    return rc;
  g_variant_get (reply, "(&s)", &id);
  return idguard_copy_out (id, request_id, request_id_len);
}

int
idguard_broker_claim (const char *request_id,
                      char *grant_id, size_t grant_id_len,
                      char *token, size_t token_len)
{
  g_autoptr(GVariant) reply = NULL;
  const gchar *gid = NULL, *tok = NULL;
  int rc;

  rc = call ("ClaimToken", g_variant_new ("(s)", request_id),
             G_VARIANT_TYPE ("(ss)"), &reply);
  if (rc < 0)
    return rc;
  g_variant_get (reply, "(&s&s)", &gid, &tok);
  rc = idguard_copy_out (gid, grant_id, grant_id_len);
  if (rc == IDGUARD_OK)
    rc = idguard_copy_out (tok, token, token_len);
  idguard_wipe ((void *) tok, strlen (tok));
  return rc;
}
