/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who may call the admin methods of the API. One provider, failing closed:
 *
 *   - uid 0 is allowed (root can read the store on disk anyway);
 *   - any other caller is allowed only if polkit says so for the method's
 *     action (org.idguard.grant, .revoke, .read-audit, .factory-reset);
 *   - if polkit is not running, cannot be asked, or answers anything but
 *     "authorized", the caller is refused. There is no other path.
 *
 * polkit is asked through polkit-gobject (PolkitAuthority) with the caller
 * as a system-bus-name subject for bus callers, or a unix-process subject
 * (pid and uid from the socket; polkit checks the process start time) for
 * peer-to-peer callers. A build without polkit-gobject is root only.
 */
#ifndef IDG_AUTHZ_H
#define IDG_AUTHZ_H

#include <gio/gio.h>
#include "idg-identity.h"

G_BEGIN_DECLS

typedef enum {
  IDG_AUTHZ_GRANT         = 0,
  IDG_AUTHZ_REVOKE        = 1,
  IDG_AUTHZ_READ_AUDIT    = 2,
  IDG_AUTHZ_FACTORY_RESET = 3,
} IdgAuthzAction;

typedef struct _IdgAuthz IdgAuthz;

/* system_bus (nullable): where polkit is asked; NULL: root only. */
IdgAuthz    *idg_authz_new       (GDBusConnection *system_bus);
void         idg_authz_free      (IdgAuthz        *authz);
const gchar *idg_authz_action_id (IdgAuthzAction   action);

/* bus_name: the caller's unique name on the system bus, or NULL for a
 * peer-to-peer caller. interactive: the caller allowed an authentication
 * dialog (ALLOW_INTERACTIVE_AUTHORIZATION). */
void     idg_authz_check        (IdgAuthz            *authz,
                                 const IdgIdentity   *caller,
                                 const gchar         *bus_name,
                                 IdgAuthzAction       action,
                                 gboolean             interactive,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
/* TRUE if allowed; FALSE with a G_IO_ERROR_PERMISSION_DENIED error naming
 * the action otherwise (G_IO_ERROR_CANCELLED if cancelled). */
gboolean idg_authz_check_finish (IdgAuthz            *authz,
                                 GAsyncResult        *result,
                                 GError             **error);

G_END_DECLS

#endif
