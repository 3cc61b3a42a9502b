// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The broker core: config, consent store, audit log and identifier table
 * behind one object; per-message decisions for the doors; change
 * notifications for the API and the kernel bridge.
 */
#include "idg-broker.h"

#include <stdlib.h>
#include <string.h>

#include "idg-build-config.h"
#include "idg-personal.h"

G_DEFINE_QUARK (idg-broker-error-quark, idg_broker_error)

typedef struct {
  guint         id;
  IdgBrokerFunc func;
  gpointer      data;
} Subscriber;

typedef struct {
  gchar              *name;
  gchar              *address;
  IdgBrokerCountFunc  n_clients;
  gpointer            door;
} Door;

struct _IdgBroker {
  IdgConfig  *config;
  IdgStore   *store;
  IdgAudit   *audit;
  IdgIds     *ids;
  GArray     *subscribers;
  guint       next_sub;
  GPtrArray  *doors;        /* Door* */
  GHashTable *components;   /* name -> state */
  guint       expiry_source;  /* armed for the next grant expiry only */
  gint64      expiry_checked; /* grants expiring up to here were announced */
};

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
door_free (Door *d)
{
  g_free (d->name);
  g_free (d->address);
  g_free (d);
}

static void
emit (IdgBroker      *broker,
      IdgBrokerEvent  event,
      const gchar    *detail)
{
  g_autoptr(GArray) subs = NULL;
  guint i;

  if (broker->subscribers->len == 0)
    return;
  /* a callback may unsubscribe: walk a copy */
  subs = g_array_copy (broker->subscribers);
  for (i = 0; i < subs->len; i++) {
    Subscriber *s = &g_array_index (subs, Subscriber, i);
    s->func (broker, event, detail, s->data);
  }
}

/* A grant that expires is a grant change too (the API's GrantsChanged,
 * the kernel's table): one timer, for the next expiry, none when no grant
 * can expire. */
static void arm_expiry (IdgBroker *broker);

static gboolean
expiry_cb (gpointer data)
{
  IdgBroker *broker = data;
  g_autoptr(GPtrArray) grants = idg_store_list_grants (broker->store);
  gint64 now = now_s ();
  guint i;

  broker->expiry_source = 0;
  for (i = 0; i < grants->len; i++) {
    IdgGrant *g = grants->pdata[i];

    if (!g->revoked && g->expires > broker->expiry_checked && g->expires <= now)
      emit (broker, IDG_BROKER_EVENT_GRANTS, g->id);
  }
  broker->expiry_checked = now;
  arm_expiry (broker);
  return G_SOURCE_REMOVE;
}

static void
arm_expiry (IdgBroker *broker)
{
  gint64 now = now_s ();
  gint64 next;

  g_clear_handle_id (&broker->expiry_source, g_source_remove);
  if (broker->expiry_checked == 0)
    broker->expiry_checked = now;
  next = idg_store_next_expiry (broker->store, broker->expiry_checked);
  if (next != 0)
    broker->expiry_source = g_timeout_add_seconds ((guint) CLAMP (next - now, 1, G_MAXINT32 / 2),
                                                   expiry_cb, broker);
}

static void
store_changed (IdgStore    *store,
               const gchar *what,
               const gchar *id,
               gpointer     user_data)
{
  IdgBroker *broker = user_data;

  if (g_str_equal (what, "requests")) {
    emit (broker, IDG_BROKER_EVENT_REQUESTS, id);
  } else if (g_str_equal (what, "reset")) {
    arm_expiry (broker);
    emit (broker, IDG_BROKER_EVENT_GRANTS, NULL);
    emit (broker, IDG_BROKER_EVENT_REQUESTS, NULL);
  } else {
    arm_expiry (broker);
    emit (broker, IDG_BROKER_EVENT_GRANTS, id);
  }
}

