// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The door framework's client and door (idg-door-client.h).
 */
#include "idg-door-client.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>

#define READ_MAX (16 * 1024)

static void drop (IdgDoorClient *client, const gchar *why, gboolean now);

/* ---- the client ---- */

static void
client_clear (gpointer data)
{
  IdgDoorClient *client = data;

  if (client->klass->finalize != NULL)
    client->klass->finalize (client);
  idg_door_queue_clear (&client->out);
  if (client->in_source != NULL) {
    g_source_destroy (client->in_source);
    g_clear_pointer (&client->in_source, g_source_unref);
  }
  if (client->socket != NULL)
    g_object_unref (client->socket);
  else if (client->fd >= 0)
    close (client->fd);
  g_clear_pointer (&client->identity, idg_identity_free);
}

IdgDoorClient *
idg_door_client_ref (IdgDoorClient *client)
{
  return g_rc_box_acquire (client);
}

void
idg_door_client_unref (IdgDoorClient *client)
{
  g_rc_box_release_full (client, client_clear);
}

static gboolean
unref_idle (gpointer user_data)
{
  idg_door_client_unref (user_data);
  return G_SOURCE_REMOVE;
}

/* The output queue's word from its writable callback: a failed write, or
 * everything written (a refused client then goes). */
static void
output_cb (const gchar *why,
           gpointer     user_data)
{
  IdgDoorClient *client = user_data;

  if (why != NULL)
    idg_door_client_drop (client, why);
  else if (client->close_after_flush)
    idg_door_client_drop (client, "refused");
}

void
idg_door_client_send (IdgDoorClient *client,
                      const void    *data,
                      gsize          len)
{
  const gchar *why = NULL;

  if (client->door == NULL)
    return;
  if (!idg_door_queue_send (&client->out, data, len, &why))
    idg_door_client_drop (client, why);
  else if (client->close_after_flush && idg_door_queue_is_empty (&client->out))
    idg_door_client_drop (client, "refused");
}

static void
drop (IdgDoorClient *client,
      const gchar   *why,
      gboolean       now)
{
  IdgDoor *door = client->door;

  if (door == NULL)
    return;
  idg_door_queue_clear (&client->out);
  if (client->permanent && !now) {
    g_debug ("%s door: client %" G_GUINT64_FORMAT ": %s; its output is dropped",
             door->name, client->id, why);
    return;
  }
  g_debug ("%s door: client %" G_GUINT64_FORMAT " dropped: %s", door->name, client->id, why);
  client->door = NULL;
  g_queue_delete_link (&door->clients, client->link);
  client->link = NULL;
  if (client->in_source != NULL) {
    g_source_destroy (client->in_source);
    g_clear_pointer (&client->in_source, g_source_unref);
  }
  if (client->socket != NULL)
    g_socket_close (client->socket, NULL);
  if (client->klass->dropped != NULL)
    client->klass->dropped (client, door);
  if (now)
    idg_door_client_unref (client);
  else   /* callers up the stack may still look at the client */
    g_idle_add_full (G_PRIORITY_DEFAULT, unref_idle, client, NULL);
}

void
idg_door_client_drop (IdgDoorClient *client,
                      const gchar   *why)
{
  drop (client, why, FALSE);
}

/* ---- the read loop ---- */

static gboolean
readable_cb (gint          fd,
             GIOCondition  condition,
             gpointer      user_data)
{
  IdgDoorClient *client = user_data;
  guint8 buf[READ_MAX];
  gsize want = MIN (client->klass->read_chunk, sizeof buf);
  gboolean keep;
  gssize n;

  /* a client gone must not raise SIGPIPE; the fd never blocks */
  if (client->socket != NULL)
    n = recv (fd, buf, want, MSG_DONTWAIT);
  else
    n = read (fd, buf, want);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0) {
    const gchar *why = n == 0 ? "closed" : "read failed";

    if (client->permanent) {
      /* a pty master whose slave the door holds: cannot happen; stop */
      g_debug ("%s door: client %" G_GUINT64_FORMAT ": %s", client->door->name, client->id, why);
      g_clear_pointer (&client->in_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
    idg_door_client_drop (client, why);
    return G_SOURCE_REMOVE;
  }
  idg_door_client_ref (client);
  client->klass->received (client, buf, (gsize) n);
  keep = client->door != NULL;
  idg_door_client_unref (client);
  return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* ---- the door ---- */

void
idg_door_init (IdgDoor                  *door,
               IdgBroker                *broker,
               const gchar              *name,
               const IdgDoorClientClass *klass)
{
  door->broker = broker;
  door->name = name;
  door->klass = klass;
  door->listener = NULL;
  g_queue_init (&door->clients);
  door->next_id = 0;
  door->followed = NULL;
  door->follow_id = 0;
}

void
idg_door_follow (IdgDoor     *door,
                 gpointer     modem,
                 const gchar *signal,
                 GCallback    handler,
                 gpointer     user_data)
{
  door->followed = G_OBJECT (modem);
  door->follow_id = g_signal_connect (modem, signal, handler, user_data);
}

IdgDoorClient *
idg_door_add_client (IdgDoor     *door,
                     GSocket     *socket,
                     int          fd,
                     IdgIdentity *identity)
{
  IdgDoorClient *client = g_rc_box_alloc0 (door->klass->client_size);

  client->klass = door->klass;
  client->door = door;
  client->id = ++door->next_id;
  client->socket = socket;
  client->fd = socket != NULL ? g_socket_get_fd (socket) : fd;
  client->identity = identity;
  idg_door_queue_init (&client->out, client->fd, socket != NULL, door->klass->out_cap,
                       output_cb, client);
  if (door->klass->init != NULL)
    door->klass->init (client);
  g_queue_push_tail (&door->clients, client);
  client->link = g_queue_peek_tail_link (&door->clients);
  client->in_source = g_unix_fd_source_new (client->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (client->in_source, (GSourceFunc) (GCallback) readable_cb, client, NULL);
  g_source_attach (client->in_source, NULL);
  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) == FALSE) {
    g_autofree gchar *who = idg_identity_describe (identity);

    g_debug ("%s door: client %" G_GUINT64_FORMAT " connected: %s", door->name, client->id, who);
  }
  return client;
}

/* An admitted peer (idg-door-listener.c did accept, identity, policy). */
static void
accepted_cb (GSocket     *socket,
             IdgIdentity *identity,
             gpointer     user_data)
{
  idg_door_add_client (user_data, socket, -1, identity);
}

gboolean
idg_door_listen (IdgDoor      *door,
                 const gchar  *abstract_name,
                 int           listen_fd,
                 GError      **error)
{
  door->listener = idg_door_listener_new (door->broker, door->name, abstract_name, listen_fd,
                                          accepted_cb, door, error);
  return door->listener != NULL;
}

guint
idg_door_get_n_clients (IdgDoor *door)
{
  return g_queue_get_length (&door->clients);
}

void
idg_door_clear (IdgDoor     *door,
                const gchar *why)
{
  if (door->followed != NULL) {
    g_clear_signal_handler (&door->follow_id, door->followed);
    door->followed = NULL;
  }
  g_clear_pointer (&door->listener, idg_door_listener_free);
  while (!g_queue_is_empty (&door->clients))
    drop (g_queue_peek_head (&door->clients), why, TRUE);
}
