/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a door writes to one client, queued and written without blocking: a
 * slow or dead client never holds up the others. Embedded in the door's
 * client (idg-door-client.h) and in the multiplexers' two ways
 * (idg-port-mux.h); fd is the client's (a socket, or a pty master or a
 * modem port: is_socket FALSE), not owned. Past cap bytes queued, a push
 * fails and the owner drops that client (or ends the multiplexer).
 */
#ifndef IDG_DOOR_QUEUE_H
#define IDG_DOOR_QUEUE_H

#include <glib.h>

G_BEGIN_DECLS

/* Runs from the writable callback: why is "write failed" (the door drops
 * the client), or NULL when everything queued has been written. The queue
 * is not touched after it returns: the callback may free the client. */
typedef void (*IdgDoorQueueFunc) (const gchar *why,
                                  gpointer     user_data);

typedef struct {
  int               fd;
  gboolean          is_socket;
  gsize             cap;
  GQueue            pieces;     /* GBytes */
  gsize             head_off;   /* bytes of the head piece already written */
  gsize             bytes;      /* queued, not written yet */
  GSource          *source;     /* attached while the socket is full */
  IdgDoorQueueFunc  func;
  gpointer          user_data;
} IdgDoorQueue;

void     idg_door_queue_init  (IdgDoorQueue     *queue,
                               int               fd,
                               gboolean          is_socket,
                               gsize             cap,
                               IdgDoorQueueFunc  func,
                               gpointer          user_data);
/* Queues a copy; FALSE (nothing queued) if it would pass the cap. */
gboolean idg_door_queue_push  (IdgDoorQueue     *queue,
                               const void       *data,
                               gsize             len);
/* Writes what the fd takes now (nothing while a writable callback is
 * pending: it goes on there); FALSE if a write failed. */
gboolean idg_door_queue_flush (IdgDoorQueue     *queue);
/* push, then flush; why (on FALSE): "output queue full" or "write failed". */
gboolean idg_door_queue_send  (IdgDoorQueue     *queue,
                               const void       *data,
                               gsize             len,
                               const gchar     **why);
gboolean idg_door_queue_is_empty (const IdgDoorQueue *queue);
/* Forgets what is queued and stops watching the fd (a client dropped). */
void     idg_door_queue_clear (IdgDoorQueue     *queue);

G_END_DECLS

#endif
