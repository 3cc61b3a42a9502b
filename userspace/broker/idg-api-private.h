/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the API server: one method call on its way (Call), the method
 * tables (idg-api-methods.c) and the error helper both halves use.
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

struct _Call {
  IdgApi                *api;
  IdgBroker             *broker;
  GDBusMethodInvocation *inv;      /* stolen by the reply */
  const IdgApiMethod    *method;
  IdgIdentity           *caller;   /* from the kernel */
};

/* Replies with the named D-Bus error (consumes call->inv). */
void idg_api_fail (Call *call, const gchar *name, const gchar *fmt, ...) G_GNUC_PRINTF (3, 4);

/* The method of org.idguard.Broker1 or org.idguard.Admin1, or NULL. */
const IdgApiMethod *idg_api_find_method (const gchar *iface,
                                         const gchar *name);

G_END_DECLS

#endif
