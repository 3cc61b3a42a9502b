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
  IdgTripwire *tripwire[2];   /* text (AT), binary; built on first use */
  guint64     tripwire_generation; /* of the identifier table they were built from */
  guint64     tripwire_hits;
  guint32     awaiting;       /* SIM kinds cleared and not read again */
  gint64      awaiting_since; /* monotonic usec */
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
  idg_store_set_retention (broker->store, config->store_retain_past);
  {
    guint dropped = idg_store_apply_retention (broker->store, g_get_real_time () / G_USEC_PER_SEC);

    if (dropped > 0)
      g_message ("consent store: %u past grant(s) revoked or expired longer ago than "
                 "[store] retain-past dropped (the audit log keeps their history)", dropped);
  }
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
  g_clear_pointer (&broker->tripwire[0], idg_tripwire_free);
  g_clear_pointer (&broker->tripwire[1], idg_tripwire_free);
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
  /* a QRTR node is a name, not a file: only its canonical spelling */
  if (g_str_has_prefix (port, IDG_CONFIG_QRTR_PREFIX) || !g_path_is_absolute (path))
    return FALSE;
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

static void
await (IdgBroker *broker,
       guint32    kinds)
{
  kinds &= IDG_KIND_MASK_SIM;
  if (kinds == 0)
    return;
  if (broker->awaiting == 0)
    g_message ("SIM values cleared: unknown digit runs masked until they are read again");
  broker->awaiting |= kinds;
  broker->awaiting_since = g_get_monotonic_time ();
}

gboolean
idg_broker_ids_settled (IdgBroker *broker,
                        guint32   *awaiting)
{
  if (broker->awaiting != 0 &&
      g_get_monotonic_time () - broker->awaiting_since >= IDG_BROKER_SETTLE_TIMEOUT * G_USEC_PER_SEC) {
    g_message ("SIM values not read again within %d s: settled without them", IDG_BROKER_SETTLE_TIMEOUT);
    broker->awaiting = 0;
  }
  if (awaiting != NULL)
    *awaiting = broker->awaiting;
  return broker->awaiting == 0;
}

void
idg_broker_sim_changed (IdgBroker   *broker,
                        const gchar *source)
{
  await (broker, idg_ids_source_mask (broker->ids, source));
}

void
idg_broker_set_identifier (IdgBroker   *broker,
                           const gchar *source,
                           IdgKind      kind,
                           const gchar *value)
{
  gboolean had = (idg_ids_source_mask (broker->ids, source) & IDG_KIND_BIT (kind)) != 0;

  if (value != NULL && *value != '\0')
    broker->awaiting &= ~IDG_KIND_BIT (kind);
  else if (had)
    await (broker, IDG_KIND_BIT (kind));
  if (!idg_ids_set (broker->ids, source, kind, value))
    return;
  g_debug ("%s: %s now %s", source, idg_kind_to_string (kind), idg_personal (value));
  emit (broker, IDG_BROKER_EVENT_IDENTIFIERS, idg_kind_to_string (kind));
}

