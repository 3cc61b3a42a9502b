// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the protocol doors share: listening, connect policy, per-client
 * output (see idg-door-listener.h).
 */
#include "idg-door-listener.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>
#include <gio/gunixsocketaddress.h>
#include "idg-selector.h"

#define LOG_INTERVAL_USEC  (10 * G_USEC_PER_SEC)
#define LISTEN_BACKLOG     32
#define ACCEPT_BATCH       64    /* connections accepted per main-loop pass */
#define ABSTRACT_NAME_MAX  107   /* sun_path less the leading NUL */

/* ---- connect policy ----------------------------------------------------- */

static gboolean
allowed (const IdgConfig   *config,
         const IdgIdentity *identity)
{
  guint i;

  if (config->proxy_clients == NULL)
    return identity->known && (identity->uid == 0 || identity->uid == geteuid ());
  for (i = 0; i < config->proxy_clients->len; i++)
    if (idg_selector_matches (g_ptr_array_index (config->proxy_clients, i), identity))
      return TRUE;
  return FALSE;
}

/* One line per (door, uid) every LOG_INTERVAL_USEC: a peer that
 * reconnects in a loop, or under a thousand names (hard links of one
 * program), cannot flood the log; the key is never a label the client
 * chose (the audit rate-limits per uid on its own). Main context only,
 * like the rest of the broker. */
static gboolean
log_due (const gchar       *door,
         const IdgIdentity *identity)
{
  static GHashTable *last;
  g_autofree gchar *key = identity->known ? g_strdup_printf ("%s\x1f%u", door, (guint) identity->uid)
                                          : g_strconcat (door, "\x1f-", NULL);
  gint64 now = g_get_monotonic_time ();
  gpointer prev;

  if (last == NULL)
    last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  prev = g_hash_table_lookup (last, key);
  if (prev != NULL && now - *(gint64 *) prev < LOG_INTERVAL_USEC)
    return FALSE;
  if (g_hash_table_size (last) > 1024)
    g_hash_table_remove_all (last);
  g_hash_table_replace (last, g_steal_pointer (&key), g_memdup2 (&now, sizeof now));
  return TRUE;
}

gboolean
idg_door_listener_admit (IdgBroker         *broker,
                         const gchar       *door,
                         const IdgIdentity *identity)
{
  IdgAudit *audit;

  if (allowed (idg_broker_get_config (broker), identity))
    return TRUE;
  if (log_due (door, identity)) {
    g_autofree gchar *who = idg_identity_describe (identity);

    g_message ("%s door: connection refused, not in [proxy] clients: %s", door, who);
  }
  audit = idg_broker_get_audit (broker);
  if (audit != NULL)
    idg_audit_add_coalesced (audit, identity, door, IDG_AUDIT_KIND_RAW_SIM, NULL,
                             IDG_DECISION_REFUSE, 1, IDG_DOOR_LISTENER_REFUSED_REASON);
  return FALSE;
}

/* A peer whose process could not be pinned (gone before the accept, or
 * not visible here): refused, logged and audited per uid (SO_PEERCRED) as
 * the other refusals are, so that a loop of short-lived peers floods
 * neither the log nor the audit. */
static void
refuse_unpinned (IdgBroker    *broker,
                 const gchar  *door,
                 int           fd,
                 const GError *error)
{
  g_autoptr(IdgIdentity) who = g_new0 (IdgIdentity, 1);
  IdgAudit *audit = idg_broker_get_audit (broker);
  struct ucred cred;
  socklen_t len = sizeof cred;

  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof cred) {
    who->uid = cred.uid;
    who->gid = cred.gid;
    who->known = TRUE;
    who->service = g_strdup_printf ("uid:%u", (guint) cred.uid);
  } else {
    who->uid = (uid_t) -1;
    who->gid = (gid_t) -1;
    who->service = g_strdup ("unknown:client");
  }
  if (log_due (door, who))
    g_message ("%s door: a client without credentials refused: %s", door, error->message);
  if (audit != NULL)
    idg_audit_add_coalesced (audit, who, door, IDG_AUDIT_KIND_RAW_SIM, NULL,
                             IDG_DECISION_REFUSE, 1, "peer-gone");
}

/* ---- listening ---------------------------------------------------------- */

/* Connections per uid, counted down as each client's socket is finalized
 * (the door drops its last reference when the client goes); outlives the
 * listener while clients do. */
typedef struct {
  gint        ref;
  GHashTable *per_uid;   /* uid -> count */
} Counts;

typedef struct {
  Counts *counts;
  uid_t   uid;
} Slot;

