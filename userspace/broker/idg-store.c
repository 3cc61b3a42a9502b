// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The consent store's model: grants (creation order, by id, by token hash,
 * and an index by the most specific item of their selector) and requests,
 * and the operations on them. Every change is first made in memory, then
 * made durable (idg-store-disk.c: a journal line, fdatasync) and only then
 * acknowledged; if it cannot be made durable it is undone in memory.
 * STATE_DIR/secret holds the device secret (32 bytes, 0600).
 */
#include "idg-store-private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gio.h>

#include "idg-token.h"

G_DEFINE_QUARK (idg-store-error-quark, idg_store_error)

#define STORE_FILE   "store.json"
#define JOURNAL_FILE "store.journal"
#define SECRET_FILE  "secret"
#define MAX_TTL      (100 * 365 * 24 * 3600LL)
#define DEFAULT_JOURNAL_LIMIT 4096

typedef IdgStoreGrant Grant;

static const gchar *const request_states[] = {
  "pending", "approved", "denied", "claimed", "expired", "superseded",
};

const gchar *
idg_request_state_to_string (IdgRequestState state)
{
  return (guint) state < G_N_ELEMENTS (request_states) ? request_states[state] : "invalid";
}

gboolean
idg_request_state_from_string (const gchar     *str,
                               IdgRequestState *out)
{
  guint s;

  for (s = 0; str != NULL && s < G_N_ELEMENTS (request_states); s++)
    if (g_str_equal (str, request_states[s])) {
      *out = (IdgRequestState) s;
      return TRUE;
    }
  return FALSE;
}

const gchar *
idg_refusal_to_string (IdgRefusal refusal)
{
  switch (refusal) {
  case IDG_REFUSAL_NONE:      return "none";
  case IDG_REFUSAL_BAD_TOKEN: return "bad-token";
  case IDG_REFUSAL_SELECTOR:  return "selector-mismatch";
  case IDG_REFUSAL_EXPIRED:   return "expired";
  case IDG_REFUSAL_REVOKED:   return "revoked";
  case IDG_REFUSAL_SCOPE:     return "not-in-scope";
  }
  return "invalid";
}

gboolean
idg_store_valid_text (const gchar *text)
{
  const gchar *p;

  if (text == NULL || *text == '\0' || strlen (text) > IDG_STORE_MAX_PURPOSE ||
      !g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

/* ---- grants in memory (the record and its sets: idg-store-grant.c) ---- */

IdgGrant *
idg_grant_copy (const IdgGrant *grant)
{
  IdgGrant *c = g_new0 (IdgGrant, 1);

  *c = *grant;
  c->id = g_strdup (grant->id);
  c->selector = g_strdup (grant->selector);
  c->purpose = g_strdup (grant->purpose);
  c->request_id = g_strdup (grant->request_id);
  return c;
}

void
idg_grant_free (IdgGrant *grant)
{
  if (grant == NULL)
    return;
  g_free (grant->id);
  g_free (grant->selector);
  g_free (grant->purpose);
  g_free (grant->request_id);
  g_free (grant);
}

gboolean
idg_grant_is_active (const IdgGrant *grant,
                     gint64          now)
{
  return !grant->revoked && (grant->expires == 0 || now < grant->expires);
}

static gboolean
is_active (const Grant *g,
           gint64       now)
{
  return !(g->flags & IDG_STORE_GRANT_REVOKED) && (g->expires == 0 || now < g->expires);
}

/* ---- requests in memory ---- */

IdgRequest *
idg_request_copy (const IdgRequest *request)
{
  IdgRequest *c = g_new0 (IdgRequest, 1);

  *c = *request;
  c->id = g_strdup (request->id);
  c->selector = g_strdup (request->selector);
  c->requester = g_strdup (request->requester);
  c->service = g_strdup (request->service);
  c->purpose = g_strdup (request->purpose);
  c->grant_id = g_strdup (request->grant_id);
  return c;
}

void
idg_request_free (IdgRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->id);
  g_free (request->selector);
  g_free (request->requester);
  g_free (request->service);
  g_free (request->purpose);
  g_free (request->grant_id);
  g_free (request);
}

/* Takes r; replaces a request with the same id in place. */
void
idg_store_put_request (IdgStore   *store,
                       IdgRequest *r)
{
  IdgRequest *old = g_hash_table_lookup (store->request_by_id, r->id);
  IdgRequest tmp;

  if (old == NULL) {
    g_ptr_array_add (store->requests, r);
    g_hash_table_insert (store->request_by_id, r->id, r);
    return;
  }
  tmp = *old;
  *old = *r;
  *r = tmp;
  g_hash_table_replace (store->request_by_id, old->id, old);
  idg_request_free (r);
}

void
idg_store_drop_request (IdgStore    *store,
                        const gchar *request_id)
{
  IdgRequest *r = g_hash_table_lookup (store->request_by_id, request_id);

  if (r == NULL)
    return;
  g_hash_table_remove (store->request_by_id, request_id);
  g_ptr_array_remove (store->requests, r);   /* frees */
}

/* ---- the store object ---- */

IdgStore *
idg_store_new_empty (void)
{
  IdgStore *store = g_new0 (IdgStore, 1);

  store->lock_fd = -1;
  store->journal_fd = -1;
  store->journal_limit = DEFAULT_JOURNAL_LIMIT;
  store->grants = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_store_grant_free_internal);
  idg_store_grant_sets_new (store);
  store->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_request_free);
  store->request_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  return store;
}

