/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the protocol doors (@qmi-proxy, @mbim-proxy, the AT socket) share
 * before a client's first byte: the listening socket and who may connect.
 *
 * Listening: the door's abstract name is bound here (or the socket that
 * systemd handed over is adopted). A name another process holds stops the
 * broker with one line naming the holder's pid (from /proc/net/unix and the
 * fds of /proc/PID), never a half-started door. Every connection is
 * accepted without blocking, its peer identified from the kernel
 * (idg_identity_from_socket), passed through the connect policy and only
 * then handed to the door, non-blocking, with its identity.
 *
 * Connect policy ([proxy] clients of idguard.conf): a peer that matches none
 * of the configured selectors is refused at accept time, before it can send
 * a single command to the modem (calls, SMS, data), whatever its grants.
 * Without the key: uid 0 and the broker's own effective uid, as libqmi's
 * qmi-proxy and libmbim's mbim-proxy do (root and their configured user).
 * A refused peer is told nothing: its socket is closed. The refusal is
 * logged (one line, the peer's identity described, no identifier; at most
 * one line per peer service and door every 10 s) and audited (door, kind
 * "raw-sim", decision refuse, reason "not-a-client"; coalesced like the
 * other door records).
 *
 * Per-uid budget ([proxy] clients-per-uid, default 16): an admitted peer
 * whose uid already holds that many connections to this door is closed at
 * accept too (logged at most once per peer service and door every 10 s);
 * uid 0 and the broker's own uid are exempt. A connection counts until the
 * door drops its client's GSocket.
 *
 */
#ifndef IDG_DOOR_LISTENER_H
#define IDG_DOOR_LISTENER_H

#include <gio/gio.h>
#include "idg-broker.h"
#include "idg-identity.h"

G_BEGIN_DECLS

#define IDG_DOOR_LISTENER_REFUSED_REASON "not-a-client"

typedef struct _IdgDoorListener IdgDoorListener;

/* An admitted client: a connected non-blocking socket and its peer's
 * identity, both the callee's from now on. */
typedef void (*IdgDoorAcceptFunc) (GSocket     *socket,
                                   IdgIdentity *identity,
                                   gpointer     user_data);

/* door: IDG_DOOR_QMI, IDG_DOOR_MBIM or IDG_DOOR_AT (log lines, audit).
 * listen_fd >= 0: a listening socket handed over by systemd, adopted (the
 * listener owns it from now on); -1: abstract_name is bound here. An error
 * is one line (G_IO_ERROR_ADDRESS_IN_USE when the name is held). */
IdgDoorListener *idg_door_listener_new  (IdgBroker          *broker,
                                         const gchar        *door,
                                         const gchar        *abstract_name,
                                         int                 listen_fd,
                                         IdgDoorAcceptFunc   func,
                                         gpointer            user_data,
                                         GError            **error);
/* Stops accepting and closes the listening socket. */
void             idg_door_listener_free (IdgDoorListener    *listener);

/* The connect policy alone: TRUE if identity may connect to door; FALSE
 * after logging and auditing the refusal. */
gboolean idg_door_listener_admit (IdgBroker         *broker,
                                  const gchar       *door,
                                  const IdgIdentity *identity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgDoorListener, idg_door_listener_free)

G_END_DECLS

#endif
