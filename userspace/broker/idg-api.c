/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The service API server: transports (peer-to-peer D-Bus on a unix socket,
 * system bus), the caller's identity from the kernel, authorization of the
 * admin methods, signals; the methods themselves are in idg-api-methods.c.
 *
 * A call goes: method_call() -> the caller's identity (socket credentials,
 * or the bus's GetConnectionCredentials, pinned with a pidfd by
 * idg-identity) -> idg_authz_check() for admin methods -> the method.
 * Limits of the identity (by design of the kernel's interfaces):
 *  - peer to peer, the caller is the process that connected (SO_PEERCRED,
 *    pinned by SO_PEERPIDFD or pidfd_open): a connection handed to another
 *    process over SCM_RIGHTS, or inherited across fork/exec, still speaks
 *    as the connector for as long as the connector lives (and is refused
 *    once it has exited). Services must not hand their connection around.
 *  - on the bus without ProcessFD (dbus-daemon 1.14), the pid is pinned
 *    when the call arrives, not when the peer connected: see the window in
 *    idg-identity.c.
 *  - polkit (0.122 here) takes no pidfd: a non-root p2p caller is named to
 *    polkit by pid and uid; polkit records the start time when the subject
 *    is built, right after the identity was pinned.
 * Argument types were already checked by GDBus against the introspection
 * data generated from data/org.idguard.Broker1.xml (InvalidArgs otherwise);
 * their values are checked here.
 */
#include "idg-api.h"
#include "idg-api-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <gio/gunixfdlist.h>
#include <gio/gunixsocketaddress.h>

#include "../lib/idg-api-names.h"
#include "idg-authz.h"
#include "idg-dbus.h"
#include "idg-store.h"

#define MAX_CONNECTIONS   1024     /* authenticated peers, all together */
#define MAX_PER_UID       256      /* ... per uid other than 0 */
#define MAX_HANDSHAKES    256      /* connections still authenticating */
#define HANDSHAKE_TIMEOUT 10       /* seconds to finish authenticating */
#define LISTEN_BACKLOG    256      /* many services connecting at once */

struct _IdgApi {
  IdgBroker       *broker;
  IdgAuthz        *authz;
  GCancellable    *cancellable;
  GSocketService  *service;        /* the peer-to-peer socket */
  GDBusAuthObserver *observer;
  gchar           *guid;
  gchar           *socket_path;
  GHashTable      *peers;          /* GDBusConnection -> Peer */
  GPtrArray       *handshakes;     /* Handshake, not yet authenticated */
  GDBusConnection *bus;
  guint            bus_owner_id;
  guint            bus_reg[2];
  guint            broker_sub;
  gboolean         door_added;
};

typedef struct {
  guint    reg[2];
  gulong   closed_id;
  gboolean admin_signals;   /* peer is uid 0: gets the Admin1 signals */
  uid_t    uid;
} Peer;

/* A connection authenticating; api is NULL once the API is freed. */
typedef struct {
  IdgApi       *api;
  GCancellable *cancellable;
  guint         timeout_id;
} Handshake;

static void
call_free (Call *call)
{
  g_clear_object (&call->inv);
  g_clear_pointer (&call->caller, idg_identity_free);
  g_free (call);
}

/* ---- dispatch: identity, authorization, method ---- */

static void
authorized_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;

  if (!idg_authz_check_finish (NULL, res, &error)) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      idg_api_fail (call, IDG_API_ERROR_UNAVAILABLE, "the broker is shutting down");
    else
      idg_api_fail (call, IDG_API_ERROR_NOT_AUTHORIZED, "%s", error->message);
  } else {
    call->method->func (call);
  }
  call_free (call);
}

