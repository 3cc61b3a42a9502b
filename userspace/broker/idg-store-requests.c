// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Consent requests: a service asks (its kernel identity gives the request's
 * selector), an admin approves or denies, the requester alone claims the
 * token once. See idg-store.h.
 *
 * Budgets (docs/threat-model.md): a uid has at most request_per_uid
 * pending requests; its next one supersedes its own oldest, in the same
 * journal record, so that a uid flooding requests only ever displaces its
 * own. A pending request expires request_lifetime seconds after it was
 * made: expiry is checked before every change of the requests, on the
 * API's timer, and at start (created times are in the store), so that a
 * restart does not revive what had expired.
 */
#include "idg-store-private.h"

#include <string.h>

#include "idg-token.h"

#define DEFAULT_PER_UID   4
#define DEFAULT_LIFETIME  (24 * 3600)
#define MAX_REQUESTS 4096

typedef IdgStoreGrant Grant;

/* Keeps the request list bounded: the oldest decided request to forget
 * when a new one comes, or NULL. An approved request waits for its
 * requester's claim: never forgotten here. */
static const gchar *
request_to_drop (IdgStore *store)
{
  guint i;

  if (store->requests->len < MAX_REQUESTS)
    return NULL;
  for (i = 0; i < store->requests->len; i++) {
    IdgRequest *r = g_ptr_array_index (store->requests, i);

    if (r->state != IDG_REQUEST_PENDING && r->state != IDG_REQUEST_APPROVED)
      return r->id;
  }
  return NULL;
}

void
idg_store_set_request_limits (IdgStore *store,
                              guint     pending_per_uid,
                              gint64    lifetime)
{
  store->request_per_uid = pending_per_uid;
  store->request_lifetime = lifetime;
}

static guint
per_uid (IdgStore *store)
{
  return store->request_per_uid > 0 ? store->request_per_uid : DEFAULT_PER_UID;
}

static gint64
lifetime (IdgStore *store)
{
  return store->request_lifetime > 0 ? store->request_lifetime : DEFAULT_LIFETIME;
}

/* The uid of the request's selector (every request's selector has one:
 * idg_selector_for_identity). */
static gboolean
request_uid (const IdgRequest *r,
             uid_t            *uid)
{
  g_autoptr(IdgSelector) sel = idg_selector_parse (r->selector, NULL);

  if (sel == NULL || !sel->has_uid)
    return FALSE;
  *uid = sel->uid;
  return TRUE;
}

gint64
idg_store_next_request_expiry (IdgStore *store)
{
  gint64 next = 0;
  guint i;

  for (i = 0; i < store->requests->len; i++) {
    IdgRequest *r = g_ptr_array_index (store->requests, i);

    if (r->state == IDG_REQUEST_PENDING && (next == 0 || r->created + lifetime (store) < next))
      next = r->created + lifetime (store);
  }
  return next;
}

guint
idg_store_expire_requests (IdgStore *store,
                           gint64    now)
{
  g_autoptr(GPtrArray) due = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  guint i;

  for (i = 0; i < store->requests->len; i++) {
    IdgRequest *r = g_ptr_array_index (store->requests, i);

    if (r->state == IDG_REQUEST_PENDING && r->created + lifetime (store) <= now)
      g_ptr_array_add (due, r);
  }
  if (due->len == 0)
    return 0;
  for (i = 0; i < due->len; i++) {
    IdgRequest *r = g_ptr_array_index (due, i);

    r->state = IDG_REQUEST_EXPIRED;
    r->decided = now;
  }
  if (!idg_store_commit (store, NULL, 0, (IdgRequest *const *) due->pdata, due->len, NULL, &error)) {
    for (i = 0; i < due->len; i++) {
      IdgRequest *r = g_ptr_array_index (due, i);

      r->state = IDG_REQUEST_PENDING;
      r->decided = 0;
    }
    g_warning ("consent store: expired requests not saved (tried again later): %s", error->message);
    return 0;
  }
  g_message ("consent store: %u request(s) expired undecided", due->len);
  idg_store_notify (store, "requests", NULL);
  return due->len;
}