void
idg_store_clear_all (IdgStore *store)
{
  g_hash_table_remove_all (store->index);
  g_hash_table_remove_all (store->grant_by_hash);
  g_hash_table_remove_all (store->grant_by_id);
  g_ptr_array_set_size (store->grants, 0);
  g_hash_table_remove_all (store->request_by_id);
  g_ptr_array_set_size (store->requests, 0);
}

void
idg_store_free (IdgStore *store)
{
  if (store == NULL)
    return;
  idg_store_clear_all (store);
  g_hash_table_unref (store->index);
  g_hash_table_unref (store->grant_by_hash);
  g_hash_table_unref (store->grant_by_id);
  g_ptr_array_unref (store->grants);
  g_hash_table_unref (store->request_by_id);
  g_ptr_array_unref (store->requests);
  idg_wipe (store->secret, sizeof store->secret);
  idg_store_disk_close (store);
  g_free (store->dir);
  g_free (store);
}

void
idg_store_set_notify (IdgStore       *store,
                      IdgStoreNotify  notify,
                      gpointer        user_data)
{
  store->notify = notify;
  store->notify_data = user_data;
}

void
idg_store_set_journal_limit (IdgStore *store,
                             guint     n_records)
{
  store->journal_limit = MAX (n_records, 1);
}

void
idg_store_notify (IdgStore    *store,
                  const gchar *what,
                  const gchar *id)
{
  if (store->notify != NULL)
    store->notify (store, what, id, store->notify_data);
}

const guint8 *
idg_store_get_secret (IdgStore *store)
{
  return store->secret;
}

/* The clock of the retention: what the last idg_store_apply_retention was
 * given if it was later than the wall clock (tests move time), else the
 * wall clock. */
static gint64
now_for_retention (IdgStore *store)
{
  return MAX (store->retention_now, g_get_real_time () / G_USEC_PER_SEC);
}

/* Makes the changed records durable; compacts the journal when it has
 * grown past max(limit, records in the snapshot), so that the snapshot
 * writes cost O(1) per change amortized. Nothing to do in memory only. */
gboolean
idg_store_commit (IdgStore           *store,
                  Grant *const       *grants,
                  guint               n_grants,
                  IdgRequest *const  *requests,
                  guint               n_requests,
                  const gchar        *drop_request,
                  GError            **error)
{
  g_autoptr(GError) local = NULL;

  if (store->dir == NULL)
    return TRUE;
  if (store->broken) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO,
                 "consent store in a failed state after a write error; restart the broker");
    return FALSE;
  }
  if (!idg_store_disk_append (store, grants, n_grants, requests, n_requests, drop_request, error))
    return FALSE;
  /* an eighth of the snapshot: bounds the journal a start-up replays
   * (JSON, ~30 us a record) while a snapshot costs O(8) records a change */
  if (store->journal_lines >= MAX (store->journal_limit, store->snapshot_records / 8)) {
    idg_store_drop_past (store, now_for_retention (store));
    if (!idg_store_disk_rewrite (store, &local))
      g_warning ("consent store: compaction failed (changes stay in the journal): %s", local->message);
  }
  return TRUE;
}