/* Runs the call once the caller's identity is known; consumes call. */
static void
dispatch (Call *call)
{
  GDBusMessage *msg;
  gboolean interactive;

  if (call->method->action < 0) {
    call->method->func (call);
    call_free (call);
    return;
  }
  msg = g_dbus_method_invocation_get_message (call->inv);
  interactive = (g_dbus_message_get_flags (msg) & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
  idg_authz_check (call->api->authz, call->caller,
                   g_hash_table_contains (call->api->peers, g_dbus_method_invocation_get_connection (call->inv))
                     ? NULL : g_dbus_method_invocation_get_sender (call->inv),
                   (IdgAuthzAction) call->method->action, interactive,
                   call->api->cancellable, authorized_cb, call);
}

/* The caller's identity from the bus's credentials: through the pidfd the
 * bus pinned when the peer connected (ProcessFD, offered by dbus-broker and
 * newer dbus-daemons: no pid-reuse window at all), else through the
 * ProcessID pinned now. */
static IdgIdentity *
identity_from_bus (GVariant *creds, GUnixFDList *fds, GError **error)
{
  gint32 fd_index = -1;
  int pidfd = -1;
  IdgIdentity *id;

  if (g_variant_lookup (creds, "ProcessFD", "h", &fd_index)) {
    if (fds == NULL || fd_index < 0 || fd_index >= g_unix_fd_list_get_length (fds) ||
        (pidfd = g_unix_fd_list_get (fds, fd_index, error)) < 0) {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the bus sent a bad ProcessFD");
      return NULL;
    }
  }
  id = idg_identity_from_bus_credentials (creds, pidfd, error);
  if (pidfd >= 0)
    close (pidfd);
  return id;
}

static void
bus_credentials_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) creds = NULL;
  g_autoptr(GUnixFDList) fds = NULL;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), &fds, res, &error);
  if (reply)
    creds = g_variant_get_child_value (reply, 0);
  if (!creds || !(call->caller = identity_from_bus (creds, fds, &error))) {
    idg_api_fail (call, IDG_API_ERROR_REFUSED, "cannot establish the caller's identity%s%s",
                  error ? ": " : "", error ? error->message : "");
    call_free (call);
    return;
  }
  dispatch (call);
}

static void
method_call (GDBusConnection       *conn,
             const gchar           *sender,
             const gchar           *path,
             const gchar           *iface,
             const gchar           *name,
             GVariant              *parameters,
             GDBusMethodInvocation *inv,
             gpointer               user_data)
{
  IdgApi *api = user_data;
  const IdgApiMethod *method = idg_api_find_method (iface, name);
  Call *call;

  if (!method) {
    g_dbus_method_invocation_return_dbus_error (inv, "org.freedesktop.DBus.Error.UnknownMethod",
                                                "unknown method");
    return;
  }
  call = g_new0 (Call, 1);
  call->api = api;
  call->broker = api->broker;
  call->inv = inv;   /* the reference we were handed */
  call->method = method;
  if (g_hash_table_contains (api->peers, conn)) {
    g_autoptr(GError) error = NULL;
    GIOStream *stream = g_dbus_connection_get_stream (conn);
    GSocket *sock = G_IS_SOCKET_CONNECTION (stream)
        ? g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)) : NULL;

    call->caller = sock ? idg_identity_from_socket (g_socket_get_fd (sock), &error) : NULL;
    if (!call->caller) {
      idg_api_fail (call, IDG_API_ERROR_REFUSED, "cannot establish the caller's identity%s%s",
            error ? ": " : "", error ? error->message : "");
      call_free (call);
      return;
    }
    dispatch (call);
    return;
  }
  g_dbus_connection_call_with_unix_fd_list (conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus", "GetConnectionCredentials",
                                            g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(a{sv})"),
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, api->cancellable,
                                            bus_credentials_cb, call);
}

static GVariant *
get_property (GDBusConnection *conn, const gchar *sender, const gchar *path,
              const gchar *iface, const gchar *name, GError **error, gpointer user_data)
{
  if (g_strcmp0 (name, "Version") == 0)
    return g_variant_new_uint32 (IDG_API_VERSION);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "unknown property");
  return NULL;
}

static const GDBusInterfaceVTable vtable = { method_call, get_property, NULL, { NULL, } };

static gboolean
register_objects (IdgApi *api, GDBusConnection *conn, guint reg[2], GError **error)
{
  reg[0] = g_dbus_connection_register_object (conn, IDG_API_OBJECT_PATH,
                                              idg_dbus_broker1_interface_info (),
                                              &vtable, api, NULL, error);
  if (!reg[0])
    return FALSE;
  reg[1] = g_dbus_connection_register_object (conn, IDG_API_OBJECT_PATH,
                                              idg_dbus_admin1_interface_info (),
                                              &vtable, api, NULL, error);
  if (!reg[1]) {
    g_dbus_connection_unregister_object (conn, reg[0]);
    reg[0] = 0;
    return FALSE;
  }
  return TRUE;
}

/* ---- signals for a Settings UI ---- */