gboolean
idg_store_add_request (IdgStore          *store,
                       const IdgIdentity *requester,
                       guint32            scopes,
                       const gchar       *purpose,
                       gint64             now,
                       gchar            **request_id,
                       GError           **error)
{
  g_autoptr(IdgSelector) sel = idg_selector_for_identity (requester);
  g_autofree gchar *drop = NULL;
  IdgRequest *changed[2], *oldest = NULL, *oldest_gone = NULL, *r;
  guint i, pending = 0, gone = 0, n = 0;

  if (sel == NULL || !sel->has_uid) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_INVALID,
                 "a request needs a caller with kernel credentials");
    return FALSE;
  }
  if (!idg_store_check_args (scopes, purpose, 0, error))
    return FALSE;
  idg_store_expire_requests (store, now);
  for (i = 0; i < store->requests->len; i++) {
    uid_t uid;

    r = g_ptr_array_index (store->requests, i);
    if ((r->state != IDG_REQUEST_PENDING && r->state != IDG_REQUEST_SUPERSEDED &&
         r->state != IDG_REQUEST_EXPIRED) || !request_uid (r, &uid) || uid != sel->uid)
      continue;
    if (r->state != IDG_REQUEST_PENDING) {
      gone++;
      if (oldest_gone == NULL)
        oldest_gone = r;
      continue;
    }
    pending++;
    if (oldest == NULL)
      oldest = r;   /* the list is in creation order */
  }
  r = g_new0 (IdgRequest, 1);
  r->id = idg_store_new_id (store, 'r', error);
  if (r->id == NULL) {
    idg_request_free (r);
    return FALSE;
  }
  r->selector = idg_selector_to_string (sel);
  r->requester = idg_identity_describe (requester);
  r->service = g_strdup (requester->service);
  r->scopes = scopes;
  r->purpose = g_strdup (purpose);
  r->state = IDG_REQUEST_PENDING;
  r->created = now;
  changed[n++] = r;
  /* a uid keeps at most per_uid superseded or expired requests of its own
   * (its flood is forgotten, not others' history); else the list's bound */
  if (pending >= per_uid (store) && gone >= per_uid (store))
    drop = g_strdup (oldest_gone->id);
  else
    drop = g_strdup (request_to_drop (store));   /* a decided one: never oldest */
  if (pending >= per_uid (store)) {
    oldest->state = IDG_REQUEST_SUPERSEDED;
    oldest->decided = now;
    changed[n++] = oldest;
  }
  idg_store_put_request (store, r);
  if (!idg_store_commit (store, NULL, 0, changed, n, drop, error)) {
    if (n == 2) {
      oldest->state = IDG_REQUEST_PENDING;
      oldest->decided = 0;
    }
    idg_store_drop_request (store, r->id);
    return FALSE;
  }
  if (drop != NULL)
    idg_store_drop_request (store, drop);
  if (request_id != NULL)
    *request_id = g_strdup (r->id);
  if (n == 2)
    idg_store_notify (store, "requests", oldest->id);
  idg_store_notify (store, "requests", r->id);
  return TRUE;
}

static IdgRequest *
find_request (IdgStore     *store,
              const gchar  *request_id,
              GError      **error)
{
  IdgRequest *r = request_id != NULL ? g_hash_table_lookup (store->request_by_id, request_id) : NULL;

  if (r == NULL)
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_NOT_FOUND, "no such request");
  return r;
}

static gboolean
require_state (IdgRequest       *r,
               IdgRequestState   state,
               GError          **error)
{
  if (r->state != state) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_STATE,
                 "request %s is %s, not %s", r->id,
                 idg_request_state_to_string (r->state), idg_request_state_to_string (state));
    return FALSE;
  }
  return TRUE;
}

gboolean
idg_store_approve_request (IdgStore     *store,
                           const gchar  *request_id,
                           gint64        ttl,
                           gint64        now,
                           gchar       **grant_id,
                           gchar       **token_out,
                           GError      **error)
{
  IdgRequest *r;
  g_autoptr(IdgSelector) sel = NULL;
  gchar *token = NULL;
  gchar gid[IDG_STORE_ID_LEN + 1];
  Grant *g;

  idg_store_expire_requests (store, now);
  r = find_request (store, request_id, error);
  if (r == NULL || !require_state (r, IDG_REQUEST_PENDING, error) ||
      !idg_store_check_args (r->scopes, r->purpose, ttl, error))
    return FALSE;
  sel = idg_selector_parse (r->selector, error);
  if (sel == NULL)
    return FALSE;
  g = idg_store_make_grant (store, sel, r->scopes, r->purpose, ttl, now,
                            token_out != NULL ? &token : NULL, error);
  if (g == NULL)
    return FALSE;
  idg_store_parse_id (r->id, 'r', &g->request);
  g->flags |= IDG_STORE_GRANT_HAS_REQUEST;
  if (!idg_store_put_grant (store, g)) {
    idg_token_free (token);
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO, "token collision");
    return FALSE;
  }
  r->state = IDG_REQUEST_APPROVED;
  r->decided = now;
  idg_store_format_id (gid, 'g', g->id);
  r->grant_id = g_strdup (gid);
  if (!idg_store_commit (store, &g, 1, &r, 1, NULL, error)) {
    r->state = IDG_REQUEST_PENDING;
    r->decided = 0;
    g_clear_pointer (&r->grant_id, g_free);
    idg_store_remove_grant (store, g);
    idg_token_free (token);
    return FALSE;
  }
  if (grant_id != NULL)
    *grant_id = g_strdup (gid);
  if (token_out != NULL)
    *token_out = token;
  idg_store_notify (store, "grants", gid);
  idg_store_notify (store, "requests", r->id);
  return TRUE;
}

