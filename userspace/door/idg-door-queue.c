// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A bounded, non-blocking output queue (idg-door-queue.h): every byte a
 * door writes to a client, and a multiplexer to the modem's port or the
 * backend's pty.
 */
#include "idg-door-queue.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-object.h>
#include <glib-unix.h>

void
idg_door_queue_init (IdgDoorQueue     *queue,
                     int               fd,
                     gboolean          is_socket,
                     gsize             cap,
                     IdgDoorQueueFunc  func,
                     gpointer          user_data)
{
  memset (queue, 0, sizeof *queue);
  queue->fd = fd;
  queue->is_socket = is_socket;
  queue->cap = cap;
  g_queue_init (&queue->pieces);
  queue->func = func;
  queue->user_data = user_data;
}

gboolean
idg_door_queue_push (IdgDoorQueue *queue,
                     const void   *data,
                     gsize         len)
{
  if (len > queue->cap || queue->bytes > queue->cap - len)
    return FALSE;
  g_queue_push_tail (&queue->pieces, g_bytes_new (data, len));
  queue->bytes += len;
  return TRUE;
}

gboolean
idg_door_queue_is_empty (const IdgDoorQueue *queue)
{
  return queue->bytes == 0;
}

static gboolean writable_cb (gint fd, GIOCondition condition, gpointer user_data);

/* Writes what the fd takes; FALSE on a write error. */
static gboolean
write_some (IdgDoorQueue *queue)
{
  while (!g_queue_is_empty (&queue->pieces)) {
    GBytes *head = g_queue_peek_head (&queue->pieces);
    gsize len;
    const guint8 *data = g_bytes_get_data (head, &len);
    gssize n;

    /* a client gone must not raise SIGPIPE in the daemon */
    if (queue->is_socket)
      n = send (queue->fd, data + queue->head_off, len - queue->head_off, MSG_NOSIGNAL | MSG_DONTWAIT);
    else
      n = write (queue->fd, data + queue->head_off, len - queue->head_off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      break;
    if (n <= 0)
      return FALSE;
    queue->head_off += (gsize) n;
    queue->bytes -= (gsize) n;
    if (queue->head_off == len) {
      g_bytes_unref (g_queue_pop_head (&queue->pieces));
      queue->head_off = 0;
    }
  }
  if (g_queue_is_empty (&queue->pieces)) {
    if (queue->source != NULL) {
      g_source_destroy (queue->source);
      g_clear_pointer (&queue->source, g_source_unref);
    }
  } else if (queue->source == NULL) {
    queue->source = g_unix_fd_source_new (queue->fd, G_IO_OUT);
    g_source_set_callback (queue->source, (GSourceFunc) (GCallback) writable_cb, queue, NULL);
    g_source_attach (queue->source, NULL);
  }
  return TRUE;
}

static gboolean
writable_cb (gint          fd,
             GIOCondition  condition,
             gpointer      user_data)
{
  IdgDoorQueue *queue = user_data;

  /* this source ends here; write_some arms another if the fd fills again */
  g_clear_pointer (&queue->source, g_source_unref);
  if (!write_some (queue))
    queue->func ("write failed", queue->user_data);
  else if (g_queue_is_empty (&queue->pieces))
    queue->func (NULL, queue->user_data);
  return G_SOURCE_REMOVE;
}

gboolean
idg_door_queue_flush (IdgDoorQueue *queue)
{
  if (queue->source != NULL)
    return TRUE;
  return write_some (queue);
}

/* One write of a message to an fd with nothing queued: bytes written,
 * -1 when the fd cannot take any now, -2 on an error. */
static gssize
write_direct (IdgDoorQueue *queue,
              const void   *data,
              gsize         len)
{
  for (;;) {
    gssize n;

    if (queue->is_socket)
      n = send (queue->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    else
      n = write (queue->fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return -1;
    return n <= 0 ? -2 : n;
  }
}

gboolean
idg_door_queue_send (IdgDoorQueue  *queue,
                     const void    *data,
                     gsize          len,
                     const gchar  **why)
{
  /* the common case, nothing waiting: written from the caller's buffer,
   * only what the fd does not take now is queued (a copy) */
  if (g_queue_is_empty (&queue->pieces) && queue->source == NULL && len > 0) {
    gssize n = write_direct (queue, data, len);

    if (n == -2) {
      *why = "write failed";
      return FALSE;
    }
    if (n > 0) {
      data = (const guint8 *) data + n;
      len -= (gsize) n;
    }
    if (len == 0)
      return TRUE;
  }
  if (!idg_door_queue_push (queue, data, len)) {
    *why = "output queue full";
    return FALSE;
  }
  if (!idg_door_queue_flush (queue)) {
    *why = "write failed";
    return FALSE;
  }
  return TRUE;
}

void
idg_door_queue_clear (IdgDoorQueue *queue)
{
  if (queue->source != NULL) {
    g_source_destroy (queue->source);
    g_clear_pointer (&queue->source, g_source_unref);
  }
  g_queue_clear_full (&queue->pieces, (GDestroyNotify) g_bytes_unref);
  queue->head_off = 0;
  queue->bytes = 0;
}