static void
emit (IdgApi *api, const gchar *name, GVariant *args)
{
  GHashTableIter it;
  gpointer conn, peer;

  g_variant_ref_sink (args);
  if (api->bus && api->bus_reg[0])
    g_dbus_connection_emit_signal (api->bus, NULL, IDG_API_OBJECT_PATH, IDG_API_IFACE_ADMIN,
                                   name, args, NULL);
  g_hash_table_iter_init (&it, api->peers);
  while (g_hash_table_iter_next (&it, &conn, &peer))
    if (((Peer *) peer)->admin_signals)
      g_dbus_connection_emit_signal (conn, NULL, IDG_API_OBJECT_PATH, IDG_API_IFACE_ADMIN,
                                     name, args, NULL);
  g_variant_unref (args);
}

static void
broker_event (IdgBroker *broker, IdgBrokerEvent event, const gchar *detail, gpointer user_data)
{
  IdgApi *api = user_data;

  switch (event) {
  case IDG_BROKER_EVENT_GRANTS:
    emit (api, "GrantsChanged", g_variant_new ("()"));
    break;
  case IDG_BROKER_EVENT_REQUESTS: {
    g_autoptr(IdgRequest) req = detail ? idg_store_lookup_request (idg_broker_get_store (broker), detail) : NULL;
    g_autofree gchar *scopes = NULL;

    if (req && req->state == IDG_REQUEST_PENDING) {
      scopes = idg_kind_mask_to_string (req->scopes);
      emit (api, "RequestPending", g_variant_new ("(ssss)", req->id,
                                                  req->requester ? req->requester : "",
                                                  scopes, req->purpose ? req->purpose : ""));
    } else {
      emit (api, "GrantsChanged", g_variant_new ("()"));
    }
    break;
  }
  case IDG_BROKER_EVENT_IDENTIFIERS:
  case IDG_BROKER_EVENT_STATUS:
    break;
  }
}

/* ---- peer-to-peer transport ---- */

static void
peer_free (gpointer data)
{
  g_free (data);
}

static void
peer_closed (GDBusConnection *conn, gboolean remote_peer_vanished, GError *error, gpointer user_data)
{
  IdgApi *api = user_data;
  Peer *peer = g_hash_table_lookup (api->peers, conn);

  if (!peer)
    return;
  g_dbus_connection_unregister_object (conn, peer->reg[0]);
  g_dbus_connection_unregister_object (conn, peer->reg[1]);
  g_signal_handler_disconnect (conn, peer->closed_id);
  g_hash_table_remove (api->peers, conn);   /* drops our reference */
}

static guint
peers_of_uid (IdgApi *api, uid_t uid)
{
  GHashTableIter it;
  gpointer conn, peer;
  guint n = 0;

  g_hash_table_iter_init (&it, api->peers);
  while (g_hash_table_iter_next (&it, &conn, &peer))
    n += ((Peer *) peer)->uid == uid;
  return n;
}

static void
handshake_free (Handshake *hs)
{
  if (hs->timeout_id)
    g_source_remove (hs->timeout_id);
  g_clear_object (&hs->cancellable);
  g_free (hs);
}

static gboolean
handshake_timeout (gpointer data)
{
  Handshake *hs = data;

  hs->timeout_id = 0;
  g_cancellable_cancel (hs->cancellable);
  return G_SOURCE_REMOVE;
}

/* A connection authenticated (EXTERNAL: the kernel's credentials), or not. */
static void
connection_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Handshake *hs = user_data;
  IdgApi *api = hs->api;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) conn = g_dbus_connection_new_finish (res, &error);
  GCredentials *creds;
  Peer *peer;
  uid_t uid;

  if (api)
    g_ptr_array_remove_fast (api->handshakes, hs);
  handshake_free (hs);
  if (!api) {
    if (conn)
      g_dbus_connection_close (conn, NULL, NULL, NULL);
    return;   /* the API is gone */
  }
  if (!conn) {
    g_debug ("api: a client did not authenticate: %s", error->message);
    return;
  }
  creds = g_dbus_connection_get_peer_credentials (conn);
  uid = creds ? g_credentials_get_unix_user (creds, NULL) : (uid_t) -1;
  if (!creds || uid == (uid_t) -1 || g_hash_table_size (api->peers) >= MAX_CONNECTIONS ||
      (uid != 0 && peers_of_uid (api, uid) >= MAX_PER_UID)) {
    g_debug ("api: connection refused (no credentials or too many connections)");
    g_dbus_connection_close (conn, NULL, NULL, NULL);
    return;
  }
  peer = g_new0 (Peer, 1);
  peer->uid = uid;
  peer->admin_signals = uid == 0;
  if (!register_objects (api, conn, peer->reg, &error)) {
    g_warning ("api: cannot serve a new connection: %s", error->message);
    g_free (peer);
    g_dbus_connection_close (conn, NULL, NULL, NULL);
    return;
  }
  g_hash_table_insert (api->peers, g_object_ref (conn), peer);
  peer->closed_id = g_signal_connect (conn, "closed", G_CALLBACK (peer_closed), api);
  g_dbus_connection_start_message_processing (conn);
}