struct _IdgDoorListener {
  IdgBroker         *broker;
  gchar             *door;
  GSocket           *socket;
  GSource           *source;
  IdgDoorAcceptFunc  func;
  gpointer           user_data;
  Counts            *counts;
  guint              per_uid;
  uid_t              own_uid;          /* geteuid (), once */
  gint64             refusal_logged;   /* over the per-uid budget */
  guint              refusals;
};

static void
counts_unref (Counts *counts)
{
  if (--counts->ref > 0)
    return;
  g_hash_table_destroy (counts->per_uid);
  g_free (counts);
}

static guint
count_of (Counts *counts, uid_t uid)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts->per_uid, GUINT_TO_POINTER (uid)));
}

static void
slot_released (gpointer data, GObject *gone)
{
  Slot *slot = data;
  guint n = count_of (slot->counts, slot->uid);

  if (n <= 1)
    g_hash_table_remove (slot->counts->per_uid, GUINT_TO_POINTER (slot->uid));
  else
    g_hash_table_insert (slot->counts->per_uid, GUINT_TO_POINTER (slot->uid), GUINT_TO_POINTER (n - 1));
  counts_unref (slot->counts);
  g_free (slot);
}

/* The per-uid budget ([proxy] clients-per-uid), from SO_PEERCRED alone:
 * checked before the peer's identity is resolved (/proc reads), so that a
 * flood of connections costs an accept, a getsockopt and a close each.
 * Uid 0 and the broker's own uid are exempt. One log line per 10 s. */
static gboolean
over_budget (IdgDoorListener *listener,
             int              fd)
{
  struct ucred cred;
  socklen_t len = sizeof cred;
  gint64 now;
  guint n;

  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof cred)
    return FALSE;   /* idg_identity_from_socket refuses it, with its reason */
  n = count_of (listener->counts, cred.uid);
  if (cred.uid == 0 || cred.uid == listener->own_uid || n < listener->per_uid)
    return FALSE;
  listener->refusals++;
  now = g_get_monotonic_time ();
  if (listener->refusal_logged == 0 || now - listener->refusal_logged >= LOG_INTERVAL_USEC) {
    g_message ("%s door: %u connection(s) refused over [proxy] clients-per-uid (last: uid %u, holding %u)",
               listener->door, listener->refusals, (guint) cred.uid, n);
    listener->refusal_logged = now;
    listener->refusals = 0;
  }
  return TRUE;
}

/* Counts the admitted client against its uid until its socket is gone. */
static void
take_slot (IdgDoorListener *listener,
           GSocket         *client,
           uid_t            uid)
{
  Slot *slot = g_new0 (Slot, 1);

  g_hash_table_insert (listener->counts->per_uid, GUINT_TO_POINTER (uid),
                       GUINT_TO_POINTER (count_of (listener->counts, uid) + 1));
  slot->counts = listener->counts;
  slot->counts->ref++;
  slot->uid = uid;
  g_object_weak_ref (G_OBJECT (client), slot_released, slot);
}

static gboolean
accept_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  IdgDoorListener *listener = user_data;
  guint i;

  for (i = 0; i < ACCEPT_BATCH; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocket) client = NULL;
    g_autoptr(IdgIdentity) identity = NULL;

    client = g_socket_accept (socket, NULL, &error);
    if (client == NULL) {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_warning ("%s door: accept: %s", listener->door, error->message);
      break;
    }
    if (over_budget (listener, g_socket_get_fd (client)))
      continue;
    identity = idg_identity_from_socket (g_socket_get_fd (client), &error);
    if (identity == NULL) {
      refuse_unpinned (listener->broker, listener->door, g_socket_get_fd (client), error);
      continue;
    }
    if (!idg_door_listener_admit (listener->broker, listener->door, identity))
      continue;
    take_slot (listener, client, identity->uid);
    g_socket_set_blocking (client, FALSE);
    listener->func (g_steal_pointer (&client), g_steal_pointer (&identity), listener->user_data);
  }
  return G_SOURCE_CONTINUE;
}

/* The pid holding an abstract unix socket name, from /proc/net/unix and the
 * fds of /proc/PID, or 0. */
