/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The broker core as modem backends and protocol doors see it. The broker
 * owns the config, the consent store, the audit log, the device secret and
 * the identifier table (values in memory only). Backends report what they
 * read; doors ask, per message, what a peer may see, and report what their
 * filters did.
 */
#ifndef IDG_BROKER_H
#define IDG_BROKER_H

#include <glib.h>
#include "idg-guard.h"
#include "idg-identity.h"
#include "idg-kind.h"
#include "idg-mask.h"

G_BEGIN_DECLS

typedef struct _IdgBroker IdgBroker;

/* Door names, as shown in the audit log and status. */
#define IDG_DOOR_API  "api"
#define IDG_DOOR_QMI  "qmi-proxy"
#define IDG_DOOR_MBIM "mbim-proxy"
#define IDG_DOOR_AT   "at"
#define IDG_DOOR_KMOD "kernel"

IdgPolicy     idg_broker_get_policy (IdgBroker *broker);
const guint8 *idg_broker_get_secret (IdgBroker *broker);   /* IDG_SECRET_LEN bytes */

/* TRUE if path is one of the modem ports of the config (kind "qmi", "mbim"
 * or "at"), compared after resolving symlinks. Doors refuse any other device
 * path a client names. */
gboolean idg_broker_is_modem_port (IdgBroker   *broker,
                                   const gchar *kind,
                                   const gchar *path);

/* What a peer may see through a protocol door at this instant: the union of
 * the scopes of every active grant whose selector matches it (no token: an
 * unmodified protocol client cannot present one). grant_ids (nullable) gets
 * a comma-separated list of the matching grants for the audit record. */
guint32 idg_broker_allowed_kinds (IdgBroker          *broker,
                                  const IdgIdentity  *identity,
                                  gchar             **grant_ids);

/* Per message: fill a guard for this peer (allowed kinds, policy, secret,
 * service key), run the filter, then hand the tally to the audit log, which
 * aggregates so that a chatty client cannot flood it. */
void idg_broker_guard_begin (IdgBroker         *broker,
                             const IdgIdentity *identity,
                             IdgGuard          *guard);
void idg_broker_guard_end   (IdgBroker         *broker,
                             const IdgIdentity *identity,
                             const gchar       *door,
                             const IdgGuard    *guard);

/* Backends: source is "qmi", "mbim" or "at". A NULL value means unknown (a
 * SIM removed, a modem gone): it is never served stale. */
void idg_broker_set_identifier    (IdgBroker   *broker,
                                   const gchar *source,
                                   IdgKind      kind,
                                   const gchar *value);
void idg_broker_clear_identifiers (IdgBroker   *broker,
                                   const gchar *source);
/* A short human state for `idguardctl status`: "opening", "ready",
 * "retrying in 4s: <reason>"... Never contains an identifier. */
void idg_broker_set_modem_state   (IdgBroker   *broker,
                                   const gchar *source,
                                   const gchar *state);

G_END_DECLS

#endif
