/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The service API server: transports (peer-to-peer D-Bus on a unix socket,
 * system bus), the caller's identity from the kernel, authorization of the
 * admin methods, signals; the methods themselves are in idg-api-methods.c.
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
#include "idg-api-auth.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <gio/gunixfdlist.h>
#include <gio/gunixsocketaddress.h>

#include "idg-api-frame.h"
#include "idg-api-names.h"
#include "idg-authz.h"
#include "idg-dbus.h"
#include "idg-store.h"

/* Budgets (docs/threat-model.md). Uid 0 and the broker's own uid are
 * "reserved": they have slots of their own, which other uids cannot take,
 * and are not held to the per-uid budgets of [api] in idguard.conf. */
#define MAX_CONNECTIONS        1024   /* connections of other uids, together */
#define MAX_HANDSHAKES         64     /* ... authenticating at a time */
#define RESERVED_CONNECTIONS   512    /* connections of the reserved uids, together */
#define RESERVED_HANDSHAKES    128    /* ... authenticating at a time */
#define LISTEN_BACKLOG         256    /* many services connecting at once */
#define ACCEPT_BATCH           64     /* connections accepted per main-loop pass */
#define REFUSAL_LOG_INTERVAL   (10 * G_USEC_PER_SEC)
#define REQUEST_BURST          8      /* RequestConsent calls of a uid at once, */
#define REQUEST_INTERVAL       G_USEC_PER_SEC   /* then one a second */

struct _IdgApi {
  IdgBroker       *broker;
  IdgAuthz        *authz;
  GCancellable    *cancellable;
  GSocket         *listener;       /* the peer-to-peer socket */
  GSource         *accept_source;
  gchar           *guid;
  gchar           *socket_path;
  GHashTable      *peers;          /* GDBusConnection -> Peer */
  GHashTable      *fast_peers;     /* IdgApiFast set: the fast path (idg-api-fast.c) */
  GPtrArray       *handshakes;     /* Handshake, not yet authenticated */
  guint            handshakes_per_uid;
  guint            handshake_timeout_ms;
  guint            connections_per_uid;
  gint64           refusal_logged;  /* monotonic time of the last line */
  guint            refusals;        /* since then */
  gboolean         freeing;
  guint            request_timer;   /* the next pending request's expiry */
  GHashTable      *request_credit;  /* uid -> gint64[2]: credit (us), last */
  GHashTable      *bus_pins;        /* unique name -> IdgIdentityPin: bus callers */
  GDBusConnection *bus;
  guint            bus_owner_id;
  guint            bus_reg[2];
  guint            broker_sub;
  gboolean         door_added;
};

typedef struct {
  guint           reg[2];
  gulong          closed_id;
  gboolean        admin_signals;   /* gets the Admin1 signals (signals_for_peer) */
  uid_t           uid;
  IdgIdentityPin *pin;             /* the caller, pinned at its first call */
} Peer;

/* A connection authenticating (idg-api-auth.c), in the main loop. */
typedef struct {
  IdgApi            *api;
  GSocketConnection *sconn;
  uid_t              uid;       /* SO_PEERCRED at accept */
  gboolean           admin_signals;  /* signals_for_peer() at accept */
  gboolean           started;   /* FALSE: waiting for a handshake slot */
  gboolean           got_nul;   /* the byte before the first line */
  guint              hello;     /* bytes of IDG_FRAME_HELLO read (fast path) */
  IdgApiAuth         auth;
  gchar              line[IDG_API_AUTH_LINE_MAX];
  gsize              line_len;
  GSource           *source;
  guint              timeout_id;
} Handshake;

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

static gboolean is_reserved (uid_t uid);

/* A token bucket per uid for RequestConsent: each request is a journal
 * write (fdatasync) and an event for the Settings UI; a uid that asks
 * faster than REQUEST_BURST at once, then one a second, is told to try
 * again later (only that uid). */
static gboolean
request_allowed (IdgApi *api, uid_t uid)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *b = g_hash_table_lookup (api->request_credit, GUINT_TO_POINTER (uid));

  if (is_reserved (uid))
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

/* ---- budgets: who may hold a connection ---- */

/* The broker's own uid, read once: this is asked for every connection
 * and every entry of the tables, a flood's worth of syscalls otherwise. */
static uid_t
own_uid (void)
{
  static gsize once;
  static uid_t uid;

  if (g_once_init_enter (&once)) {
    uid = geteuid ();
    g_once_init_leave (&once, 1);
  }
  return uid;
}

static gboolean
is_reserved (uid_t uid)
{
  return uid == 0 || uid == own_uid ();
}

/* Peers (authenticated) of uid, or of every uid in the same class
 * (reserved or not) when all is TRUE. */