static gboolean
incoming (GSocketService *service, GSocketConnection *sconn, GObject *source, gpointer user_data)
{
  IdgApi *api = user_data;
  Handshake *hs;

  if (g_hash_table_size (api->peers) >= MAX_CONNECTIONS || api->handshakes->len >= MAX_HANDSHAKES)
    return FALSE;   /* dropped: closed when the last reference goes */
  hs = g_new0 (Handshake, 1);
  hs->api = api;
  hs->cancellable = g_cancellable_new ();
  hs->timeout_id = g_timeout_add_seconds (HANDSHAKE_TIMEOUT, handshake_timeout, hs);
  g_ptr_array_add (api->handshakes, hs);
  g_dbus_connection_new (G_IO_STREAM (sconn), api->guid,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER |
                         G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING,
                         api->observer, hs->cancellable, connection_ready, hs);
  return TRUE;
}

static gboolean
allow_mechanism (GDBusAuthObserver *observer, const gchar *mechanism, gpointer user_data)
{
  return g_strcmp0 (mechanism, "EXTERNAL") == 0;
}

static gboolean
authorize_peer (GDBusAuthObserver *observer, GIOStream *stream, GCredentials *creds,
                gpointer user_data)
{
  return creds != NULL;   /* the kernel must have told who it is */
}

/* Refuses to take over a socket another broker serves; removes a stale one. */
static gboolean
prepare_socket_path (const gchar *path, GError **error)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  struct stat st;
  int fd, r;

  if (strlen (path) >= sizeof sa.sun_path) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                 "API socket path too long: %s", path);
    return FALSE;
  }
  if (lstat (path, &st) < 0)
    return errno == ENOENT ? TRUE : (g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                                                  "API socket %s: %s", path, g_strerror (errno)), FALSE);
  if (!S_ISSOCK (st.st_mode)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                 "API socket path %s exists and is not a socket", path);
    return FALSE;
  }
  strcpy (sa.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "socket: %s", g_strerror (errno));
    return FALSE;
  }
  r = connect (fd, (struct sockaddr *) &sa, sizeof sa);
  close (fd);
  if (r == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                 "another broker is serving the API socket %s", path);
    return FALSE;
  }
  if (unlink (path) < 0 && errno != ENOENT) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                 "cannot remove the stale API socket %s: %s", path, g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

/* A GSocketService rather than a GDBusServer: the same D-Bus peer
 * connections, but with a listen backlog that takes a burst of clients
 * (GDBusServer's is 10: the 11th concurrent connect gets EAGAIN). */
static gboolean
start_p2p (IdgApi *api, const gchar *path, GError **error)
{
  g_autoptr(GSocketAddress) addr = NULL;

  if (!prepare_socket_path (path, error))
    return FALSE;
  api->guid = g_dbus_generate_guid ();
  api->observer = g_dbus_auth_observer_new ();
  g_signal_connect (api->observer, "allow-mechanism", G_CALLBACK (allow_mechanism), NULL);
  g_signal_connect (api->observer, "authorize-authenticated-peer", G_CALLBACK (authorize_peer), NULL);
  api->service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (api->service), LISTEN_BACKLOG);
  addr = g_unix_socket_address_new (path);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (api->service), addr,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                      NULL, NULL, error)) {
    g_prefix_error (error, "cannot serve the API on %s: ", path);
    return FALSE;
  }
  api->socket_path = g_strdup (path);
  /* 0666: the service API is for every local process, as the system bus
   * is; each call is decided from the caller's kernel credentials. */
  if (chmod (path, 0666) < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                 "cannot set the mode of %s: %s", path, g_strerror (errno));
    return FALSE;
  }
  g_signal_connect (api->service, "incoming", G_CALLBACK (incoming), api);
  g_socket_service_start (api->service);
  return TRUE;
}

