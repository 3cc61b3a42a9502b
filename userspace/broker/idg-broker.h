/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The broker core as modem backends and protocol doors see it. The broker
 * owns the config, the consent store, the audit log, the device secret and
 * the identifier table (values in memory only). Backends report what they
 * read; doors ask, per message, what a peer may see, and report what their
 * filters did.
 *
 * Everything here (and in idg-store.h, idg-audit.h, idg-ids.h) runs in the
 * main context: no locking, no calls from other threads.
 */
#ifndef IDG_BROKER_H
#define IDG_BROKER_H

#include <glib.h>
#include "idg-audit.h"
#include "idg-config.h"
#include "idg-guard.h"
#include "idg-identity.h"
#include "idg-ids.h"
#include "idg-kind.h"
#include "idg-mask.h"
#include "idg-store.h"
#include "idg-tripwire.h"

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

/* The value tripwire, last thing before a door queues bytes to a client
 * (after the filter): every known identifier, current and previous, in
 * every wire encoding (idg-tripwire.h), is masked in place for a kind the
 * client may not see, whatever route carried it. guard: the message's
 * guard (its allowed kinds), or NULL to have the grants looked up only when
 * something is found. door: IDG_DOOR_*; the AT door's text is scanned for
 * the printable encodings only. route: the door's short name for the
 * message ("dms/0x0025", "+CIMI"); it goes into the audit record after the
 * tripwire went over it too.
 * Each kind masked: a tripwire hit counted (status "tripwire-hits") and an
 * audit record (decision rewrite, reason "tripwire ROUTE"). While the
 * broker is not settled (below), for a client missing one of the SIM kinds
 * not read again yet, every digit run that could be one of them is masked
 * as well (idg_tripwire_mask_unknown; audit kind "sim-unread").
 * Returns the IDG_KIND_BIT()s masked. The tripwire is rebuilt when the
 * identifier table changes. */
guint32 idg_broker_guard_scan (IdgBroker         *broker,
                               const IdgIdentity *identity,
                               IdgGuard          *guard,
                               const gchar       *door,
                               const gchar       *route,
                               guint8            *buf,
                               gsize              len);

/* SIM swaps. When a source clears a SIM kind it knew (IMSI, ICCID, EID,
 * MSISDN: a SIM change or removal, values cleared before they are read
 * again), or calls idg_broker_sim_changed, the broker is not settled until
 * a value of each of those kinds is reported again, or for at most
 * IDG_BROKER_SETTLE_TIMEOUT seconds (a SIM removed, a number the new SIM
 * does not hold). Meanwhile the new values are unknown to the tripwire, so
 * idg_broker_guard_scan masks every digit run that could be one for the
 * clients without those kinds. awaiting (nullable) gets the kinds not read
 * again yet. */
#define IDG_BROKER_SETTLE_TIMEOUT 20
gboolean idg_broker_ids_settled (IdgBroker   *broker,
                                 guint32     *awaiting);
void     idg_broker_sim_changed (IdgBroker   *broker,
                                 const gchar *source);

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

/* ---- Core life cycle and accessors (idguardd, the api, the kernel bridge) */

#define IDG_BROKER_ERROR (idg_broker_error_quark ())
GQuark idg_broker_error_quark (void);
typedef enum {
  IDG_BROKER_ERROR_UNAVAILABLE,   /* no modem source knows that identifier */
  IDG_BROKER_ERROR_FAILED,
} IdgBrokerError;

/* Takes ownership of config; loads the store and opens the audit log. An
 * error (corrupt store, unwritable state dir) must stop the daemon. */
IdgBroker *idg_broker_new        (IdgConfig  *config,
                                  GError    **error);
/* Flushes the audit log. Backends and doors must be freed before. */
void       idg_broker_free       (IdgBroker  *broker);
IdgConfig *idg_broker_get_config (IdgBroker  *broker);
IdgStore  *idg_broker_get_store  (IdgBroker  *broker);
IdgAudit  *idg_broker_get_audit  (IdgBroker  *broker);
IdgIds    *idg_broker_get_ids    (IdgBroker  *broker);

/* Change notifications, plain callbacks run in the main context:
 *   GRANTS       a grant was added, revoked or expired, or the store reset
 *                (detail: the grant id, or NULL for "several")
 *   REQUESTS     a request was added or decided (detail: request id)
 *   IDENTIFIERS  an identifier value appeared, changed or was cleared
 *                (detail: the kind's name, or NULL for "several")
 *   STATUS       a modem, door or component state changed (detail: its name) */
typedef enum {
  IDG_BROKER_EVENT_GRANTS      = 0,
  IDG_BROKER_EVENT_REQUESTS    = 1,
  IDG_BROKER_EVENT_IDENTIFIERS = 2,
  IDG_BROKER_EVENT_STATUS      = 3,
} IdgBrokerEvent;
typedef void (*IdgBrokerFunc) (IdgBroker      *broker,
                               IdgBrokerEvent  event,
                               const gchar    *detail,
                               gpointer        user_data);
guint idg_broker_subscribe   (IdgBroker     *broker,
                              IdgBrokerFunc  func,
                              gpointer       user_data);
void  idg_broker_unsubscribe (IdgBroker     *broker,
                              guint          id);

/* Doors register themselves (idguardd does it for them) so that status can
 * show them with their client count; components ("kernel") set a state. */
typedef guint (*IdgBrokerCountFunc) (gpointer door);
void idg_broker_add_door            (IdgBroker          *broker,
                                     const gchar        *name,
                                     const gchar        *address,
                                     IdgBrokerCountFunc  n_clients,
                                     gpointer            door);
void idg_broker_remove_door         (IdgBroker          *broker,
                                     const gchar        *name);
void idg_broker_set_component_state (IdgBroker          *broker,
                                     const gchar        *name,
                                     const gchar        *state);

/* Status summary, a{sv}, floating:
 *   "version" s, "policy" s, "state-dir" s,
 *   "modems"     a{ss}  source -> state ("ready", "retrying in 4s: ..."),
 *   "doors"      a{s(su)} name -> (address, number of clients),
 *   "components" a{ss}  e.g. "kernel" -> "attached"/"absent",
 *   "identifiers" as    kinds some source knows (never values),
 *   "tripwire-hits" t   messages in which the tripwire masked a kind,
 *   "ids-settled" b     FALSE during a SIM swap (idg_broker_ids_settled),
 *   "grants-active" u, "grants-total" u, "requests-pending" u */
GVariant *idg_broker_get_status (IdgBroker *broker);

/* A service API read (door "api" or "kernel"): checks the token against the
 * caller's identity at this instant, fetches the value and writes the audit
 * record (release, or refuse with its reason). Returns the value (free with
 * idg_ids_value_free) or NULL with IDG_STORE_ERROR_REFUSED (no consent) or
 * IDG_BROKER_ERROR_UNAVAILABLE (granted, but no modem knows it now). */
gchar *idg_broker_read_identifier (IdgBroker          *broker,
                                   const IdgIdentity  *identity,
                                   IdgKind             kind,
                                   const gchar        *token,
                                   const gchar        *door,
                                   GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgBroker, idg_broker_free)

G_END_DECLS

#endif
