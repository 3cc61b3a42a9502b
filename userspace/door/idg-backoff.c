/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-backoff.h"

void
idg_backoff_init (IdgBackoff     *backoff,
                  guint           min_s,
                  guint           max_s,
                  IdgBackoffFunc  func,
                  gpointer        user_data)
{
  backoff->min_s = MAX (min_s, 1u);
  backoff->max_s = MAX (max_s, backoff->min_s);
  backoff->next_s = backoff->min_s;
  backoff->armed_s = 0;
  backoff->source_id = 0;
  backoff->func = func;
  backoff->user_data = user_data;
  backoff->monitor = NULL;
}

guint
idg_backoff_next (IdgBackoff *backoff)
{
  guint delay = backoff->next_s;

  backoff->next_s = delay > backoff->max_s / 2 ? backoff->max_s : delay * 2;
  return delay;
}

void
idg_backoff_reset (IdgBackoff *backoff)
{
  backoff->next_s = backoff->min_s;
}

static gboolean
on_retry (gpointer user_data)
{
  IdgBackoff *backoff = user_data;

  backoff->source_id = 0;
  backoff->func (backoff->user_data);
  return G_SOURCE_REMOVE;
}

gchar *
idg_backoff_schedule (IdgBackoff  *backoff,
                      const gchar *reason)
{
  if (!backoff->source_id) {
    backoff->armed_s = idg_backoff_next (backoff);
    backoff->source_id = g_timeout_add_seconds (backoff->armed_s, on_retry, backoff);
  }
  return g_strdup_printf ("retrying in %us: %s", backoff->armed_s, reason);
}

static void
on_path_event (GFileMonitor      *monitor,
               GFile             *file,
               GFile             *other,
               GFileMonitorEvent  event,
               gpointer           user_data)
{
  IdgBackoff *backoff = user_data;

  if (event != G_FILE_MONITOR_EVENT_CREATED && event != G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED)
    return;
  if (!backoff->source_id || backoff->armed_s == 0)
    return;   /* nothing armed, or already retrying at once */
  g_source_remove (backoff->source_id);
  idg_backoff_reset (backoff);
  backoff->armed_s = 0;
  backoff->source_id = g_idle_add (on_retry, backoff);
}

void
idg_backoff_watch_path (IdgBackoff  *backoff,
                        const gchar *path)
{
  g_autoptr(GFile) file = NULL;

  g_return_if_fail (backoff->monitor == NULL);
  if (path == NULL || !g_path_is_absolute (path))
    return;
  file = g_file_new_for_path (path);
  backoff->monitor = g_file_monitor_file (file, G_FILE_MONITOR_NONE, NULL, NULL);
  if (backoff->monitor)
    g_signal_connect (backoff->monitor, "changed", G_CALLBACK (on_path_event), backoff);
}

gboolean
idg_backoff_is_armed (const IdgBackoff *backoff)
{
  return backoff->source_id != 0;
}

void
idg_backoff_cancel (IdgBackoff *backoff)
{
  g_clear_handle_id (&backoff->source_id, g_source_remove);
  if (backoff->monitor) {
    g_signal_handlers_disconnect_by_data (backoff->monitor, backoff);
    g_file_monitor_cancel (backoff->monitor);
    g_clear_object (&backoff->monitor);
  }
}