guint
idg_store_apply_retention (IdgStore *store,
                           gint64    now)
{
  g_autoptr(GError) local = NULL;
  guint dropped;

  store->retention_now = now;
  dropped = idg_store_drop_past (store, now);
  if (dropped > 0 && store->dir != NULL && !idg_store_disk_rewrite (store, &local))
    g_warning ("consent store: %u past grant(s) dropped in memory, but the snapshot was not "
               "written (dropped again at the next compaction): %s", dropped, local->message);
  return dropped;
}

/* ---- loading ---- */

static gboolean
load_secret (IdgStore  *store,
             GError   **error)
{
  g_autofree gchar *path = g_build_filename (store->dir, SECRET_FILE, NULL);
  g_autoptr(GError) local = NULL;
  gchar *data = NULL;
  gsize len = 0;

  if (g_file_get_contents (path, &data, &len, &local)) {
    gboolean ok = len == IDG_SECRET_LEN;

    if (ok)
      memcpy (store->secret, data, IDG_SECRET_LEN);
    idg_wipe (data, len);
    g_free (data);
    if (!ok)
      g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT,
                   "%s: not %d bytes", path, IDG_SECRET_LEN);
    return ok;
  }
  if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  return idg_random_bytes (store->secret, IDG_SECRET_LEN, error) &&
         idg_store_write_atomic (store->dir, SECRET_FILE, store->secret, IDG_SECRET_LEN, error);
}

/* Temp files of writes a crash interrupted: never acknowledged, dropped. */
static void
remove_stale_temps (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    if (g_str_has_prefix (name, "." STORE_FILE ".") || g_str_has_prefix (name, "." SECRET_FILE ".") ||
        g_str_has_prefix (name, "." JOURNAL_FILE ".")) {
      g_autofree gchar *p = g_build_filename (dir, name, NULL);
      unlink (p);
    }
  }
  if (d != NULL)
    g_dir_close (d);
}

/* Whoever can write the state dir can plant grants: it must be the
 * broker's own and writable by nobody else. */
static gboolean
check_dir (const gchar  *dir,
           GError      **error)
{
  struct stat st;

  if (stat (dir, &st) < 0) {
    int saved = errno;
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO,
                 "state dir %s: %s", dir, g_strerror (saved));
    return FALSE;
  }
  if (!S_ISDIR (st.st_mode) || st.st_uid != geteuid () || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO,
                 "state dir %s must be a directory owned by the broker's user and "
                 "writable by no one else", dir);
    return FALSE;
  }
  return TRUE;
}

IdgStore *
idg_store_load (const gchar  *state_dir,
                GError      **error)
{
  IdgStore *store = idg_store_new_empty ();

  store->dir = g_strdup (state_dir);
  if (!check_dir (state_dir, error))
    goto fail;
  remove_stale_temps (state_dir);
  if (!idg_store_disk_load (store, error))
    goto fail;
  if (!load_secret (store, error)) {
    g_prefix_error (error, "device secret: ");
    goto fail;
  }
  return store;

fail:
  idg_store_free (store);
  return NULL;
}

IdgStore *
idg_store_load_data (const gchar  *data,
                     gsize         len,
                     GError      **error)
{
  IdgStore *store = idg_store_new_empty ();

  if (!idg_store_disk_parse (store, data, len, error)) {
    idg_store_free (store);
    return NULL;
  }
  return store;
}

/* ---- grants API ---- */

gchar *
idg_store_new_id (IdgStore    *store,
                  gchar        prefix,
                  GError     **error)
{
  for (;;) {
    guint8 raw[8];
    g_autofree gchar *hex = NULL;
    gchar *id;

    if (!idg_random_bytes (raw, sizeof raw, error))
      return NULL;
    hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, raw, sizeof raw);
    id = g_strdup_printf ("%c-%.16s", prefix, hex);
    if (idg_store_find_grant (store, id) == NULL &&
        !g_hash_table_contains (store->request_by_id, id))
      return id;
    g_free (id);
  }
}