gboolean
idg_store_deny_request (IdgStore     *store,
                        const gchar  *request_id,
                        gint64        now,
                        GError      **error)
{
  IdgRequest *r;

  idg_store_expire_requests (store, now);
  r = find_request (store, request_id, error);
  if (r == NULL || !require_state (r, IDG_REQUEST_PENDING, error))
    return FALSE;
  r->state = IDG_REQUEST_DENIED;
  r->decided = now;
  if (!idg_store_commit (store, NULL, 0, &r, 1, NULL, error)) {
    r->state = IDG_REQUEST_PENDING;
    r->decided = 0;
    return FALSE;
  }
  idg_store_notify (store, "requests", r->id);
  return TRUE;
}

gboolean
idg_store_claim_request (IdgStore          *store,
                         const gchar       *request_id,
                         const IdgIdentity *caller,
                         gint64             now,
                         gchar            **grant_id,
                         gchar            **token_out,
                         GError           **error)
{
  IdgRequest *r = find_request (store, request_id, error);
  g_autoptr(IdgSelector) sel = NULL;
  g_autofree gchar *hex = NULL;
  guint8 old_hash[IDG_STORE_HASH_BYTES], new_hash[IDG_STORE_HASH_BYTES];
  gchar gid[IDG_STORE_ID_LEN + 1];
  gboolean had_hash;
  gchar *token;
  Grant *g;

  if (r == NULL)
    return FALSE;
  sel = idg_selector_parse (r->selector, NULL);
  if (sel == NULL || !idg_selector_matches (sel, caller)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_REFUSED,
                 "no consent: only the requester can claim request %s", r->id);
    return FALSE;
  }
  if (!require_state (r, IDG_REQUEST_APPROVED, error))
    return FALSE;
  g = r->grant_id != NULL ? idg_store_find_grant (store, r->grant_id) : NULL;
  if (g == NULL || (g->flags & IDG_STORE_GRANT_REVOKED) || (g->expires != 0 && now >= g->expires)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_REFUSED,
                 "no consent: the grant of request %s is no longer active", r->id);
    return FALSE;
  }
  token = idg_token_new (error);
  if (token == NULL)
    return FALSE;
  had_hash = (g->flags & IDG_STORE_GRANT_HAS_HASH) != 0;
  memcpy (old_hash, g->token_hash, sizeof old_hash);
  hex = idg_token_hash (token);
  idg_store_hash_from_hex (hex, new_hash);
  idg_wipe (hex, strlen (hex));
  idg_store_set_token_hash (store, g, new_hash);
  r->state = IDG_REQUEST_CLAIMED;
  if (!idg_store_commit (store, &g, 1, &r, 1, NULL, error)) {
    r->state = IDG_REQUEST_APPROVED;
    idg_store_set_token_hash (store, g, had_hash ? old_hash : NULL);
    idg_token_free (token);
    return FALSE;
  }
  idg_store_format_id (gid, 'g', g->id);
  if (grant_id != NULL)
    *grant_id = g_strdup (gid);
  if (token_out != NULL)
    *token_out = token;
  else
    idg_token_free (token);
  idg_store_notify (store, "grants", gid);     /* its token hash changed */
  idg_store_notify (store, "requests", r->id);
  return TRUE;
}

GPtrArray *
idg_store_list_requests (IdgStore *store)
{
  GPtrArray *out = g_ptr_array_new_full (store->requests->len, (GDestroyNotify) idg_request_free);
  guint i;

  for (i = 0; i < store->requests->len; i++)
    g_ptr_array_add (out, idg_request_copy (g_ptr_array_index (store->requests, i)));
  return out;
}

IdgRequest *
idg_store_lookup_request (IdgStore    *store,
                          const gchar *request_id)
{
  IdgRequest *r = request_id != NULL ? g_hash_table_lookup (store->request_by_id, request_id) : NULL;

  return r != NULL ? idg_request_copy (r) : NULL;
}

guint
idg_store_count_pending (IdgStore *store)
{
  guint i, n = 0;

  for (i = 0; i < store->requests->len; i++)
    n += ((IdgRequest *) g_ptr_array_index (store->requests, i))->state == IDG_REQUEST_PENDING;
  return n;
}

