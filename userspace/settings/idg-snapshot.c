/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-snapshot.h"

#include <string.h>

void
idg_snapshot_free (IdgSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_clear_pointer (&snapshot->grants, g_variant_unref);
  g_clear_pointer (&snapshot->records, g_variant_unref);
  g_clear_pointer (&snapshot->tally, idg_tally_free);
  g_free (snapshot);
}

static void
audit_done (GObject      *source,
            GAsyncResult *res,
            gpointer      data)
{
  g_autoptr(GTask) task = data;
  IdgSnapshot *snapshot = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!idg_dbus_admin1_call_audit_finish (IDG_DBUS_ADMIN1 (source), &snapshot->records, res, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  snapshot->tally = idg_tally_new (snapshot->records, g_get_real_time ());
  g_task_return_boolean (task, TRUE);
}

static void
grants_done (GObject      *source,
             GAsyncResult *res,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  IdgSnapshot *snapshot = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gint64 since;

  if (!idg_dbus_admin1_call_list_grants_finish (IDG_DBUS_ADMIN1 (source), &snapshot->grants, res, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  snapshot->now = g_get_real_time () / G_USEC_PER_SEC;
  since = g_get_real_time () - IDG_TALLY_DAYS * IDG_TALLY_DAY_USEC;
  idg_dbus_admin1_call_audit (IDG_DBUS_ADMIN1 (source), since, G_DBUS_CALL_FLAGS_NONE, -1,
                              g_task_get_cancellable (task), audit_done, g_object_ref (task));
}

void
idg_snapshot_load (IdgDBusAdmin1       *admin,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (admin, cancellable, callback, user_data);

  g_task_set_source_tag (task, idg_snapshot_load);
  g_task_set_task_data (task, g_new0 (IdgSnapshot, 1), (GDestroyNotify) idg_snapshot_free);
  idg_dbus_admin1_call_list_grants (admin, G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                                    grants_done, g_object_ref (task));
}

IdgSnapshot *
idg_snapshot_load_finish (GAsyncResult  *result,
                          GError       **error)
{
  GTask *task = G_TASK (result);
  IdgSnapshot *snapshot;

  if (!g_task_propagate_boolean (task, error))
    return NULL;
  /* hand the data over: the task's copy is emptied, not freed twice */
  snapshot = g_memdup2 (g_task_get_task_data (task), sizeof (IdgSnapshot));
  memset (g_task_get_task_data (task), 0, sizeof (IdgSnapshot));
  return snapshot;
}