gboolean
idg_store_check_args (guint32       scopes,
                      const gchar  *purpose,
                      gint64        ttl,
                      GError      **error)
{
  if (scopes == 0 || (scopes & ~IDG_KIND_MASK_ALL) != 0) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_INVALID, "no valid scope given");
    return FALSE;
  }
  if (!idg_store_valid_text (purpose)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_INVALID,
                 "purpose must be 1 to %d bytes of printable UTF-8", IDG_STORE_MAX_PURPOSE);
    return FALSE;
  }
  if (ttl < 0 || ttl > MAX_TTL) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_INVALID, "ttl out of range");
    return FALSE;
  }
  return TRUE;
}

/* New grant object, not inserted; token (nullable) gets a fresh token. */
Grant *
idg_store_make_grant (IdgStore           *store,
                      const IdgSelector  *sel,
                      guint32             scopes,
                      const gchar        *purpose,
                      gint64              ttl,
                      gint64              now,
                      gchar             **token,
                      GError            **error)
{
  Grant *g;
  g_autoptr(GError) local = NULL;
  gchar *id;

  if (!idg_selector_check_grantable (sel, &local)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_INVALID, "%s", local->message);
    return NULL;
  }
  id = idg_store_new_id (store, 'g', error);
  if (id == NULL)
    return NULL;
  g = g_new0 (Grant, 1);
  idg_store_parse_id (id, 'g', &g->id);
  g_free (id);
  idg_store_grant_set_selector (g, sel);
  g->scopes = scopes;
  g->purpose = idg_store_intern (purpose);
  g->created = now;
  g->expires = ttl > 0 ? now + ttl : 0;
  if (token != NULL) {
    g_autofree gchar *hex = NULL;

    *token = idg_token_new (error);
    if (*token == NULL) {
      idg_store_grant_free_internal (g);
      return NULL;
    }
    hex = idg_token_hash (*token);
    idg_store_hash_from_hex (hex, g->token_hash);
    idg_wipe (hex, strlen (hex));
    g->flags |= IDG_STORE_GRANT_HAS_HASH;
  }
  return g;
}

gboolean
idg_store_add_grant (IdgStore     *store,
                     const gchar  *selector,
                     guint32       scopes,
                     const gchar  *purpose,
                     gint64        ttl,
                     gint64        now,
                     gchar       **grant_id,
                     gchar       **token_out,
                     GError      **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(IdgSelector) sel = idg_selector_parse (selector, &local);
  gchar *token = NULL;
  gchar id[IDG_STORE_ID_LEN + 1];
  Grant *g;

  if (sel == NULL) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_INVALID, "%s", local->message);
    return FALSE;
  }
  if (!idg_store_check_args (scopes, purpose, ttl, error))
    return FALSE;
  g = idg_store_make_grant (store, sel, scopes, purpose, ttl, now, &token, error);
  if (g == NULL)
    return FALSE;
  if (!idg_store_put_grant (store, g)) {
    idg_token_free (token);
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO, "token collision");
    return FALSE;
  }
  if (!idg_store_commit (store, &g, 1, NULL, 0, NULL, error)) {
    idg_store_remove_grant (store, g);
    idg_token_free (token);
    return FALSE;
  }
  idg_store_format_id (id, 'g', g->id);
  if (grant_id != NULL)
    *grant_id = g_strdup (id);
  if (token_out != NULL)
    *token_out = token;
  else
    idg_token_free (token);
  idg_store_notify (store, "grants", id);
  return TRUE;
}

#define set_revoked idg_store_grant_set_revoked

