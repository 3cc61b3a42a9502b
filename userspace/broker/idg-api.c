/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The service API server: the system bus, the caller's identity from the
 * kernel, authorization of the admin methods, signals; the peer-to-peer
 * unix socket, its budgets and handshakes are in idg-api-p2p.c, the methods
 * themselves in idg-api-methods.c.
 * A client of the unix socket that starts with IDG_FRAME_HELLO instead of
 * the D-Bus NUL byte is handed, under the same budgets, to the fast path
 * (idg-api-fast.c: libidguard's Broker1 calls without GDBus).
 *
 * A call goes: method_call() -> the caller's identity (socket credentials,
 * or the bus's GetConnectionCredentials, pinned with a pidfd by
 * idg-identity) -> idg_authz_check() for admin methods -> the method.
 * The pin is made at a connection's (a unique name's) first call and kept:
 * later calls only re-check what can change (IdgIdentityPin).
 * Limits of the identity (by design of the kernel's interfaces):
 *  - peer to peer, the caller is the process that connected (SO_PEERCRED,
 *    pinned by SO_PEERPIDFD or pidfd_open): a connection handed to another
 *    process over SCM_RIGHTS, or inherited across fork/exec, still speaks
 *    as the connector for as long as the connector lives (and is refused
 *    once it has exited). Services must not hand their connection around.
 *  - on the bus without ProcessFD (dbus-daemon 1.14), the pid is pinned
 *    when the name's first call arrives, not when the peer connected: see
 *    the window in idg-identity.c. A unique name is never given twice by
 *    one bus; the bus connection is the g_bus_get() singleton, whose loss
 *    ends the broker, so the pins never outlive their bus.
 *  - polkit (0.122 here) takes no pidfd: a non-root p2p caller is named to
 *    polkit by pid and uid; polkit records the start time when the subject
 *    is built, right after the identity was pinned.
 * Argument types were already checked by GDBus against the introspection
 * data generated from data/org.idguard.Broker1.xml (InvalidArgs otherwise);
 * their values are checked here.
 */
#include "idg-api.h"
#include "idg-api-private.h"

#include <unistd.h>
#include <gio/gunixfdlist.h>

#include "idg-api-names.h"
#include "idg-authz.h"
#include "idg-dbus.h"
#include "idg-store.h"

#define REQUEST_BURST          8      /* RequestConsent calls of a uid at once, */
#define REQUEST_INTERVAL       G_USEC_PER_SEC   /* then one a second */

Call *
idg_api_call_new (IdgApi *api, const IdgApiMethod *method, GVariant *params)
{
  Call *call = g_new0 (Call, 1);

  call->api = api;
  call->broker = api->broker;
  call->method = method;
  call->params = g_variant_ref (params);
  return call;
}

void
idg_api_call_free (Call *call)
{
  g_clear_object (&call->inv);
  g_clear_pointer (&call->params, g_variant_unref);
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
  idg_api_call_free (call);
}


/* A token bucket per uid for RequestConsent: each request is a journal
 * write (fdatasync) and an event for the Settings UI; a uid that asks
 * faster than REQUEST_BURST at once, then one a second, is told to try
 * again later (only that uid). */
static gboolean
request_allowed (IdgApi *api, uid_t uid)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *b = g_hash_table_lookup (api->request_credit, GUINT_TO_POINTER (uid));

  if (idg_api_uid_reserved (uid))
    return TRUE;
  if (b == NULL) {
    if (g_hash_table_size (api->request_credit) >= 4096)
      g_hash_table_remove_all (api->request_credit);   /* forgets credit, not budgets */
    b = g_new (gint64, 2);
    b[0] = REQUEST_BURST * REQUEST_INTERVAL;
    b[1] = now;
    g_hash_table_insert (api->request_credit, GUINT_TO_POINTER (uid), b);
  }
  b[0] = MIN (b[0] + (now - b[1]), REQUEST_BURST * REQUEST_INTERVAL);
  b[1] = now;
  if (b[0] < REQUEST_INTERVAL)
    return FALSE;
  b[0] -= REQUEST_INTERVAL;
  return TRUE;
}

