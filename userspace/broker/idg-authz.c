/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-authz.h"

#include "idg-build-config.h"

#if IDG_HAVE_POLKIT
#include <polkit/polkit.h>
#endif

struct _IdgAuthz {
  GDBusConnection *bus;
#if IDG_HAVE_POLKIT
  PolkitAuthority *authority;   /* NULL: polkit unreachable, root only */
#endif
};

static const gchar *const action_ids[] = {
  [IDG_AUTHZ_GRANT]         = "org.idguard.grant",
  [IDG_AUTHZ_REVOKE]        = "org.idguard.revoke",
  [IDG_AUTHZ_READ_AUDIT]    = "org.idguard.read-audit",
  [IDG_AUTHZ_FACTORY_RESET] = "org.idguard.factory-reset",
};

IdgAuthz *
idg_authz_new (GDBusConnection *system_bus)
{
  IdgAuthz *authz = g_new0 (IdgAuthz, 1);

  authz->bus = system_bus ? g_object_ref (system_bus) : NULL;
#if IDG_HAVE_POLKIT
  if (authz->bus) {
    g_autoptr(GError) error = NULL;

    authz->authority = polkit_authority_get_sync (NULL, &error);
    if (!authz->authority)
      g_message ("polkit is not available (%s): only root may use the admin methods",
                 error->message);
  }
#endif
  return authz;
}

void
idg_authz_free (IdgAuthz *authz)
{
  if (!authz)
    return;
  g_clear_object (&authz->bus);
#if IDG_HAVE_POLKIT
  g_clear_object (&authz->authority);
#endif
  g_free (authz);
}

const gchar *
idg_authz_action_id (IdgAuthzAction action)
{
  if ((guint) action >= G_N_ELEMENTS (action_ids))
    return "unknown";
  return action_ids[action];
}

static void
refuse (GTask *task, const gchar *action_id, const gchar *why)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           "not authorized for %s: %s", action_id, why);
}

#if IDG_HAVE_POLKIT
static void
polkit_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthorizationResult) result = NULL;
  const gchar *action_id = g_task_get_task_data (task);

  result = polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), res, &error);
  if (!result) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    g_debug ("polkit check of %s failed: %s", action_id, error->message);
    refuse (task, action_id, "polkit is not available (only root may do this)");
    return;
  }
  if (polkit_authorization_result_get_is_authorized (result))
    g_task_return_boolean (task, TRUE);
  else
    refuse (task, action_id, polkit_authorization_result_get_is_challenge (result)
                               ? "polkit requires authentication (call with interactive authorization allowed)"
                               : "polkit refused");
}
#endif

void
idg_authz_check (IdgAuthz            *authz,
                 const IdgIdentity   *caller,
                 const gchar         *bus_name,
                 IdgAuthzAction       action,
                 gboolean             interactive,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  const gchar *action_id = idg_authz_action_id (action);

  g_task_set_source_tag (task, idg_authz_check);
  g_task_set_task_data (task, (gpointer) action_id, NULL);
  if (!caller || !caller->known) {
    refuse (task, action_id, "the caller's identity is unknown");
    return;
  }
  if (caller->uid == 0) {
    g_task_return_boolean (task, TRUE);
    return;
  }
#if IDG_HAVE_POLKIT
  if (authz->authority) {
    g_autoptr(PolkitSubject) subject = NULL;

    if (bus_name)
      subject = polkit_system_bus_name_new (bus_name);
    else if (caller->pid > 0)
      /* the pid was checked alive through a pidfd when the caller was
       * identified; polkit records its start time here */
      subject = polkit_unix_process_new_for_owner (caller->pid, 0, (gint) caller->uid);
    if (!subject) {
      refuse (task, action_id, "the caller's process is unknown");
      return;
    }
    polkit_authority_check_authorization (authz->authority, subject, action_id, NULL,
                                          interactive ? POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION
                                                      : POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE,
                                          cancellable, polkit_done, g_steal_pointer (&task));
    return;
  }
#endif
  refuse (task, action_id, authz->bus ? "polkit is not available: only root may do this"
                                      : "no system bus, so no polkit: only root may do this");
}

gboolean
idg_authz_check_finish (IdgAuthz      *authz,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