gboolean
idg_store_revoke (IdgStore     *store,
                  const gchar  *grant_id,
                  gint64        now,
                  GError      **error)
{
  Grant *g = grant_id != NULL ? idg_store_find_grant (store, grant_id) : NULL;

  if (g == NULL) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_NOT_FOUND, "no such grant");
    return FALSE;
  }
  if (g->flags & IDG_STORE_GRANT_REVOKED)
    return TRUE;
  set_revoked (store, g, TRUE, now);
  if (!idg_store_commit (store, &g, 1, NULL, 0, NULL, error)) {
    set_revoked (store, g, FALSE, 0);
    return FALSE;
  }
  idg_store_notify (store, "grants", grant_id);
  return TRUE;
}

/* Equal selectors: the same items with the same values (what the
 * canonical strings' equality said). */
static gboolean
same_selector (const Grant       *g,
               const IdgSelector *sel)
{
  IdgSelector mine;

  idg_store_grant_selector (g, &mine);
  return mine.has_uid == sel->has_uid && (!sel->has_uid || mine.uid == sel->uid) &&
         mine.has_gid == sel->has_gid && (!sel->has_gid || mine.gid == sel->gid) &&
         g_strcmp0 (mine.exe, sel->exe) == 0 && g_strcmp0 (mine.unit, sel->unit) == 0 &&
         g_strcmp0 (mine.cgroup, sel->cgroup) == 0;
}

gboolean
idg_store_revoke_selector (IdgStore     *store,
                           const gchar  *selector,
                           gint64        now,
                           guint        *n_revoked,
                           GError      **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(IdgSelector) sel = idg_selector_parse (selector, &local);
  g_autoptr(GPtrArray) done = g_ptr_array_new ();
  guint i;

  if (n_revoked != NULL)
    *n_revoked = 0;
  if (sel == NULL) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_INVALID, "%s", local->message);
    return FALSE;
  }
  for (i = 0; i < store->grants->len; i++) {
    Grant *g = g_ptr_array_index (store->grants, i);

    if (!(g->flags & IDG_STORE_GRANT_REVOKED) && same_selector (g, sel)) {
      set_revoked (store, g, TRUE, now);
      g_ptr_array_add (done, g);
    }
  }
  if (done->len == 0)
    return TRUE;
  if (!idg_store_commit (store, (Grant *const *) done->pdata, done->len, NULL, 0, NULL, error)) {
    for (i = 0; i < done->len; i++)
      set_revoked (store, g_ptr_array_index (done, i), FALSE, 0);
    return FALSE;
  }
  if (n_revoked != NULL)
    *n_revoked = done->len;
  idg_store_notify (store, "grants", NULL);
  return TRUE;
}

GPtrArray *
idg_store_list_grants (IdgStore *store)
{
  GPtrArray *out = g_ptr_array_new_full (store->grants->len, (GDestroyNotify) idg_grant_free);
  guint i;

  for (i = 0; i < store->grants->len; i++)
    g_ptr_array_add (out, idg_store_grant_to_public (g_ptr_array_index (store->grants, i)));
  return out;
}

IdgGrant *
idg_store_lookup_grant (IdgStore    *store,
                        const gchar *grant_id)
{
  Grant *g = grant_id != NULL ? idg_store_find_grant (store, grant_id) : NULL;

  return g != NULL ? idg_store_grant_to_public (g) : NULL;
}

/* Grants neither revoked nor expired, whose exe_alone is as given. */
static guint
count_live (IdgStore *store,
            gint64    now,
            gboolean  exe_alone)
{
  guint i, n = 0;

  for (i = 0; i < store->grants->len; i++) {
    const Grant *g = g_ptr_array_index (store->grants, i);

    n += is_active (g, now) && !(g->flags & IDG_STORE_GRANT_EXE_ALONE) == !exe_alone;
  }
  return n;
}

guint
idg_store_count_active (IdgStore *store,
                        gint64    now)
{
  return count_live (store, now, FALSE);
}

guint
idg_store_count_exe_alone (IdgStore *store,
                           gint64    now)
{
  return count_live (store, now, TRUE);
}

gchar *
idg_store_dup_token_hash (IdgStore    *store,
                          const gchar *grant_id)
{
  Grant *g = grant_id != NULL ? idg_store_find_grant (store, grant_id) : NULL;

  if (g == NULL || (g->flags & IDG_STORE_GRANT_EXE_ALONE) || !(g->flags & IDG_STORE_GRANT_HAS_HASH))
    return NULL;
  return idg_store_hash_to_hex (g->token_hash);
}