/* Runs the call once the caller's identity is known; consumes call. */
void
idg_api_dispatch (Call *call)
{
  GDBusMessage *msg;
  gboolean interactive;

  if (g_str_equal (call->method->name, "RequestConsent") &&
      !request_allowed (call->api, call->caller->uid)) {
    idg_api_fail (call, IDG_API_ERROR_UNAVAILABLE, "too many requests from this user; try again later");
    idg_api_call_free (call);
    return;
  }
  if (call->method->action < 0) {
    call->method->func (call);
    idg_api_call_free (call);
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

/* Bus callers pinned by unique name: a unique name is one connection of
 * one process and is never given again, so its pin holds for as long as
 * the name is cached; the pin re-checks the process on every call
 * (idg-identity.c). At most BUS_PINS names (then forgotten all at once). */
#define BUS_PINS 256

/* The caller's identity from the bus's credentials: through the pidfd the
 * bus pinned when the peer connected (ProcessFD, offered by dbus-broker and
 * newer dbus-daemons: no pid-reuse window at all), else through the
 * ProcessID pinned at the name's first call; kept in api->bus_pins. */
static IdgIdentity *
identity_from_bus (IdgApi *api, const gchar *sender, GVariant *creds, GUnixFDList *fds, GError **error)
{
  gint32 fd_index = -1;
  int pidfd = -1;
  IdgIdentityPin *pin;

  if (g_variant_lookup (creds, "ProcessFD", "h", &fd_index)) {
    if (fds == NULL || fd_index < 0 || fd_index >= g_unix_fd_list_get_length (fds) ||
        (pidfd = g_unix_fd_list_get (fds, fd_index, error)) < 0) {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the bus sent a bad ProcessFD");
      return NULL;
    }
  }
  pin = idg_identity_pin_from_bus_credentials (creds, pidfd, error);
  if (pidfd >= 0)
    close (pidfd);
  if (pin == NULL)
    return NULL;
  if (g_hash_table_size (api->bus_pins) >= BUS_PINS)
    g_hash_table_remove_all (api->bus_pins);
  g_hash_table_replace (api->bus_pins, g_strdup (sender), pin);
  return idg_identity_pin_get (pin, error);
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
  if (!creds || !(call->caller = identity_from_bus (call->api, g_dbus_method_invocation_get_sender (call->inv),
                                                    creds, fds, &error))) {
    idg_api_fail (call, IDG_API_ERROR_REFUSED, "cannot establish the caller's identity%s%s",
                  error ? ": " : "", error ? error->message : "");
    idg_api_call_free (call);
    return;
  }
  idg_api_dispatch (call);
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
  IdgIdentityPin *pin;
  Peer *peer;
  Call *call;

  if (!method) {
    g_dbus_method_invocation_return_dbus_error (inv, "org.freedesktop.DBus.Error.UnknownMethod",
                                                "unknown method");
    return;
  }
  call = idg_api_call_new (api, method, parameters);
  call->inv = inv;   /* the reference we were handed */
  if ((peer = g_hash_table_lookup (api->peers, conn)) != NULL) {
    g_autoptr(GError) error = NULL;
    GIOStream *stream = g_dbus_connection_get_stream (conn);
    GSocket *sock = G_IS_SOCKET_CONNECTION (stream)
        ? g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)) : NULL;

    /* pinned once per connection; each call re-checks what can change
     * (idg-identity.c, "an identity pinned for the life of a connection") */
    if (peer->pin == NULL && sock != NULL)
      peer->pin = idg_identity_pin_from_socket (g_socket_get_fd (sock), &error);
    call->caller = peer->pin ? idg_identity_pin_get (peer->pin, &error) : NULL;
    if (!call->caller) {
      idg_api_fail (call, IDG_API_ERROR_REFUSED, "cannot establish the caller's identity%s%s",
            error ? ": " : "", error ? error->message : "");
      idg_api_call_free (call);
      return;
    }
    idg_api_dispatch (call);
    return;
  }
  if (sender != NULL && (pin = g_hash_table_lookup (api->bus_pins, sender)) != NULL) {
    g_autoptr(GError) error = NULL;

    call->caller = idg_identity_pin_get (pin, &error);
    if (!call->caller) {
      g_hash_table_remove (api->bus_pins, sender);
      idg_api_fail (call, IDG_API_ERROR_REFUSED, "cannot establish the caller's identity: %s",
                    error->message);
      idg_api_call_free (call);
      return;
    }
    idg_api_dispatch (call);
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

gboolean
idg_api_register_objects (IdgApi *api, GDBusConnection *conn, guint reg[2], GError **error)
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

/* ---- consent requests expire (idg-store-requests.c) ---- */

static void arm_request_expiry (IdgApi *api);

static gboolean
request_expiry_cb (gpointer data)
{
  IdgApi *api = data;

  api->request_timer = 0;
  idg_store_expire_requests (idg_broker_get_store (api->broker), g_get_real_time () / G_USEC_PER_SEC);
  arm_request_expiry (api);
  return G_SOURCE_REMOVE;
}

static void
arm_request_expiry (IdgApi *api)
{
  gint64 next = idg_store_next_request_expiry (idg_broker_get_store (api->broker));
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_clear_handle_id (&api->request_timer, g_source_remove);
  if (next != 0)
    api->request_timer = g_timeout_add_seconds ((guint) CLAMP (next - now, 0, G_MAXINT32 / 2),
                                                request_expiry_cb, api);
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

    arm_request_expiry (api);
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
  if (!idg_api_register_objects (api, api->bus, api->bus_reg, &error)) {
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

  return g_hash_table_size (api->peers) + g_hash_table_size (api->fast_peers);
}

IdgApi *
idg_api_new (IdgBroker    *broker,
             const gchar  *p2p_socket_path,
             gboolean      use_system_bus,
             GError      **error)
{
  g_autoptr(IdgApi) api = g_new0 (IdgApi, 1);
  const IdgConfig *config;

  g_return_val_if_fail (broker != NULL, NULL);
  api->broker = broker;
  api->cancellable = g_cancellable_new ();
  api->peers = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, idg_api_peer_free);
  api->handshakes = g_ptr_array_new ();
  api->fast_peers = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                           (GDestroyNotify) idg_api_fast_free, NULL);
  api->request_credit = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  api->bus_pins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) idg_identity_pin_free);
  config = idg_broker_get_config (broker);
  api->handshakes_per_uid = config->api_handshakes_per_uid;
  api->handshake_timeout_ms = config->api_handshake_timeout * 1000;
  api->connections_per_uid = config->api_connections_per_uid;
  if (use_system_bus)
    start_bus (api);
  api->authz = idg_authz_new (api->bus);
  if (p2p_socket_path && !idg_api_p2p_start (api, p2p_socket_path, error))
    return NULL;
  /* `idguardctl status` lists the API among the doors, with its clients */
  idg_broker_add_door (broker, IDG_DOOR_API, api->socket_path ? api->socket_path : IDG_API_BUS_NAME,
                       count_peers, api);
  api->door_added = TRUE;
  api->broker_sub = idg_broker_subscribe (broker, broker_event, api);
  /* requests are budgeted here, where they come in; what expired while
   * the broker was down expires now */
  idg_store_set_request_limits (idg_broker_get_store (broker), config->requests_pending_per_uid,
                                config->requests_expire_after);
  idg_store_expire_requests (idg_broker_get_store (broker), g_get_real_time () / G_USEC_PER_SEC);
  arm_request_expiry (api);
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
  g_clear_handle_id (&api->request_timer, g_source_remove);
  if (api->door_added)
    idg_broker_remove_door (api->broker, IDG_DOOR_API);
  g_cancellable_cancel (api->cancellable);
  if (api->accept_source) {
    g_source_destroy (api->accept_source);
    g_clear_pointer (&api->accept_source, g_source_unref);
  }
  if (api->listener) {
    g_socket_close (api->listener, NULL);
    g_clear_object (&api->listener);
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
  g_clear_pointer (&api->fast_peers, g_hash_table_destroy);
  api->freeing = TRUE;
  while (api->handshakes->len > 0)
    idg_api_handshake_free (g_ptr_array_index (api->handshakes, 0));
  g_ptr_array_unref (api->handshakes);
  g_clear_pointer (&api->request_credit, g_hash_table_destroy);
  g_clear_pointer (&api->bus_pins, g_hash_table_destroy);
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
  g_free (api->guid);
  g_free (api->socket_path);
  g_free (api);
}