static pid_t
abstract_holder (const gchar *name)
{
  g_autofree gchar *table = NULL;
  g_autofree gchar *want = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GDir) proc = NULL;
  const gchar *pid_name;
  gulong inode = 0;
  guint i;

  if (!g_file_get_contents ("/proc/net/unix", &table, NULL, NULL))
    return 0;
  lines = g_strsplit (table, "\n", -1);
  for (i = 1; lines[i] != NULL && inode == 0; i++) {
    gchar path[256];
    gulong ino = 0;
    guint st = 0;

    /* Num RefCount Protocol Flags Type St Inode Path; St 1: listening */
    if (sscanf (lines[i], "%*s %*s %*s %*s %*s %x %lu %255s", &st, &ino, path) == 3 &&
        st == 1 && path[0] == '@' && g_str_equal (path + 1, name))
      inode = ino;
  }
  if (inode == 0)
    return 0;
  want = g_strdup_printf ("socket:[%lu]", inode);
  proc = g_dir_open ("/proc", 0, NULL);
  while (proc != NULL && (pid_name = g_dir_read_name (proc)) != NULL) {
    g_autofree gchar *fd_dir_path = NULL;
    g_autoptr(GDir) fds = NULL;
    const gchar *fd;

    if (!g_ascii_isdigit (pid_name[0]))
      continue;
    fd_dir_path = g_build_filename ("/proc", pid_name, "fd", NULL);
    fds = g_dir_open (fd_dir_path, 0, NULL);
    while (fds != NULL && (fd = g_dir_read_name (fds)) != NULL) {
      g_autofree gchar *link_path = g_build_filename (fd_dir_path, fd, NULL);
      g_autofree gchar *target = g_file_read_link (link_path, NULL);

      if (target != NULL && g_str_equal (target, want) && (pid_t) atoi (pid_name) != getpid ())
        return (pid_t) atoi (pid_name);
    }
  }
  return 0;
}

static GSocket *
bind_abstract (const gchar  *door,
               const gchar  *name,
               GError      **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) local = NULL;

  if (name == NULL || *name == '\0' || strlen (name) > ABSTRACT_NAME_MAX) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "%s door: the abstract socket name is empty or too long", door);
    return NULL;
  }
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL) {
    g_prefix_error (error, "%s door: ", door);
    return NULL;
  }
  address = g_unix_socket_address_new_with_type (name, -1, G_UNIX_SOCKET_ADDRESS_ABSTRACT);
  if (!g_socket_bind (socket, address, FALSE, &local)) {
    if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)) {
      pid_t pid = abstract_holder (name);

      if (pid > 0)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                     "%s door: @%s is already held by another process (pid %d); refusing to start",
                     door, name, (int) pid);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                     "%s door: @%s is already held by another process; refusing to start",
                     door, name);
      return NULL;
    }
    g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s door: binding @%s: ", door, name);
    return NULL;
  }
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_listen (socket, error)) {
    g_prefix_error (error, "%s door: listening on @%s: ", door, name);
    return NULL;
  }
  return g_steal_pointer (&socket);
}

IdgDoorListener *
idg_door_listener_new (IdgBroker          *broker,
                       const gchar        *door,
                       const gchar        *abstract_name,
                       int                 listen_fd,
                       IdgDoorAcceptFunc   func,
                       gpointer            user_data,
                       GError            **error)
{
  g_autoptr(GSocket) socket = NULL;
  IdgDoorListener *listener;

  if (listen_fd >= 0) {
    socket = g_socket_new_from_fd (listen_fd, error);
    if (socket == NULL) {
      g_prefix_error (error, "%s door: socket-activation fd %d: ", door, listen_fd);
      return NULL;
    }
  } else {
    socket = bind_abstract (door, abstract_name, error);
    if (socket == NULL)
      return NULL;
  }
  g_socket_set_blocking (socket, FALSE);
  listener = g_new0 (IdgDoorListener, 1);
  listener->broker = broker;
  listener->door = g_strdup (door);
  listener->socket = g_steal_pointer (&socket);
  listener->func = func;
  listener->user_data = user_data;
  listener->counts = g_new0 (Counts, 1);
  listener->counts->ref = 1;
  listener->counts->per_uid = g_hash_table_new (g_direct_hash, g_direct_equal);
  listener->per_uid = idg_broker_get_config (broker)->proxy_clients_per_uid;
  listener->own_uid = geteuid ();
  listener->source = g_socket_create_source (listener->socket, G_IO_IN, NULL);
  g_source_set_callback (listener->source, (GSourceFunc) (GCallback) accept_cb, listener, NULL);
  g_source_attach (listener->source, NULL);
  return listener;
}

void
idg_door_listener_free (IdgDoorListener *listener)
{
  if (listener == NULL)
    return;
  g_source_destroy (listener->source);
  g_source_unref (listener->source);
  g_socket_close (listener->socket, NULL);
  g_object_unref (listener->socket);
  counts_unref (listener->counts);
  g_free (listener->door);
  g_free (listener);
}