gint64
idg_store_next_expiry (IdgStore *store,
                       gint64    after)
{
  gint64 next = 0;
  guint i;

  for (i = 0; i < store->grants->len; i++) {
    const Grant *g = g_ptr_array_index (store->grants, i);

    if (!(g->flags & IDG_STORE_GRANT_REVOKED) && g->expires > after && (next == 0 || g->expires < next))
      next = g->expires;
  }
  return next;
}

guint
idg_store_count_grants (IdgStore *store)
{
  return store->grants->len;
}

static void
match_bucket (IdgStore          *store,
              gint               kind,
              guint32            num,
              const gchar       *str,
              const IdgIdentity *identity,
              gint64             now,
              guint32           *mask,
              GString           *ids)
{
  const Grant *g;

  for (g = idg_store_index_bucket (store, kind, num, str); g != NULL; g = g->index_next) {
    IdgSelector sel;

    idg_store_grant_selector (g, &sel);
    if (!is_active (g, now) || !idg_selector_matches (&sel, identity))
      continue;
    *mask |= g->scopes;
    if (ids != NULL) {
      gchar id[IDG_STORE_ID_LEN + 1];

      idg_store_format_id (id, 'g', g->id);
      if (ids->len > 0)
        g_string_append_c (ids, ',');
      g_string_append (ids, id);
    }
  }
}

guint32
idg_store_allowed_kinds (IdgStore          *store,
                         const IdgIdentity *identity,
                         gint64             now,
                         gchar            **grant_ids)
{
  GString *ids = grant_ids != NULL ? g_string_new (NULL) : NULL;
  guint32 mask = 0;

  if (grant_ids != NULL)
    *grant_ids = NULL;
  if (identity != NULL && identity->known && g_hash_table_size (store->index) > 0) {
    match_bucket (store, IDG_STORE_KEY_UID, (guint32) identity->uid, NULL, identity, now, &mask, ids);
    match_bucket (store, IDG_STORE_KEY_GID, (guint32) identity->gid, NULL, identity, now, &mask, ids);
    if (identity->unit != NULL)
      match_bucket (store, IDG_STORE_KEY_UNIT, 0, identity->unit, identity, now, &mask, ids);
    if (identity->exe != NULL)
      match_bucket (store, IDG_STORE_KEY_EXE, 0, identity->exe, identity, now, &mask, ids);
    if (identity->cgroup != NULL) {
      /* the cgroup and each of its ancestors, up to "/" */
      g_autofree gchar *k = g_strdup (identity->cgroup);
      gchar *slash;

      for (;;) {
        match_bucket (store, IDG_STORE_KEY_CGROUP, 0, k, identity, now, &mask, ids);
        slash = strrchr (k, '/');
        if (slash == NULL || g_str_equal (k, "/"))
          break;
        if (slash == k)
          slash[1] = '\0';
        else
          *slash = '\0';
      }
    }
  }
  if (ids != NULL) {
    if (ids->len > 0)
      *grant_ids = g_string_free (ids, FALSE);
    else
      g_string_free (ids, TRUE);
  }
  return mask;
}

static gboolean
refuse (GError      **error,
        IdgRefusal   *out,
        IdgRefusal    reason,
        const gchar  *message)
{
  if (out != NULL)
    *out = reason;
  g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_REFUSED, "no consent: %s", message);
  return FALSE;
}

