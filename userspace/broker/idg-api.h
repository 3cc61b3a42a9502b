/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The broker's service API (data/org.idguard.Broker1.xml): interfaces
 * org.idguard.Broker1 (services) and org.idguard.Admin1 (admin, authorized
 * by idg-authz) on /org/idguard/Broker1, served
 *
 *   - peer-to-peer on a unix socket (p2p_socket_path, RUNTIME_DIR/api.sock):
 *     mode 0666, every local process may connect, as every local process may
 *     reach the system bus; each call decides from the caller's kernel
 *     credentials (SO_PEERCRED + pidfd), EXTERNAL authentication only;
 *   - and on the system bus as org.idguard.Broker1 when use_system_bus is
 *     TRUE and a system bus is reachable (callers identified through the
 *     bus's GetConnectionCredentials).
 *
 * Every identifier read is audited (door "api"), released or refused.
 */
#ifndef IDG_API_H
#define IDG_API_H

#include <gio/gio.h>
#include "idg-broker.h"

G_BEGIN_DECLS

typedef struct _IdgApi IdgApi;

/* Fails (clear message) if the socket cannot be served, e.g. another broker
 * is listening on it. An unreachable system bus is not an error. */
IdgApi *idg_api_new  (IdgBroker    *broker,
                      const gchar  *p2p_socket_path,
                      gboolean      use_system_bus,
                      GError      **error);
void    idg_api_free (IdgApi       *api);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgApi, idg_api_free)

G_END_DECLS

#endif
