/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-authz.h"

#define POLKIT_NAME  "org.freedesktop.PolicyKit1"
#define POLKIT_PATH  "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_IFACE "org.freedesktop.PolicyKit1.Authority"
#define POLKIT_FLAG_ALLOW_USER_INTERACTION 1u
/* An interactive check waits for a person; others answer at once. */
#define POLKIT_TIMEOUT_MS             25000
#define POLKIT_INTERACTIVE_TIMEOUT_MS (5 * 60 * 1000)

struct _IdgAuthz {
  GDBusConnection *bus;
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
  return authz;
}

void
idg_authz_free (IdgAuthz *authz)
{
  if (!authz)
    return;
  g_clear_object (&authz->bus);
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

static void
polkit_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  const gchar *action_id = g_task_get_task_data (task);
  gboolean authorized = FALSE, challenge = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  if (!reply) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    g_dbus_error_strip_remote_error (error);
    g_debug ("polkit check of %s failed: %s", action_id, error->message);
    refuse (task, action_id, "polkit is not available (only root may do this)");
    return;
  }
  g_variant_get (reply, "((bb@a{ss}))", &authorized, &challenge, NULL);
  if (authorized)
    g_task_return_boolean (task, TRUE);
  else
    refuse (task, action_id, challenge ? "polkit requires authentication (call with interactive authorization allowed)"
                                       : "polkit refused");
}

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
  GVariantBuilder details, subject;
  GVariant *subject_v;

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
  if (!authz->bus) {
    refuse (task, action_id, "no system bus, so no polkit: only root may do this");
    return;
  }
  g_variant_builder_init (&subject, G_VARIANT_TYPE ("a{sv}"));
  if (bus_name) {
    g_variant_builder_add (&subject, "{sv}", "name", g_variant_new_string (bus_name));
    subject_v = g_variant_new ("(s@a{sv})", "system-bus-name", g_variant_builder_end (&subject));
  } else {
    if (caller->pid <= 0) {
      g_variant_builder_clear (&subject);
      refuse (task, action_id, "the caller's process is unknown");
      return;
    }
    g_variant_builder_add (&subject, "{sv}", "pid", g_variant_new_uint32 ((guint32) caller->pid));
    g_variant_builder_add (&subject, "{sv}", "start-time", g_variant_new_uint64 (0));
    g_variant_builder_add (&subject, "{sv}", "uid", g_variant_new_int32 ((gint32) caller->uid));
    subject_v = g_variant_new ("(s@a{sv})", "unix-process", g_variant_builder_end (&subject));
  }
  g_variant_builder_init (&details, G_VARIANT_TYPE ("a{ss}"));
  g_dbus_connection_call (authz->bus, POLKIT_NAME, POLKIT_PATH, POLKIT_IFACE,
                          "CheckAuthorization",
                          g_variant_new ("(@(sa{sv})s@a{ss}us)", subject_v, action_id,
                                         g_variant_builder_end (&details),
                                         interactive ? POLKIT_FLAG_ALLOW_USER_INTERACTION : 0u,
                                         ""),
                          G_VARIANT_TYPE ("((bba{ss}))"),
                          G_DBUS_CALL_FLAGS_NONE,
                          interactive ? POLKIT_INTERACTIVE_TIMEOUT_MS : POLKIT_TIMEOUT_MS,
                          cancellable, polkit_done, g_steal_pointer (&task));
}

gboolean
idg_authz_check_finish (IdgAuthz      *authz,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
