/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The door framework's client: what the QMI, MBIM and AT doors share from
 * a client's connect to its drop. A protocol door supplies framing and
 * routing only (IdgDoorClientClass); everything else is here, once:
 *
 *  - IdgDoor: embedded first in each protocol's door. It holds the
 *    listener (idg-door-listener.h: accept, the kernel's word on the peer,
 *    the connect policy, per-uid budget), the clients (oldest first) and
 *    their ids (from 1, per door);
 *  - IdgDoorClient: embedded first in each protocol's client, allocated
 *    here at class.client_size, reference counted (GRcBox). It holds the
 *    peer's identity (taken once, at accept; for the AT door's pty the
 *    identity that stands for its unknown client), the connection, the
 *    read loop and the bounded output queue (idg-door-queue.h);
 *  - the read loop: one read of class.read_chunk bytes per wakeup, handed
 *    to class.received under a reference; end of stream or a read error
 *    drops the client;
 *  - output: idg_door_client_send() is the one way out (the protocol runs
 *    its value tripwire before it); a queue past class.out_cap, or a
 *    failed write, drops the client. A client marked close_after_flush
 *    (refused) goes once everything queued is written;
 *  - drop: the client leaves the door's list (client->door becomes NULL),
 *    stops reading, loses its queue and its socket is closed; the protocol
 *    releases what it held for it in class.dropped; the door's reference
 *    goes from an idle, so callers up the stack may still look at it.
 *    A permanent client (the AT door's pty: the door itself) is never
 *    dropped: it loses what it had queued and stays.
 */
#ifndef IDG_DOOR_CLIENT_H
#define IDG_DOOR_CLIENT_H

#include <gio/gio.h>
#include "idg-broker.h"
#include "idg-identity.h"
#include "idg-door-listener.h"
#include "idg-door-queue.h"

G_BEGIN_DECLS

typedef struct _IdgDoor       IdgDoor;
typedef struct _IdgDoorClient IdgDoorClient;

typedef struct {
  gsize  client_size;   /* the protocol's client, IdgDoorClient first */
  gsize  read_chunk;    /* bytes read per wakeup, at most 16 KiB */
  gsize  out_cap;       /* bytes queued for a client before it is dropped */
  /* A new client, before its first read: the protocol's fields. */
  void (*init)     (IdgDoorClient *client);
  /* Bytes the client sent (the read loop holds a reference); the client
   * may be dropped from inside. */
  void (*received) (IdgDoorClient *client,
                    const guint8  *data,
                    gsize          len);
  /* The client was dropped (client->door is NULL already): release what
   * the protocol holds for it on door (client ids, timers, a command on
   * the port). */
  void (*dropped)  (IdgDoorClient *client,
                    IdgDoor       *door);
  /* The last reference went: free the protocol's fields (not the client). */
  void (*finalize) (IdgDoorClient *client);
} IdgDoorClientClass;

struct _IdgDoor {
  IdgBroker                 *broker;
  const gchar               *name;       /* IDG_DOOR_QMI, ...: logs, audit */
  const IdgDoorClientClass  *klass;
  IdgDoorListener           *listener;   /* NULL: no socket to listen on */
  GQueue                     clients;    /* IdgDoorClient, oldest first */
  guint64                    next_id;
  GObject                   *followed;   /* the backend (idg_door_follow) */
  gulong                     follow_id;
};

struct _IdgDoorClient {
  const IdgDoorClientClass *klass;
  IdgDoor       *door;               /* NULL once dropped */
  GList         *link;               /* in door->clients */
  guint64        id;
  int            fd;
  GSocket       *socket;             /* owns fd; NULL: fd is ours (a pty) */
  GSource       *in_source;
  IdgIdentity   *identity;
  IdgDoorQueue   out;
  gboolean       close_after_flush;  /* refused: goes once its queue is written */
  gboolean       permanent;          /* never dropped (the AT door's pty) */
};

void           idg_door_init          (IdgDoor                   *door,
                                       IdgBroker                 *broker,
                                       const gchar               *name,
                                       const IdgDoorClientClass  *klass);
/* Listens on abstract_name, or adopts listen_fd (>= 0, from systemd); each
 * admitted peer becomes a client. */
gboolean       idg_door_listen        (IdgDoor                   *door,
                                       const gchar               *abstract_name,
                                       int                        listen_fd,
                                       GError                   **error);
/* A client on fd (socket NULL: a pty master, owned from now on) or on
 * socket; identity is the client's from now on. */
IdgDoorClient *idg_door_add_client    (IdgDoor                   *door,
                                       GSocket                   *socket,
                                       int                        fd,
                                       IdgIdentity               *identity);
/* Follows the door's backend (an IdgModem, idg-modem.h): handler runs on
 * its signal (IDG_MODEM_SIGNAL_PORT_CHANGED, _IDS_KNOWN) with user_data
 * until idg_door_clear. */
void           idg_door_follow        (IdgDoor                   *door,
                                       gpointer                   modem,
                                       const gchar               *signal,
                                       GCallback                  handler,
                                       gpointer                   user_data);
guint          idg_door_get_n_clients (IdgDoor                   *door);
/* Stops following the backend and listening, and drops every client (the
 * permanent one too), freed unless something else holds a reference. */
void           idg_door_clear         (IdgDoor                   *door,
                                       const gchar               *why);

IdgDoorClient *idg_door_client_ref    (IdgDoorClient             *client);
void           idg_door_client_unref  (IdgDoorClient             *client);
/* The one way bytes reach a client. */
void           idg_door_client_send   (IdgDoorClient             *client,
                                       const void                *data,
                                       gsize                      len);
void           idg_door_client_drop   (IdgDoorClient             *client,
                                       const gchar               *why);

/* What a protocol door needs to go from its client to the framework and
 * back, defined once (static, in the protocol's file): door_of (client)
 * (the protocol's door, NULL once the client is dropped), client_ref,
 * client_unref, client_drop. ClientType and DoorType embed IdgDoorClient
 * and IdgDoor first, as "base". */
#define IDG_DOOR_CLIENT_DEFINE_HELPERS(ClientType, DoorType)              \
  G_GNUC_UNUSED static inline DoorType *                                  \
  door_of (ClientType *client)                                            \
  {                                                                       \
    return (DoorType *) (gpointer) client->base.door;                     \
  }                                                                       \
  G_GNUC_UNUSED static inline ClientType *                                \
  client_ref (ClientType *client)                                         \
  {                                                                       \
    return (ClientType *) (gpointer) idg_door_client_ref (&client->base); \
  }                                                                       \
  G_GNUC_UNUSED static inline void                                        \
  client_unref (ClientType *client)                                       \
  {                                                                       \
    idg_door_client_unref (&client->base);                                \
  }                                                                       \
  G_GNUC_UNUSED static inline void                                        \
  client_drop (ClientType  *client,                                       \
               const gchar *why)                                          \
  {                                                                       \
    idg_door_client_drop (&client->base, why);                            \
  }

G_END_DECLS

#endif
