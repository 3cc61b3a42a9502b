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

gboolean
idg_backoff_is_armed (const IdgBackoff *backoff)
{
  return backoff->source_id != 0;
}

void
idg_backoff_cancel (IdgBackoff *backoff)
{
  g_clear_handle_id (&backoff->source_id, g_source_remove);
}
