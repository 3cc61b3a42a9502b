// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The API's peer-to-peer socket (api.sock): listening, accepting within the
 * budgets (per uid and in all, reserved slots for uid 0 and the broker's
 * own uid), and each connection's handshake in the main loop: D-Bus
 * authentication (idg-api-auth.c), then a GDBus peer with the objects
 * exported, or the fast path's hello, then an IdgApiFast (idg-api-fast.c).
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
#include <gio/gunixsocketaddress.h>

#include "idg-api-frame.h"
#include "idg-api-names.h"
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


/* A connection authenticating (idg-api-auth.c), in the main loop. */
struct _Handshake {
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
};


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

gboolean
idg_api_uid_reserved (uid_t uid)
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

    n += all ? idg_api_uid_reserved (peer->uid) == idg_api_uid_reserved (uid) : peer->uid == uid;
  }
  g_hash_table_iter_init (&it, api->fast_peers);
  while (g_hash_table_iter_next (&it, &conn, NULL)) {
    uid_t fuid = idg_api_fast_uid (conn);

    n += all ? idg_api_uid_reserved (fuid) == idg_api_uid_reserved (uid) : fuid == uid;
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
      n += all ? idg_api_uid_reserved (hs->uid) == idg_api_uid_reserved (uid) : hs->uid == uid;
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

  if (idg_api_uid_reserved (uid))
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
  if (idg_api_uid_reserved (uid))
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

void
idg_api_peer_free (gpointer data)
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
void
idg_api_handshake_free (Handshake *hs)
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
  idg_api_handshake_free (hs);
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
  idg_api_handshake_free (hs);
  if (conn == NULL) {
    g_warning ("api: cannot serve a new connection: %s", error->message);
    return;
  }
  peer = g_new0 (Peer, 1);
  peer->uid = uid;
  peer->admin_signals = admin_signals;
  if (!idg_api_register_objects (api, conn, peer->reg, &error)) {
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

  idg_api_handshake_free (hs);
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
    return done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;   /* idg_api_handshake_free destroyed the source */
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
      return G_SOURCE_REMOVE;   /* idg_api_handshake_free destroyed the source */
    }
  }

fail:
  g_debug ("api: a client of uid %u did not authenticate", (guint) hs->uid);
  idg_api_handshake_free (hs);
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
gboolean
idg_api_p2p_start (IdgApi *api, const gchar *path, GError **error)
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
