// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The protocol doors' shared connect policy (see idg-door-listener.h).
 */
#include "idg-door-listener.h"

#include <unistd.h>
#include "idg-selector.h"

#define LOG_INTERVAL_USEC (10 * G_USEC_PER_SEC)

static gboolean
allowed (const IdgConfig   *config,
         const IdgIdentity *identity)
{
  guint i;

  if (config->proxy_clients == NULL)
    return identity->known && (identity->uid == 0 || identity->uid == geteuid ());
  for (i = 0; i < config->proxy_clients->len; i++)
    if (idg_selector_matches (g_ptr_array_index (config->proxy_clients, i), identity))
      return TRUE;
  return FALSE;
}

/* One line per (door, service) every LOG_INTERVAL_USEC: a peer that
 * reconnects in a loop cannot flood the log (the audit coalesces on its
 * own). Main context only, like the rest of the broker. */
static gboolean
log_due (const gchar       *door,
         const IdgIdentity *identity)
{
  static GHashTable *last;
  g_autofree gchar *key = g_strconcat (door, "\x1f", identity->service ? identity->service : "", NULL);
  gint64 now = g_get_monotonic_time ();
  gpointer prev;

  if (last == NULL)
    last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  prev = g_hash_table_lookup (last, key);
  if (prev != NULL && now - *(gint64 *) prev < LOG_INTERVAL_USEC)
    return FALSE;
  if (g_hash_table_size (last) > 1024)
    g_hash_table_remove_all (last);
  g_hash_table_replace (last, g_steal_pointer (&key), g_memdup2 (&now, sizeof now));
  return TRUE;
}

gboolean
idg_door_listener_admit (IdgBroker         *broker,
                         const gchar       *door,
                         const IdgIdentity *identity)
{
  IdgAudit *audit;

  if (allowed (idg_broker_get_config (broker), identity))
    return TRUE;
  if (log_due (door, identity)) {
    g_autofree gchar *who = idg_identity_describe (identity);

    g_message ("%s door: connection refused, not in [proxy] clients: %s", door, who);
  }
  audit = idg_broker_get_audit (broker);
  if (audit != NULL)
    idg_audit_add_coalesced (audit, identity, door, IDG_AUDIT_KIND_RAW_SIM, NULL,
                             IDG_DECISION_REFUSE, 1, IDG_DOOR_LISTENER_REFUSED_REASON);
  return FALSE;
}
