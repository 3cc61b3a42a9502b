/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the protocol doors (@qmi-proxy, @mbim-proxy, the AT socket) share
 * before a client's first byte: who may connect at all.
 *
 * Connect policy ([proxy] clients of idguard.conf): a peer that matches none
 * of the configured selectors is refused at accept time, before it can send
 * a single command to the modem (calls, SMS, data), whatever its grants.
 * Without the key: uid 0 and the broker's own effective uid, as libqmi's
 * qmi-proxy and libmbim's mbim-proxy do (root and their configured user).
 * A refused peer is told nothing: its socket is closed. The refusal is
 * logged (one line, the peer's identity described, no identifier; at most
 * one line per peer service and door every LOG_INTERVAL seconds) and
 * audited (door, kind "raw-sim", decision refuse, reason "not-a-client";
 * coalesced like the other door records).
 */
#ifndef IDG_DOOR_LISTENER_H
#define IDG_DOOR_LISTENER_H

#include <glib.h>
#include "idg-broker.h"
#include "idg-identity.h"

G_BEGIN_DECLS

#define IDG_DOOR_LISTENER_REFUSED_REASON "not-a-client"

/* TRUE if identity may connect to door (IDG_DOOR_QMI, IDG_DOOR_MBIM,
 * IDG_DOOR_AT); FALSE after logging and auditing the refusal. */
gboolean idg_door_listener_admit (IdgBroker         *broker,
                                  const gchar       *door,
                                  const IdgIdentity *identity);

G_END_DECLS

#endif