static guint
peers_of (IdgApi *api, uid_t uid, gboolean all)
{
  GHashTableIter it;
  gpointer conn, data;
  guint n = 0;

  g_hash_table_iter_init (&it, api->peers);
  while (g_hash_table_iter_next (&it, &conn, &data)) {
    Peer *peer = data;

    n += all ? is_reserved (peer->uid) == is_reserved (uid) : peer->uid == uid;
  }
  g_hash_table_iter_init (&it, api->fast_peers);
  while (g_hash_table_iter_next (&it, &conn, NULL)) {
    uid_t fuid = idg_api_fast_uid (conn);

    n += all ? is_reserved (fuid) == is_reserved (uid) : fuid == uid;
  }
  return n;
}

/* Handshakes of uid (or of its class), started ones only or all. */
static guint
handshakes_of (IdgApi *api, uid_t uid, gboolean all, gboolean started)
{
  guint i, n = 0;

  for (i = 0; i < api->handshakes->len; i++) {
    Handshake *hs = g_ptr_array_index (api->handshakes, i);

    if (!started || hs->started)
      n += all ? is_reserved (hs->uid) == is_reserved (uid) : hs->uid == uid;
  }
  return n;
}

/* Connections (authenticated, authenticating, waiting to) are budgeted at
 * accept, before the first byte is read: per uid and per class. */
static const gchar *
over_budget (IdgApi *api, uid_t uid)
{
  guint mine = peers_of (api, uid, FALSE) + handshakes_of (api, uid, FALSE, FALSE);
  guint class = peers_of (api, uid, TRUE) + handshakes_of (api, uid, TRUE, FALSE);

  if (is_reserved (uid))
    return class >= RESERVED_CONNECTIONS ? "reserved connections in use" : NULL;
  if (mine >= api->connections_per_uid)
    return "connections-per-uid";
  if (class >= MAX_CONNECTIONS)
    return "all connections in use";
  return NULL;
}

/* Handshakes in progress: a few per uid, the others wait their turn (in
 * the order they came) without a byte read, so that one uid's stalled
 * handshakes delay only that uid. */
static gboolean
may_start (IdgApi *api, uid_t uid)
{
  if (is_reserved (uid))
    return handshakes_of (api, uid, TRUE, TRUE) < RESERVED_HANDSHAKES;
  return handshakes_of (api, uid, FALSE, TRUE) < api->handshakes_per_uid &&
         handshakes_of (api, uid, TRUE, TRUE) < MAX_HANDSHAKES;
}

/* One line per REFUSAL_LOG_INTERVAL however many connections are refused. */
static void
log_refusal (IdgApi *api, uid_t uid, const gchar *why)
{
  gint64 now = g_get_monotonic_time ();

  api->refusals++;
  if (api->refusal_logged != 0 && now - api->refusal_logged < REFUSAL_LOG_INTERVAL)
    return;
  g_message ("api: %u connection(s) refused over their budget (last: uid %u, %s)",
             api->refusals, (guint) uid, why);
  api->refusal_logged = now;
  api->refusals = 0;
}

/* ---- peer-to-peer transport ---- */