IdgBroker *
idg_broker_new (IdgConfig  *config,
                GError    **error)
{
  IdgBroker *broker = g_new0 (IdgBroker, 1);

  broker->config = config;
  broker->ids = idg_ids_new ();
  broker->subscribers = g_array_new (FALSE, FALSE, sizeof (Subscriber));
  broker->doors = g_ptr_array_new_with_free_func ((GDestroyNotify) door_free);
  broker->components = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  broker->store = idg_store_load (config->state_dir, error);
  if (broker->store == NULL)
    goto fail;
  broker->audit = idg_audit_new (config->state_dir, &(IdgAuditOptions) {
                                   .max_size = config->audit_max_size,
                                   .keep = (guint) config->audit_keep,
                                   .release_max_size = config->audit_release_max_size,
                                   .release_keep = (guint) config->audit_release_keep,
                                   .window = (guint) config->audit_window,
                                   .rate = (guint) config->audit_rate,
                                   .burst = (guint) config->audit_burst,
                                   .flood_interval = (guint) config->audit_flood_interval,
                                 }, error);
  if (broker->audit == NULL)
    goto fail;
  idg_store_set_notify (broker->store, store_changed, broker);
  arm_expiry (broker);
  return broker;

fail:
  idg_broker_free (broker);
  return NULL;
}

void
idg_broker_free (IdgBroker *broker)
{
  if (broker == NULL)
    return;
  g_clear_handle_id (&broker->expiry_source, g_source_remove);
  g_clear_pointer (&broker->audit, idg_audit_free);
  g_clear_pointer (&broker->store, idg_store_free);
  g_clear_pointer (&broker->ids, idg_ids_free);
  g_clear_pointer (&broker->config, idg_config_free);
  g_array_unref (broker->subscribers);
  g_ptr_array_unref (broker->doors);
  g_hash_table_unref (broker->components);
  g_free (broker);
}

IdgConfig *
idg_broker_get_config (IdgBroker *broker)
{
  return broker->config;
}

IdgStore *
idg_broker_get_store (IdgBroker *broker)
{
  return broker->store;
}

IdgAudit *
idg_broker_get_audit (IdgBroker *broker)
{
  return broker->audit;
}

IdgIds *
idg_broker_get_ids (IdgBroker *broker)
{
  return broker->ids;
}

IdgPolicy
idg_broker_get_policy (IdgBroker *broker)
{
  return broker->config->policy;
}

const guint8 *
idg_broker_get_secret (IdgBroker *broker)
{
  return idg_store_get_secret (broker->store);
}

guint
idg_broker_subscribe (IdgBroker     *broker,
                      IdgBrokerFunc  func,
                      gpointer       user_data)
{
  Subscriber s = { ++broker->next_sub, func, user_data };

  g_array_append_val (broker->subscribers, s);
  return s.id;
}

void
idg_broker_unsubscribe (IdgBroker *broker,
                        guint      id)
{
  guint i;

  for (i = 0; i < broker->subscribers->len; i++)
    if (g_array_index (broker->subscribers, Subscriber, i).id == id) {
      g_array_remove_index (broker->subscribers, i);
      return;
    }
}

/* ---- doors ---- */

static const gchar *
port_of (IdgBroker   *broker,
         const gchar *kind)
{
  if (g_strcmp0 (kind, "qmi") == 0)
    return broker->config->modem_qmi;
  if (g_strcmp0 (kind, "mbim") == 0)
    return broker->config->modem_mbim;
  if (g_strcmp0 (kind, "at") == 0)
    return broker->config->modem_at;
  return NULL;
}

gboolean
idg_broker_is_modem_port (IdgBroker   *broker,
                          const gchar *kind,
                          const gchar *path)
{
  const gchar *port = port_of (broker, kind);
  g_autofree gchar *a = NULL, *b = NULL;

  if (port == NULL || path == NULL)
    return FALSE;
  if (g_str_equal (port, path))
    return TRUE;
  a = realpath (port, NULL);
  b = realpath (path, NULL);
  return a != NULL && b != NULL && g_str_equal (a, b);
}

guint32
idg_broker_allowed_kinds (IdgBroker          *broker,
                          const IdgIdentity  *identity,
                          gchar             **grant_ids)
{
  return idg_store_allowed_kinds (broker->store, identity, now_s (), grant_ids);
}

