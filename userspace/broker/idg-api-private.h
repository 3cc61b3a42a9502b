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

G_BEGIN_DECLS

typedef struct _Call Call;
typedef void (*IdgApiMethodFunc) (Call *call);

typedef struct {
  const gchar      *name;
  gint              action;   /* IdgAuthzAction, or -1: open to every caller */
  IdgApiMethodFunc  func;
} IdgApiMethod;

typedef struct _IdgApiFast IdgApiFast;

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
/* idg-api.c: a fast connection closed itself (frees it). */
void idg_api_fast_gone (IdgApi *api, IdgApiFast *fast);

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