gboolean
idg_store_check_token (IdgStore          *store,
                       const IdgIdentity *identity,
                       IdgKind            kind,
                       const gchar       *token,
                       gint64             now,
                       gchar            **grant_id,
                       IdgRefusal        *refusal,
                       GError           **error)
{
  g_autofree gchar *hex = NULL;
  guint8 hash[IDG_STORE_HASH_BYTES];
  IdgSelector sel;
  Grant *g;
  gboolean same;

  if (grant_id != NULL)
    *grant_id = NULL;
  if (refusal != NULL)
    *refusal = IDG_REFUSAL_NONE;
  if (!idg_token_is_valid (token))
    return refuse (error, refusal, IDG_REFUSAL_BAD_TOKEN, "the token is not valid");
  hex = idg_token_hash (token);
  idg_store_hash_from_hex (hex, hash);
  idg_wipe (hex, strlen (hex));
  /* The table lookup hashes the SHA-256, not the token; the final
   * comparison is constant-time anyway. */
  g = idg_store_find_by_hash (store, hash);
  same = g != NULL && idg_token_bytes_equal (g->token_hash, hash, IDG_STORE_HASH_BYTES);
  idg_wipe (hash, sizeof hash);
  if (!same)
    return refuse (error, refusal, IDG_REFUSAL_BAD_TOKEN, "the token is not valid");
  if (grant_id != NULL) {
    gchar id[IDG_STORE_ID_LEN + 1];

    idg_store_format_id (id, 'g', g->id);
    *grant_id = g_strdup (id);
  }
  idg_store_grant_selector (g, &sel);
  if (!idg_selector_matches (&sel, identity))
    return refuse (error, refusal, IDG_REFUSAL_SELECTOR,
                   "this caller is not the one the grant was made for");
  if (g->flags & IDG_STORE_GRANT_REVOKED)
    return refuse (error, refusal, IDG_REFUSAL_REVOKED, "the grant was revoked");
  if (!is_active (g, now))
    return refuse (error, refusal, IDG_REFUSAL_EXPIRED, "the grant has expired");
  if ((guint) kind >= IDG_KIND_COUNT || !(g->scopes & IDG_KIND_BIT (kind)))
    return refuse (error, refusal, IDG_REFUSAL_SCOPE,
                   "the grant does not cover this identifier");
  return TRUE;
}

/* ---- factory reset ---- */

gboolean
idg_store_factory_reset (IdgStore  *store,
                         GError   **error)
{
  guint8 secret[IDG_SECRET_LEN];
  g_autoptr(GPtrArray) grants = NULL, requests = NULL;
  guint i;

  if (!idg_random_bytes (secret, sizeof secret, error))
    return FALSE;
  /* keep the old contents until the empty store is on disk */
  grants = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_store_grant_free_internal);
  requests = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_request_free);
  for (i = 0; i < store->grants->len; i++)
    g_ptr_array_add (grants, g_ptr_array_index (store->grants, i));
  for (i = 0; i < store->requests->len; i++)
    g_ptr_array_add (requests, g_ptr_array_index (store->requests, i));
  g_hash_table_remove_all (store->index);
  g_hash_table_remove_all (store->grant_by_hash);
  g_hash_table_remove_all (store->grant_by_id);
  g_ptr_array_set_free_func (store->grants, NULL);
  g_ptr_array_set_size (store->grants, 0);
  g_ptr_array_set_free_func (store->grants, (GDestroyNotify) idg_store_grant_free_internal);
  g_hash_table_remove_all (store->request_by_id);
  g_ptr_array_set_free_func (store->requests, NULL);
  g_ptr_array_set_size (store->requests, 0);
  g_ptr_array_set_free_func (store->requests, (GDestroyNotify) idg_request_free);
  if (store->dir != NULL && !idg_store_disk_rewrite (store, error)) {
    for (i = 0; i < grants->len; i++) {
      idg_store_put_grant (store, g_ptr_array_index (grants, i));
    }
    for (i = 0; i < requests->len; i++)
      idg_store_put_request (store, g_ptr_array_index (requests, i));
    g_ptr_array_set_free_func (grants, NULL);
    g_ptr_array_set_free_func (requests, NULL);
    idg_wipe (secret, sizeof secret);
    return FALSE;
  }
  if (store->dir != NULL &&
      !idg_store_write_atomic (store->dir, SECRET_FILE, secret, sizeof secret, error)) {
    idg_wipe (secret, sizeof secret);
    g_prefix_error (error, "grants wiped, but the device secret was not replaced: ");
    idg_store_notify (store, "reset", NULL);
    return FALSE;
  }
  memcpy (store->secret, secret, sizeof secret);
  idg_wipe (secret, sizeof secret);
  idg_store_notify (store, "reset", NULL);
  return TRUE;
}