void
idg_broker_guard_begin (IdgBroker         *broker,
                        const IdgIdentity *identity,
                        IdgGuard          *guard)
{
  /* grants are looked at now, per message: a revoke counts from the next one */
  guint32 allowed = idg_store_allowed_kinds (broker->store, identity, now_s (), NULL);

  /* fail closed: nothing is released that the audit could not record */
  if (allowed != 0 && !idg_audit_can_release (broker->audit))
    allowed = 0;

  idg_guard_init (guard, allowed, broker->config->policy,
                  idg_store_get_secret (broker->store),
                  identity != NULL ? identity->service : "unknown");
}

void
idg_broker_guard_end (IdgBroker         *broker,
                      const IdgIdentity *identity,
                      const gchar       *door,
                      const IdgGuard    *guard)
{
  g_autofree gchar *grant_ids = NULL;
  guint d;
  gboolean released = FALSE;

  if (idg_guard_empty (guard))
    return;
  for (d = 0; d < IDG_GUARD_SLOTS; d++)
    released |= guard->tally[d][IDG_DECISION_RELEASE] > 0;
  if (released)
    idg_store_allowed_kinds (broker->store, identity, now_s (), &grant_ids);
  idg_audit_add_guard (broker->audit, identity, door, grant_ids, guard);
}

void
idg_broker_add_door (IdgBroker          *broker,
                     const gchar        *name,
                     const gchar        *address,
                     IdgBrokerCountFunc  n_clients,
                     gpointer            door)
{
  Door *d = g_new0 (Door, 1);

  idg_broker_remove_door (broker, name);
  d->name = g_strdup (name);
  d->address = g_strdup (address);
  d->n_clients = n_clients;
  d->door = door;
  g_ptr_array_add (broker->doors, d);
  emit (broker, IDG_BROKER_EVENT_STATUS, name);
}

void
idg_broker_remove_door (IdgBroker   *broker,
                        const gchar *name)
{
  guint i;

  for (i = 0; i < broker->doors->len; i++)
    if (g_str_equal (((Door *) g_ptr_array_index (broker->doors, i))->name, name)) {
      g_ptr_array_remove_index (broker->doors, i);
      return;
    }
}

void
idg_broker_set_component_state (IdgBroker   *broker,
                                const gchar *name,
                                const gchar *state)
{
  if (g_strcmp0 (g_hash_table_lookup (broker->components, name), state) == 0)
    return;
  g_hash_table_insert (broker->components, g_strdup (name), g_strdup (state));
  emit (broker, IDG_BROKER_EVENT_STATUS, name);
}

/* ---- identifiers from the backends ---- */

void
idg_broker_set_identifier (IdgBroker   *broker,
                           const gchar *source,
                           IdgKind      kind,
                           const gchar *value)
{
  if (!idg_ids_set (broker->ids, source, kind, value))
    return;
  g_debug ("%s: %s now %s", source, idg_kind_to_string (kind), idg_personal (value));
  emit (broker, IDG_BROKER_EVENT_IDENTIFIERS, idg_kind_to_string (kind));
}

void
idg_broker_clear_identifiers (IdgBroker   *broker,
                              const gchar *source)
{
  if (!idg_ids_clear_source (broker->ids, source))
    return;
  g_debug ("%s: identifiers cleared", source);
  emit (broker, IDG_BROKER_EVENT_IDENTIFIERS, NULL);
}

void
idg_broker_set_modem_state (IdgBroker   *broker,
                            const gchar *source,
                            const gchar *state)
{
  if (g_strcmp0 (idg_ids_get_state (broker->ids, source), state) == 0)
    return;
  idg_ids_set_state (broker->ids, source, state);
  g_message ("modem %s: %s", source, state != NULL ? state : "(none)");
  emit (broker, IDG_BROKER_EVENT_STATUS, source);
}

/* ---- the API read ---- */