/* ---- system bus ---- */

static void
name_acquired (GDBusConnection *conn, const gchar *name, gpointer user_data)
{
  g_info ("api: serving %s on the system bus", name);
}

static void
name_lost (GDBusConnection *conn, const gchar *name, gpointer user_data)
{
  g_warning ("api: cannot own %s on the system bus (another broker, or no bus policy "
             "installed); serving the peer-to-peer socket only", name);
}

static void
start_bus (IdgApi *api)
{
  g_autoptr(GError) error = NULL;

  api->bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (!api->bus) {
    g_info ("api: no system bus (%s); serving the peer-to-peer socket only", error->message);
    return;
  }
  g_dbus_connection_set_exit_on_close (api->bus, FALSE);
  if (!register_objects (api, api->bus, api->bus_reg, &error)) {
    g_warning ("api: cannot export the API on the system bus: %s", error->message);
    return;
  }
  api->bus_owner_id = g_bus_own_name_on_connection (api->bus, IDG_API_BUS_NAME,
                                                    G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                    name_acquired, name_lost, NULL, NULL);
}

static guint
count_peers (gpointer data)
{
  IdgApi *api = data;

  return g_hash_table_size (api->peers);
}

IdgApi *
idg_api_new (IdgBroker    *broker,
             const gchar  *p2p_socket_path,
             gboolean      use_system_bus,
             GError      **error)
{
  g_autoptr(IdgApi) api = g_new0 (IdgApi, 1);

  g_return_val_if_fail (broker != NULL, NULL);
  api->broker = broker;
  api->cancellable = g_cancellable_new ();
  api->peers = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, peer_free);
  api->handshakes = g_ptr_array_new ();
  if (use_system_bus)
    start_bus (api);
  api->authz = idg_authz_new (api->bus);
  if (p2p_socket_path && !start_p2p (api, p2p_socket_path, error))
    return NULL;
  /* `idguardctl status` lists the API among the doors, with its clients */
  idg_broker_add_door (broker, IDG_DOOR_API, api->socket_path ? api->socket_path : IDG_API_BUS_NAME,
                       count_peers, api);
  api->door_added = TRUE;
  api->broker_sub = idg_broker_subscribe (broker, broker_event, api);
  return g_steal_pointer (&api);
}

void
idg_api_free (IdgApi *api)
{
  GHashTableIter it;
  gpointer conn, data;

  if (!api)
    return;
  if (api->broker_sub)
    idg_broker_unsubscribe (api->broker, api->broker_sub);
  if (api->door_added)
    idg_broker_remove_door (api->broker, IDG_DOOR_API);
  g_cancellable_cancel (api->cancellable);
  if (api->service) {
    g_socket_service_stop (api->service);
    g_socket_listener_close (G_SOCKET_LISTENER (api->service));
    g_clear_object (&api->service);
  }
  if (api->socket_path)
    unlink (api->socket_path);
  g_hash_table_iter_init (&it, api->peers);
  while (g_hash_table_iter_next (&it, &conn, &data)) {
    Peer *peer = data;

    g_signal_handler_disconnect (conn, peer->closed_id);
    g_dbus_connection_unregister_object (conn, peer->reg[0]);
    g_dbus_connection_unregister_object (conn, peer->reg[1]);
    g_dbus_connection_close (conn, NULL, NULL, NULL);
  }
  g_hash_table_destroy (api->peers);
  /* pending handshakes finish (cancelled) after us: cut them loose */
  for (guint i = 0; i < api->handshakes->len; i++) {
    Handshake *hs = g_ptr_array_index (api->handshakes, i);

    hs->api = NULL;
    if (hs->timeout_id) {
      g_source_remove (hs->timeout_id);
      hs->timeout_id = 0;
    }
    g_cancellable_cancel (hs->cancellable);
  }
  g_ptr_array_unref (api->handshakes);
  if (api->bus) {
    if (api->bus_owner_id)
      g_bus_unown_name (api->bus_owner_id);
    for (guint i = 0; i < 2; i++)
      if (api->bus_reg[i])
        g_dbus_connection_unregister_object (api->bus, api->bus_reg[i]);
    g_clear_object (&api->bus);
  }
  idg_authz_free (api->authz);
  g_clear_object (&api->cancellable);
  g_clear_object (&api->observer);
  g_free (api->guid);
  g_free (api->socket_path);
  g_free (api);
}
