/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The broker transport: one synchronous D-Bus call to org.idguard.Broker1,
 * peer-to-peer on the broker's unix socket ($IDGUARD_SOCKET, else the
 * default runtime path when it exists) or on the system bus. D-Bus error
 * names map onto the IDGUARD_E_* codes; the broker's message (which never
 * carries an identifier or a token) becomes the thread's last message.
 *
 * One connection per process, made at the first call and reused by every
 * later one, from any thread (a GDBusConnection is thread-safe; the cached
 * pointer is under a mutex): peer-to-peer, the socket and its EXTERNAL
 * handshake are paid once, not per read; on the bus, a private connection
 * of the library's own (never the application's g_bus_get() singleton,
 * whose exit-on-close would end the process with the bus). It is made
 * again when it was closed (a broker restart: the call that finds it closed
 * reconnects and is sent once more, as it never left), when the address
 * changed ($IDGUARD_SOCKET), and in a child after fork() (the parent's
 * connection, whose worker thread the child lacks, is left alone).
 * The broker identifies the process that connected: a connection must not
 * be handed to another process (docs/api.md).
 */
#include "idguard-private.h"
#include "idg-api-names.h"

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
code_from_error (const GError *error)
{
  g_autofree gchar *name = g_dbus_error_get_remote_error (error);
  gsize i;

  g_dbus_error_strip_remote_error ((GError *) error);
  idguard_set_message ("%s", error->message);
  if (name) {
    for (i = 0; i < G_N_ELEMENTS (error_map); i++)
      if (strcmp (name, error_map[i].name) == 0)
        return error_map[i].code;
    return IDGUARD_E_PROTOCOL;
  }
  if (error->domain == G_DBUS_ERROR)
    return IDGUARD_E_NO_BROKER;
  if (error->domain == G_IO_ERROR &&
      (error->code == G_IO_ERROR_CLOSED || error->code == G_IO_ERROR_TIMED_OUT ||
       error->code == G_IO_ERROR_BROKEN_PIPE || error->code == G_IO_ERROR_CONNECTION_CLOSED))
    return IDGUARD_E_NO_BROKER;
  return IDGUARD_E_PROTOCOL;
}

/* A full listen backlog makes a unix connect fail with EAGAIN at once: try
 * again for up to CONNECT_RETRY_MS rather than report the broker gone. */
#define CONNECT_RETRY_MS 2000
#define CONNECT_PAUSE_MS 10

static GDBusConnection *
connect_p2p (const char *address, GError **error)
{
  for (int waited = 0;; waited += CONNECT_PAUSE_MS) {
    g_autoptr(GError) local = NULL;
    GDBusConnection *conn = g_dbus_connection_new_for_address_sync (address,
        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &local);

    if (conn)
      return conn;
    if (!g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) ||
        waited >= CONNECT_RETRY_MS) {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
    g_usleep (CONNECT_PAUSE_MS * 1000);
  }
}

/* The address of the broker: its socket (peer-to-peer), or NULL for the
 * system bus. */
static gchar *
broker_address (void)
{
  const char *sock = idguard_env ("IDGUARD_SOCKET");
  g_autofree gchar *escaped = NULL;

  if (!sock || !*sock) {
    if (g_file_test (IDG_API_DEFAULT_SOCKET, G_FILE_TEST_EXISTS))
      sock = IDG_API_DEFAULT_SOCKET;
  }
  if (!sock || !*sock)
    return NULL;
  escaped = g_dbus_address_escape_value (sock);
  return g_strdup_printf ("unix:path=%s", escaped);
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

/* The process's connection (see the top of this file). */
static GMutex           shared_lock;
static GDBusConnection *shared_conn;
static gchar           *shared_address;   /* NULL: the system bus */
static pid_t            shared_pid;

/* A reference to the process's connection, made if there is none or if
 * `stale` is the one there (it was found closed). */
static GDBusConnection *
get_connection (GDBusConnection *stale, gboolean *p2p, GError **error)
{
  g_autofree gchar *address = broker_address ();
  GDBusConnection *conn;

  *p2p = address != NULL;
  g_mutex_lock (&shared_lock);
  if (shared_conn && shared_pid != getpid ())
    shared_conn = NULL;   /* the parent's, across fork(): not ours to touch */
  if (shared_conn && (shared_conn == stale || g_dbus_connection_is_closed (shared_conn) ||
                      g_strcmp0 (address, shared_address) != 0)) {
    g_dbus_connection_close (shared_conn, NULL, NULL, NULL);
    g_clear_object (&shared_conn);
  }
  if (!shared_conn) {
    shared_conn = address ? connect_p2p (address, error) : connect_bus (error);
    g_free (shared_address);
    shared_address = g_steal_pointer (&address);
    shared_pid = getpid ();
  }
  conn = shared_conn ? g_object_ref (shared_conn) : NULL;
  g_mutex_unlock (&shared_lock);
  return conn;
}

/* params is consumed. */
static int
call (const char *method, GVariant *params, const GVariantType *reply_type,
      GVariant **reply)
{
  g_autoptr(GDBusConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  gboolean p2p = FALSE;
  int attempt;

  g_variant_ref_sink (params);
  *reply = NULL;
  for (attempt = 0; attempt < 2 && !*reply; attempt++) {
    GDBusConnection *stale = g_steal_pointer (&conn);

    g_clear_error (&error);
    conn = get_connection (stale, &p2p, &error);
    g_clear_object (&stale);
    if (!conn) {
      g_variant_unref (params);
      idguard_set_message ("cannot reach the broker: %s", error->message);
      return IDGUARD_E_NO_BROKER;
    }
    *reply = g_dbus_connection_call_sync (conn, p2p ? NULL : IDG_API_BUS_NAME,
                                          IDG_API_OBJECT_PATH, IDG_API_IFACE_BROKER,
                                          method, params, reply_type,
                                          G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                          IDG_API_TIMEOUT_MS, NULL, &error);
    /* CLOSED: the connection was closed before the call could be sent
     * (a broker that restarted since): it never reached anyone */
    if (!*reply && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
      break;
  }
  g_variant_unref (params);
  if (*reply)
    return IDGUARD_OK;
  return code_from_error (error);
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