gchar *
idg_broker_read_identifier (IdgBroker          *broker,
                            const IdgIdentity  *identity,
                            IdgKind             kind,
                            const gchar        *token,
                            const gchar        *door,
                            GError            **error)
{
  g_autofree gchar *grant_id = NULL;
  IdgRefusal refusal = IDG_REFUSAL_NONE;
  const gchar *kind_name = idg_kind_to_string (kind);
  gchar *value;

  if (!idg_store_check_token (broker->store, identity, kind, token, now_s (),
                              &grant_id, &refusal, error)) {
    idg_audit_add_coalesced (broker->audit, identity, door, kind_name, grant_id,
                             IDG_DECISION_REFUSE, 1, idg_refusal_to_string (refusal));
    return NULL;
  }
  value = idg_ids_dup_value (broker->ids, kind, NULL);
  if (value == NULL) {
    g_set_error (error, IDG_BROKER_ERROR, IDG_BROKER_ERROR_UNAVAILABLE,
                 "%s is not known: no modem has reported it", kind_name);
    return NULL;
  }
  /* on disk before the value leaves (idg-audit.h, "Durability") */
  if (!idg_audit_add_coalesced (broker->audit, identity, door, kind_name, grant_id,
                                IDG_DECISION_RELEASE, 1, NULL)) {
    idg_ids_value_free (value);
    g_set_error (error, IDG_BROKER_ERROR, IDG_BROKER_ERROR_FAILED,
                 "the audit log cannot record this read (see the broker's log); refused");
    return NULL;
  }
  return value;
}

/* ---- status ---- */

GVariant *
idg_broker_get_status (IdgBroker *broker)
{
  GVariantBuilder b, modems, doors, comps, kinds;
  g_auto(GStrv) sources = idg_ids_list_sources (broker->ids);
  guint32 known = idg_ids_known_mask (broker->ids);
  GHashTableIter it;
  gpointer k, v;
  guint i;

  g_variant_builder_init (&modems, G_VARIANT_TYPE ("a{ss}"));
  for (i = 0; sources[i] != NULL; i++) {
    const gchar *st = idg_ids_get_state (broker->ids, sources[i]);
    g_variant_builder_add (&modems, "{ss}", sources[i], st != NULL ? st : "unknown");
  }
  g_variant_builder_init (&doors, G_VARIANT_TYPE ("a{s(su)}"));
  for (i = 0; i < broker->doors->len; i++) {
    Door *d = g_ptr_array_index (broker->doors, i);
    g_variant_builder_add (&doors, "{s(su)}", d->name, d->address != NULL ? d->address : "",
                           d->n_clients != NULL ? d->n_clients (d->door) : 0);
  }
  g_variant_builder_init (&comps, G_VARIANT_TYPE ("a{ss}"));
  g_hash_table_iter_init (&it, broker->components);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_variant_builder_add (&comps, "{ss}", (const gchar *) k, (const gchar *) v);
  g_variant_builder_init (&kinds, G_VARIANT_TYPE ("as"));
  for (i = 0; i < IDG_KIND_COUNT; i++)
    if (known & IDG_KIND_BIT (i))
      g_variant_builder_add (&kinds, "s", idg_kind_to_string ((IdgKind) i));

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&b, "{sv}", "version", g_variant_new_string (IDG_VERSION));
  g_variant_builder_add (&b, "{sv}", "policy",
                         g_variant_new_string (idg_policy_to_string (broker->config->policy)));
  g_variant_builder_add (&b, "{sv}", "state-dir", g_variant_new_string (broker->config->state_dir));
  g_variant_builder_add (&b, "{sv}", "modems", g_variant_builder_end (&modems));
  g_variant_builder_add (&b, "{sv}", "doors", g_variant_builder_end (&doors));
  g_variant_builder_add (&b, "{sv}", "components", g_variant_builder_end (&comps));
  g_variant_builder_add (&b, "{sv}", "identifiers", g_variant_builder_end (&kinds));
  g_variant_builder_add (&b, "{sv}", "grants-active",
                         g_variant_new_uint32 (idg_store_count_active (broker->store, now_s ())));
  g_variant_builder_add (&b, "{sv}", "grants-total",
                         g_variant_new_uint32 (idg_store_count_grants (broker->store)));
  g_variant_builder_add (&b, "{sv}", "requests-pending",
                         g_variant_new_uint32 (idg_store_count_pending (broker->store)));
  return g_variant_builder_end (&b);
}
