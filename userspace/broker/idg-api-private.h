/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the API server: one method call on its way (Call), the method
 * tables (idg-api-methods.c), the reply helpers every method uses, and the
 * fast path's connections (idg-api-fast.c). A call comes either from
 * GDBus (inv) or from a fast connection (fast); the methods do not know
 * which: they read call->params and answer with idg_api_return () or
 * idg_api_fail ().
 */
#ifndef IDG_API_PRIVATE_H
#define IDG_API_PRIVATE_H

#include <gio/gio.h>
#include "idg-api.h"
#include "idg-identity.h"
#include "idg-authz.h"

G_BEGIN_DECLS

typedef struct _Call Call;
typedef void (*IdgApiMethodFunc) (Call *call);

typedef struct {
  const gchar      *name;
  gint              action;   /* IdgAuthzAction, or -1: open to every caller */
  IdgApiMethodFunc  func;
} IdgApiMethod;

typedef struct _IdgApiFast IdgApiFast;
typedef struct _Handshake Handshake;   /* idg-api-p2p.c */

/* The API server (idg-api.c: dispatch, the bus, signals; idg-api-p2p.c:
 * the peer-to-peer socket, its handshakes and budgets). */
struct _IdgApi {
  IdgBroker       *broker;
  IdgAuthz        *authz;
  GCancellable    *cancellable;
  GSocket         *listener;       /* the peer-to-peer socket */
  GSource         *accept_source;
  gchar           *guid;
  gchar           *socket_path;
  GHashTable      *peers;          /* GDBusConnection -> Peer */
  GHashTable      *fast_peers;     /* IdgApiFast set: the fast path (idg-api-fast.c) */
  GPtrArray       *handshakes;     /* Handshake, not yet authenticated */
  guint            handshakes_per_uid;
  guint            handshake_timeout_ms;
  guint            connections_per_uid;
  gint64           refusal_logged;  /* monotonic time of the last line */
  guint            refusals;        /* since then */
  gboolean         freeing;
  guint            request_timer;   /* the next pending request's expiry */
  GHashTable      *request_credit;  /* uid -> gint64[2]: credit (us), last */
  GHashTable      *bus_pins;        /* unique name -> IdgIdentityPin: bus callers */
  GDBusConnection *bus;
  guint            bus_owner_id;
  guint            bus_reg[2];
  guint            broker_sub;
  gboolean         door_added;
};

typedef struct {
  guint           reg[2];
  gulong          closed_id;
  gboolean        admin_signals;   /* gets the Admin1 signals (signals_for_peer) */
  uid_t           uid;
  IdgIdentityPin *pin;             /* the caller, pinned at its first call */
} Peer;

struct _Call {
  IdgApi                *api;
  IdgBroker             *broker;
  GDBusMethodInvocation *inv;      /* D-Bus: stolen by the reply */
  IdgApiFast            *fast;     /* fast path: cleared by the reply */
  GVariant              *params;   /* the arguments (a reference) */
  const IdgApiMethod    *method;
  IdgIdentity           *caller;   /* from the kernel */
};

/* Replies with the named error (the D-Bus error name; consumes the call's
 * reply: inv or fast). */
void idg_api_fail (Call *call, const gchar *name, const gchar *fmt, ...) G_GNUC_PRINTF (3, 4);
/* Replies with value (floating or not; NULL: no out arguments). */
void idg_api_return (Call *call, GVariant *value);

/* idg-api.c: runs a call whose caller is known (budgets, authorization,
 * the method), then frees it. */
Call *idg_api_call_new (IdgApi *api, const IdgApiMethod *method, GVariant *params);
void idg_api_dispatch (Call *call);
void idg_api_call_free (Call *call);
/* idg-api.c: exports org.idguard.Broker1 and Admin1 on conn. */
gboolean idg_api_register_objects (IdgApi *api, GDBusConnection *conn, guint reg[2], GError **error);

/* idg-api-p2p.c: the peer-to-peer socket at path (listening, accepting
 * within the budgets, the handshakes: D-Bus authentication or the fast
 * path's hello). */
gboolean idg_api_p2p_start        (IdgApi *api, const gchar *path, GError **error);
void     idg_api_peer_free        (gpointer data);
void     idg_api_handshake_free   (Handshake *hs);
/* uid 0 and the broker's own uid: slots of their own, no per-uid budget */
gboolean idg_api_uid_reserved     (uid_t uid);
/* A fast connection closed itself (frees it). */
void     idg_api_fast_gone        (IdgApi *api, IdgApiFast *fast);

/* idg-api-fast.c: a connection that said IDG_FRAME_HELLO (sconn is taken;
 * uid from SO_PEERCRED at accept). */
IdgApiFast *idg_api_fast_new   (IdgApi            *api,
                                GSocketConnection *sconn,
                                uid_t              uid);
uid_t       idg_api_fast_uid   (IdgApiFast        *fast);
void        idg_api_fast_free  (IdgApiFast        *fast);
/* Sends the answer of the call in flight (value sunk if floating). */
void        idg_api_fast_reply (IdgApiFast        *fast,
                                const gchar       *name,
                                GVariant          *value);

/* The method of org.idguard.Broker1 or org.idguard.Admin1, or NULL. */
const IdgApiMethod *idg_api_find_method (const gchar *iface,
                                         const gchar *name);

G_END_DECLS

#endif