void
idg_broker_clear_identifiers (IdgBroker   *broker,
                              const gchar *source)
{
  await (broker, idg_ids_source_mask (broker->ids, source));
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

/* ---- the value tripwire ---- */

static IdgTripwire *
tripwire_for (IdgBroker *broker,
              gboolean   binary)
{
  guint64 gen = idg_ids_get_generation (broker->ids);
  guint k, i;

  if (broker->tripwire_generation != gen) {
    g_clear_pointer (&broker->tripwire[0], idg_tripwire_free);
    g_clear_pointer (&broker->tripwire[1], idg_tripwire_free);
    broker->tripwire_generation = gen;
  }
  if (broker->tripwire[binary] == NULL) {
    IdgTripwire *tw = idg_tripwire_new (binary);

    for (k = 0; k < IDG_KIND_COUNT; k++) {
      GPtrArray *seen = idg_ids_seen (broker->ids, (IdgKind) k);

      for (i = 0; i < seen->len; i++)
        if (!idg_tripwire_add (tw, (IdgKind) k, g_ptr_array_index (seen, i)))
          g_debug ("tripwire: a %s value too short or malformed to look for", idg_kind_to_string ((IdgKind) k));
    }
    g_debug ("tripwire (%s): %u patterns, %u states", binary ? "binary" : "text",
             idg_tripwire_n_patterns (tw), idg_tripwire_n_states (tw));
    broker->tripwire[binary] = tw;
  }
  return broker->tripwire[binary];
}

/* The route as the audit log may show it: printable, short, and gone over
 * by the tripwire (a route is made of client and modem bytes). */
static gchar *
route_for_audit (IdgBroker   *broker,
                 const gchar *route)
{
  gchar *r = g_strndup (route != NULL && *route != '\0' ? route : "?", 48);
  gsize n = strlen (r), i;

  for (i = 0; i < n; i++)
    if (!g_ascii_isprint (r[i]) || r[i] == '"' || r[i] == '\\')
      r[i] = '?';
  idg_tripwire_scan (tripwire_for (broker, FALSE), 0, (guint8 *) r, n, NULL);
  idg_tripwire_mask_unknown (tripwire_for (broker, FALSE), 0, IDG_KIND_MASK_SIM, (guint8 *) r, n);
  return r;
}

guint32
idg_broker_guard_scan (IdgBroker         *broker,
                       const IdgIdentity *identity,
                       IdgGuard          *guard,
                       const gchar       *door,
                       const gchar       *route,
                       guint8            *buf,
                       gsize              len)
{
  gboolean binary = g_strcmp0 (door, IDG_DOOR_AT) != 0;
  IdgTripwire *tw = tripwire_for (broker, binary);
  IdgTripwireHits hits;
  g_autofree gchar *where = NULL;
  guint32 allowed = IDG_KIND_MASK_ALL, awaiting = 0, masked;
  guint unknown = 0, k;

  if (guard != NULL) {
    allowed = guard->allowed;
  } else {
    /* most messages hold nothing: the grants are looked up on a hit only,
     * and a message with no hit (all identifiers known) is scanned once */
    idg_tripwire_scan (tw, IDG_KIND_MASK_ALL, buf, len, &hits);
    if (hits.found == 0 && idg_broker_ids_settled (broker, NULL))
      return 0;
    allowed = idg_broker_allowed_kinds (broker, identity, NULL);
    /* as idg_broker_guard_begin: nothing released the audit cannot record */
    if (allowed != 0 && !idg_audit_can_release (broker->audit))
      allowed = 0;
  }
  masked = idg_tripwire_scan (tw, allowed, buf, len, &hits);
  if (!idg_broker_ids_settled (broker, &awaiting))
    unknown = idg_tripwire_mask_unknown (tw, allowed, awaiting, buf, len);
  if (masked == 0 && unknown == 0)
    return 0;

  broker->tripwire_hits++;
  where = route_for_audit (broker, route);
  for (k = 0; k < IDG_KIND_COUNT; k++)
    if (masked & IDG_KIND_BIT (k)) {
      g_message ("tripwire: %s masked in a message of %s to %s (route %s)",
                 idg_kind_to_string ((IdgKind) k), door,
                 identity != NULL ? identity->service : "unknown", where);
      idg_audit_add_tripwire (broker->audit, identity, door, where,
                              idg_kind_to_string ((IdgKind) k), 1);
    }
  if (unknown > 0)
    idg_audit_add_tripwire (broker->audit, identity, door, where, IDG_AUDIT_KIND_UNREAD, 1);
  return masked;
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
  g_variant_builder_add (&b, "{sv}", "tripwire-hits", g_variant_new_uint64 (broker->tripwire_hits));
  g_variant_builder_add (&b, "{sv}", "ids-settled", g_variant_new_boolean (idg_broker_ids_settled (broker, NULL)));
  g_variant_builder_add (&b, "{sv}", "grants-active",
                         g_variant_new_uint32 (idg_store_count_active (broker->store, now_s ())));
  g_variant_builder_add (&b, "{sv}", "grants-total",
                         g_variant_new_uint32 (idg_store_count_grants (broker->store)));
  g_variant_builder_add (&b, "{sv}", "requests-pending",
                         g_variant_new_uint32 (idg_store_count_pending (broker->store)));
  return g_variant_builder_end (&b);
}