static void
peer_free (gpointer data)
{
  Peer *peer = data;

  idg_identity_pin_free (peer->pin);
  g_free (peer);
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

static void start_waiting (IdgApi *api);

/* Forgets the handshake; the connection is closed unless it was taken. */
static void
handshake_free (Handshake *hs)
{
  IdgApi *api = hs->api;

  g_ptr_array_remove (api->handshakes, hs);
  g_clear_handle_id (&hs->timeout_id, g_source_remove);
  if (hs->source != NULL) {
    g_source_destroy (hs->source);
    g_clear_pointer (&hs->source, g_source_unref);
  }
  if (hs->sconn != NULL) {
    g_io_stream_close (G_IO_STREAM (hs->sconn), NULL, NULL);
    g_clear_object (&hs->sconn);
  }
  g_free (hs);
  if (!api->freeing)
    start_waiting (api);
}

static gboolean
handshake_timeout (gpointer data)
{
  Handshake *hs = data;

  hs->timeout_id = 0;
  g_debug ("api: a client of uid %u did not authenticate in time", (guint) hs->uid);
  handshake_free (hs);
  return G_SOURCE_REMOVE;
}

/* Authenticated: a D-Bus connection over the same socket, nothing more to
 * authenticate (GDBus runs no handshake of its own without the
 * AUTHENTICATION flags). */
static void
handshake_done (Handshake *hs)
{
  IdgApi *api = hs->api;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) conn = NULL;
  uid_t uid = hs->uid;
  gboolean admin_signals = hs->admin_signals;
  Peer *peer;

  conn = g_dbus_connection_new_sync (G_IO_STREAM (hs->sconn), NULL,
                                     G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING,
                                     NULL, NULL, &error);
  if (conn != NULL)
    g_clear_object (&hs->sconn);   /* the connection holds it now */
  handshake_free (hs);
  if (conn == NULL) {
    g_warning ("api: cannot serve a new connection: %s", error->message);
    return;
  }
  peer = g_new0 (Peer, 1);
  peer->uid = uid;
  peer->admin_signals = admin_signals;
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

/* The client said IDG_FRAME_HELLO: the fast path serves it from now on
 * (idg-api-fast.c), under the same connection budgets as a D-Bus peer. */
static void
fast_start (Handshake *hs)
{
  IdgApi *api = hs->api;
  IdgApiFast *fast = idg_api_fast_new (api, g_steal_pointer (&hs->sconn), hs->uid);

  handshake_free (hs);
  g_hash_table_add (api->fast_peers, fast);
}

void
idg_api_fast_gone (IdgApi *api, IdgApiFast *fast)
{
  g_hash_table_remove (api->fast_peers, fast);   /* frees it */
}

/* Reads the rest of IDG_FRAME_HELLO after its first byte, never past it.
 * TRUE: go on reading (*done tells whether the hello is complete). */
static gboolean
read_hello (Handshake *hs, int fd, gboolean *done)
{
  gchar rest[IDG_FRAME_HELLO_LEN];
  gssize n;

  *done = FALSE;
  n = recv (fd, rest, IDG_FRAME_HELLO_LEN - hs->hello, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return TRUE;
  if (n <= 0 || memcmp (rest, &IDG_FRAME_HELLO[hs->hello], (gsize) n) != 0)
    return FALSE;
  hs->hello += (guint) n;
  *done = hs->hello == IDG_FRAME_HELLO_LEN;
  return TRUE;
}

/* Reads what the client sent, one line at a time and never past the
 * current line's end (so that nothing after BEGIN is taken from GDBus),
 * at most IDG_API_AUTH_LINE_MAX bytes a line. */
static gboolean
handshake_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Handshake *hs = user_data;
  int fd = g_socket_get_fd (socket);

  if (!hs->got_nul && hs->hello == 0) {
    gchar b;
    gssize n = recv (fd, &b, 1, MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      return G_SOURCE_CONTINUE;
    if (n == 1 && b == IDG_FRAME_HELLO[0])
      hs->hello = 1;
    else if (n != 1 || b != '\0')
      goto fail;
    else
      hs->got_nul = TRUE;
  }
  if (hs->hello > 0) {
    gboolean done;

    if (!read_hello (hs, fd, &done))
      goto fail;
    if (done)
      fast_start (hs);
    return done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;   /* handshake_free destroyed the source */
  }
  for (;;) {
    gchar peek[IDG_API_AUTH_LINE_MAX];
    gsize room = sizeof hs->line - hs->line_len, take;
    const gchar *reply = NULL, *nl;
    IdgApiAuthResult r;
    gssize n;

    n = recv (fd, peek, room, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return G_SOURCE_CONTINUE;
    if (n <= 0)
      goto fail;   /* end of file or error before BEGIN */
    nl = memchr (peek, '\n', (gsize) n);
    take = nl != NULL ? (gsize) (nl - peek) + 1 : (gsize) n;
    if (recv (fd, hs->line + hs->line_len, take, MSG_DONTWAIT) != (gssize) take)
      goto fail;
    hs->line_len += take;
    if (nl == NULL) {
      if (hs->line_len == sizeof hs->line)
        goto fail;   /* a line longer than any the conversation has */
      continue;
    }
    r = idg_api_auth_line (&hs->auth, hs->line, hs->line_len, &reply);
    hs->line_len = 0;
    if (r == IDG_API_AUTH_FAIL)
      goto fail;
    if (reply != NULL &&
        send (fd, reply, strlen (reply), MSG_NOSIGNAL | MSG_DONTWAIT) != (gssize) strlen (reply))
      goto fail;   /* a client that does not read its replies */
    if (r == IDG_API_AUTH_BEGIN) {
      handshake_done (hs);
      return G_SOURCE_REMOVE;   /* handshake_free destroyed the source */
    }
  }

fail:
  g_debug ("api: a client of uid %u did not authenticate", (guint) hs->uid);
  handshake_free (hs);
  return G_SOURCE_REMOVE;
}

static void
start (Handshake *hs)
{
  GSocket *sock = g_socket_connection_get_socket (hs->sconn);

  hs->started = TRUE;
  hs->timeout_id = g_timeout_add (hs->api->handshake_timeout_ms, handshake_timeout, hs);
  hs->source = g_socket_create_source (sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (hs->source, (GSourceFunc) (GCallback) handshake_readable, hs, NULL);
  g_source_attach (hs->source, NULL);
}

static void
start_waiting (IdgApi *api)
{
  guint i;

  for (i = 0; i < api->handshakes->len; i++) {
    Handshake *hs = g_ptr_array_index (api->handshakes, i);

    if (!hs->started && may_start (api, hs->uid))
      start (hs);
  }
}

/* Whether the peer on fd gets the Admin1 signals (what a Settings UI
 * listens to): uid 0, or a member of the broker's own group (idguard under
 * the unit) when it connected, as its primary group or a supplementary one
 * (SO_PEERGROUPS). The peer-to-peer counterpart of the bus policy's
 * <policy group="idguard"> (data/org.idguard.Broker1.conf); calling the
 * admin methods is still polkit's or uid 0's business. */
static gboolean
signals_for_peer (int fd, const struct ucred *cred)
{
  gid_t own = getegid ();
  socklen_t len = 0;
  g_autofree gid_t *groups = NULL;
  gsize i;

  if (cred->uid == 0 || cred->gid == own)
    return TRUE;
  if (getsockopt (fd, SOL_SOCKET, SO_PEERGROUPS, NULL, &len) < 0 && errno != ERANGE)
    return FALSE;
  if (len == 0)
    return FALSE;
  groups = g_malloc (len);
  if (getsockopt (fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
    return FALSE;
  for (i = 0; i < len / sizeof (gid_t); i++)
    if (groups[i] == own)
      return TRUE;
  return FALSE;
}

/* A new connection: its uid from the kernel (SO_PEERCRED) before any byte
 * is read, and budgets taken from that uid; fd is ours. */
static void
incoming (IdgApi *api, int fd)
{
  struct ucred cred;
  socklen_t len = sizeof cred;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) sock = NULL;
  const gchar *why;
  Handshake *hs;

  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof cred) {
    g_debug ("api: a client without credentials refused");
    close (fd);
    return;
  }
  if ((why = over_budget (api, cred.uid)) != NULL) {
    log_refusal (api, cred.uid, why);
    close (fd);
    return;
  }
  sock = g_socket_new_from_fd (fd, &error);
  if (sock == NULL) {
    g_warning ("api: cannot serve a new connection: %s", error->message);
    close (fd);
    return;
  }
  hs = g_new0 (Handshake, 1);
  hs->api = api;
  hs->sconn = g_socket_connection_factory_create_connection (sock);
  hs->uid = cred.uid;
  hs->admin_signals = signals_for_peer (fd, &cred);
  idg_api_auth_init (&hs->auth, cred.uid, api->guid);
  if (may_start (api, cred.uid))
    start (hs);
  g_ptr_array_add (api->handshakes, hs);
}

/* Accepts what is waiting, a bounded batch per main-loop pass: a flood of
 * connections costs the broker an accept, a getsockopt and a close each,
 * and a legitimate client waits behind one batch at most. */
static gboolean
accept_ready (GSocket *listener, GIOCondition condition, gpointer user_data)
{
  IdgApi *api = user_data;
  guint i;

  for (i = 0; i < ACCEPT_BATCH; i++) {
    int fd = accept4 (g_socket_get_fd (listener), NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        g_warning ("api: accept: %s", g_strerror (errno));   /* EMFILE: retried next pass */
      break;
    }
    incoming (api, fd);
  }
  return G_SOURCE_CONTINUE;
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

/* A listening socket of our own rather than a GDBusServer: the same D-Bus
 * peer connections, but with a listen backlog that takes a burst of
 * clients (GDBusServer's is 10: the 11th concurrent connect gets EAGAIN),
 * budgets taken before a byte is read, and a bounded authentication. */
static gboolean
start_p2p (IdgApi *api, const gchar *path, GError **error)
{
  g_autoptr(GSocketAddress) addr = NULL;

  if (!prepare_socket_path (path, error))
    return FALSE;
  api->guid = g_dbus_generate_guid ();
  api->listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (api->listener == NULL) {
    g_prefix_error (error, "cannot serve the API on %s: ", path);
    return FALSE;
  }
  addr = g_unix_socket_address_new (path);
  g_socket_set_listen_backlog (api->listener, LISTEN_BACKLOG);
  if (!g_socket_bind (api->listener, addr, FALSE, error) || !g_socket_listen (api->listener, error)) {
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
  g_socket_set_blocking (api->listener, FALSE);
  api->accept_source = g_socket_create_source (api->listener, G_IO_IN, NULL);
  g_source_set_callback (api->accept_source, (GSourceFunc) (GCallback) accept_ready, api, NULL);
  /* behind the handshakes and calls already accepted: a flood of connects
   * waits, the connections being served go on */
  g_source_set_priority (api->accept_source, G_PRIORITY_LOW);
  g_source_attach (api->accept_source, NULL);
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
  api->peers = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, peer_free);
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
  if (p2p_socket_path && !start_p2p (api, p2p_socket_path, error))
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
    handshake_free (g_ptr_array_index (api->handshakes, 0));
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
