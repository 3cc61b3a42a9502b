// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The consent store's snapshot, STATE_DIR/store.snapshot (version 2): the
 * 8 bytes "idgsnap\n", the body's length and a check sum of the body (two
 * little-endian u64: FNV-1a 64 over its 8-byte little-endian words, the
 * last one padded with zeros; it finds a file cut short or damaged, which
 * GVariant alone would read as empty columns), then the body: one GVariant
 * (little-endian, GLib's own serialization format) of type
 *
 *   (u  version, 2
 *    x  generation (the journal's must match, see idg-store-disk.c)
 *    u  number of grants, u number of requests (a file cut short, or
 *       with broken framing, reads as empty columns: these say it is not)
 *    at grant ids (the 16 hex digits of "g-...")
 *    au grant flags: 1 revoked, 2 has a token hash, 4 approved from a
 *       request, 8 the selector has a uid, 16 it has a gid
 *    au grant scopes (IDG_KIND_BIT()s)
 *    au grant selector uids (0 without flag 8), au gids (0 without 16)
 *    ay grant selector exes, ay units, ay cgroups: each ended by a NUL,
 *       empty when the selector has none
 *    ay grant purposes, each ended by a NUL
 *    ax grant created, ax expires (0: never), ax revoked-at
 *    ay token hashes: 32 bytes (SHA-256) for each grant with flag 2, in order
 *    at grant request ids (the 16 hex digits of "r-..."; 0 without flag 4)
 *    a(tssssuuxxbt) requests: id, selector, requester, service, purpose,
 *                   scopes, state (IdgRequestState), created, decided,
 *                   has a grant, grant id)
 *
 * Grants are stored column by column, so that the loader reads them in
 * place from the mapped file (no copy, no tree, no allocation per field):
 * loading 100,000 grants costs about what indexing them costs
 * (docs/performance.md, "Store"). The string columns are byte arrays, not
 * "as": GLib checks the framing of an untrusted "as" from its start for
 * every element read (quadratic), and a whole-file normal-form check costs
 * more than the rest of the load. The file is trusted no more than
 * store.json was: GVariant reads untrusted bytes safely (a malformed value
 * reads as its default), the columns must agree in length, and every value
 * is then checked as the JSON loader checks it; any failure makes the
 * store corrupt.
 */
#include "idg-store-private.h"

#include <string.h>

#define MAGIC      "idgsnap\n"
#define MAGIC_LEN  8
#define HEADER_LEN 24   /* magic, length, check sum */
#define VERSION    2
#define TYPE       "(uxuuatauauauauayayayayaxaxaxayata(tssssuuxxbt))"
#define PERSISTED  (IDG_STORE_GRANT_REVOKED | IDG_STORE_GRANT_HAS_HASH | IDG_STORE_GRANT_HAS_REQUEST | \
                    IDG_STORE_GRANT_HAS_UID | IDG_STORE_GRANT_HAS_GID)
#define MAX_TIME   (G_MAXINT64 / 2)

static void
put_le64 (guint8  *p,
          guint64  v)
{
  guint i;

  for (i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static guint64
get_le64 (const guint8 *p)
{
  guint64 v = 0;
  guint i;

  for (i = 0; i < 8; i++)
    v |= (guint64) p[i] << (8 * i);
  return v;
}

/* Not a MAC: finds damage, not forgery (whoever can write the state dir
 * can write grants anyway). */
static guint64
check_sum (const guint8 *data,
           gsize         len)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  gsize i;

  /* whole words loaded as they are (one load on a little-endian host: a
   * 12 MB snapshot took 129 M instructions byte by byte), then the last
   * one padded */
  for (i = 0; i + 8 <= len; i += 8) {
    guint64 w;

    memcpy (&w, data + i, 8);
    h = (h ^ GUINT64_FROM_LE (w)) * G_GUINT64_CONSTANT (0x100000001b3);
  }
  if (i < len) {
    guint8 word[8] = { 0 };

    memcpy (word, data + i, len - i);
    h = (h ^ get_le64 (word)) * G_GUINT64_CONSTANT (0x100000001b3);
  }
  return h;
}

static void
append_string (GByteArray  *column,
               const gchar *str)
{
  if (str == NULL)
    str = "";
  g_byte_array_append (column, (const guint8 *) str, (guint) strlen (str) + 1);
}

static GVariant *
fixed (const GVariantType *type,
       gconstpointer       data,
       gsize               n,
       gsize               elem)
{
  return g_variant_new_fixed_array (type, data, n, elem);
}

GBytes *
idg_store_snapshot_serialize (IdgStore *store,
                              gint64    generation)
{
  guint n = store->grants->len, i, n_hash = 0;
  g_autofree guint64 *ids = g_new (guint64, n + 1);
  g_autofree guint64 *reqs = g_new (guint64, n + 1);
  g_autofree gint64 *created = g_new (gint64, n + 1);
  g_autofree gint64 *expires = g_new (gint64, n + 1);
  g_autofree gint64 *revoked_at = g_new (gint64, n + 1);
  g_autofree guint32 *flags = g_new (guint32, n + 1);
  g_autofree guint32 *scopes = g_new (guint32, n + 1);
  g_autofree guint32 *uids = g_new (guint32, n + 1);
  g_autofree guint32 *gids = g_new (guint32, n + 1);
  g_autofree guint8 *hashes = g_new (guint8, (gsize) n * IDG_STORE_HASH_BYTES + 1);
  g_autoptr(GByteArray) exes = g_byte_array_new ();
  g_autoptr(GByteArray) units = g_byte_array_new ();
  g_autoptr(GByteArray) cgroups = g_byte_array_new ();
  g_autoptr(GByteArray) purposes = g_byte_array_new ();
  GVariantBuilder requests;
  g_autoptr(GVariant) v = NULL;
  GByteArray *out;
  gsize size;

  for (i = 0; i < n; i++) {
    const IdgStoreGrant *g = g_ptr_array_index (store->grants, i);

    ids[i] = g->id;
    flags[i] = g->flags & PERSISTED;
    scopes[i] = g->scopes;
    uids[i] = (g->flags & IDG_STORE_GRANT_HAS_UID) ? g->uid : 0;
    gids[i] = (g->flags & IDG_STORE_GRANT_HAS_GID) ? g->gid : 0;
    append_string (exes, g->exe);
    append_string (units, g->unit);
    append_string (cgroups, g->cgroup);
    append_string (purposes, g->purpose);
    created[i] = g->created;
    expires[i] = g->expires;
    revoked_at[i] = g->revoked_at;
    if (g->flags & IDG_STORE_GRANT_HAS_HASH)
      memcpy (hashes + (gsize) IDG_STORE_HASH_BYTES * n_hash++, g->token_hash, IDG_STORE_HASH_BYTES);
    reqs[i] = (g->flags & IDG_STORE_GRANT_HAS_REQUEST) ? g->request : 0;
  }
  g_variant_builder_init (&requests, G_VARIANT_TYPE ("a(tssssuuxxbt)"));
  for (i = 0; i < store->requests->len; i++) {
    const IdgRequest *r = g_ptr_array_index (store->requests, i);
    guint64 id = 0, grant = 0;

    idg_store_parse_id (r->id, 'r', &id);
    if (r->grant_id != NULL)
      idg_store_parse_id (r->grant_id, 'g', &grant);
    g_variant_builder_add (&requests, "(tssssuuxxbt)", id, r->selector, r->requester,
                           r->service, r->purpose, r->scopes, (guint32) r->state, r->created,
                           r->decided, r->grant_id != NULL, grant);
  }
  v = g_variant_ref_sink (g_variant_new ("(uxuu@at@au@au@au@au@ay@ay@ay@ay@ax@ax@ax@ay@at@a(tssssuuxxbt))",
      (guint32) VERSION, generation, (guint32) n, (guint32) store->requests->len,
      fixed (G_VARIANT_TYPE_UINT64, ids, n, sizeof *ids),
      fixed (G_VARIANT_TYPE_UINT32, flags, n, sizeof *flags),
      fixed (G_VARIANT_TYPE_UINT32, scopes, n, sizeof *scopes),
      fixed (G_VARIANT_TYPE_UINT32, uids, n, sizeof *uids),
      fixed (G_VARIANT_TYPE_UINT32, gids, n, sizeof *gids),
      fixed (G_VARIANT_TYPE_BYTE, exes->data, exes->len, 1),
      fixed (G_VARIANT_TYPE_BYTE, units->data, units->len, 1),
      fixed (G_VARIANT_TYPE_BYTE, cgroups->data, cgroups->len, 1),
      fixed (G_VARIANT_TYPE_BYTE, purposes->data, purposes->len, 1),
      fixed (G_VARIANT_TYPE_INT64, created, n, sizeof *created),
      fixed (G_VARIANT_TYPE_INT64, expires, n, sizeof *expires),
      fixed (G_VARIANT_TYPE_INT64, revoked_at, n, sizeof *revoked_at),
      fixed (G_VARIANT_TYPE_BYTE, hashes, (gsize) n_hash * IDG_STORE_HASH_BYTES, 1),
      fixed (G_VARIANT_TYPE_UINT64, reqs, n, sizeof *reqs),
      g_variant_builder_end (&requests)));
  if (G_BYTE_ORDER == G_BIG_ENDIAN) {
    GVariant *swapped = g_variant_byteswap (v);

    g_variant_unref (v);
    v = swapped;
  }
  size = g_variant_get_size (v);
  out = g_byte_array_sized_new ((guint) (HEADER_LEN + size));
  g_byte_array_set_size (out, (guint) (HEADER_LEN + size));
  g_variant_store (v, out->data + HEADER_LEN);
  memcpy (out->data, MAGIC, MAGIC_LEN);
  put_le64 (out->data + MAGIC_LEN, size);
  put_le64 (out->data + MAGIC_LEN + 8, check_sum (out->data + HEADER_LEN, size));
  return g_byte_array_free_to_bytes (out);
}

static gboolean
corrupt (GError      **error,
         const gchar  *what,
         guint         index)
{
  g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT,
               "snapshot: %s %u invalid", what, index);
  return FALSE;
}

static gboolean
valid_time (gint64 t)
{
  return t >= 0 && t <= MAX_TIME;
}

static gboolean
valid_scopes (guint32 scopes)
{
  return scopes != 0 && (scopes & ~IDG_KIND_MASK_ALL) == 0;
}

/* One column of fixed-size numbers, n of them. */
static gconstpointer
column (GVariant *v,
        guint     index,
        gsize     elem,
        gsize     n,
        GVariant **hold)
{
  gsize len = 0;
  gconstpointer p;

  *hold = g_variant_get_child_value (v, index);
  p = g_variant_get_fixed_array (*hold, &len, elem);
  return len == n ? p : NULL;
}

static gboolean
parse_requests (IdgStore  *store,
                GVariant  *array,
                GError   **error)
{
  gsize n = g_variant_n_children (array), i;

  for (i = 0; i < n; i++) {
    g_autoptr(GVariant) child = g_variant_get_child_value (array, i);
    g_autoptr(IdgSelector) sel = NULL;
    const gchar *selector, *requester, *service, *purpose;
    guint64 id, grant;
    guint32 scopes, state;
    gint64 created, decided;
    gboolean has_grant;
    gchar buf[IDG_STORE_ID_LEN + 1];
    IdgRequest *r;

    g_variant_get (child, "(t&s&s&s&suuxxbt)", &id, &selector, &requester, &service, &purpose,
                   &scopes, &state, &created, &decided, &has_grant, &grant);
    idg_store_format_id (buf, 'r', id);
    if (state > IDG_REQUEST_SUPERSEDED || !valid_scopes (scopes) || !valid_time (created) ||
        !valid_time (decided) || !idg_store_valid_text (purpose) ||
        (sel = idg_selector_parse (selector, NULL)) == NULL ||
        g_hash_table_contains (store->request_by_id, buf))
      return corrupt (error, "request", (guint) i);
    r = g_new0 (IdgRequest, 1);
    r->id = g_strdup (buf);
    r->selector = idg_selector_to_string (sel);
    r->requester = g_strdup (requester);
    r->service = g_strdup (service);
    r->scopes = scopes;
    r->purpose = g_strdup (purpose);
    r->state = (IdgRequestState) state;
    r->created = created;
    r->decided = decided;
    if (has_grant) {
      idg_store_format_id (buf, 'g', grant);
      r->grant_id = g_strdup (buf);
    }
    idg_store_put_request (store, r);
  }
  return TRUE;
}

/* A column of strings: a byte array of NUL-ended strings. */
typedef struct {
  GVariant    *hold;
  const gchar *p;
  const gchar *end;
} Strings;

static void
strings_init (Strings  *s,
              GVariant *v,
              guint     index)
{
  gsize len = 0;

  s->hold = g_variant_get_child_value (v, index);
  s->p = g_variant_get_fixed_array (s->hold, &len, 1);
  s->end = s->p != NULL ? s->p + len : NULL;
}

/* The next string, NULL for an empty one; *ok cleared past the end. */
static const gchar *
strings_next (Strings  *s,
              gboolean *ok)
{
  const gchar *str = s->p, *nul;

  if (str == NULL || str >= s->end || (nul = memchr (str, '\0', (gsize) (s->end - str))) == NULL) {
    *ok = FALSE;
    return NULL;
  }
  s->p = nul + 1;
  return *str != '\0' ? str : NULL;
}

static gboolean
strings_done (Strings *s)
{
  gboolean done = s->p == s->end;

  g_clear_pointer (&s->hold, g_variant_unref);
  return done;
}

gboolean
idg_store_snapshot_parse (IdgStore  *store,
                          GBytes    *bytes,
                          GError   **error)
{
  g_autoptr(GBytes) body = NULL;
  const guint8 *data = g_bytes_get_data (bytes, NULL);
  gsize size = g_bytes_get_size (bytes);

  if (size < HEADER_LEN || memcmp (data, MAGIC, MAGIC_LEN) != 0) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT, "not a snapshot");
    return FALSE;
  }
  if (get_le64 (data + MAGIC_LEN) != size - HEADER_LEN ||
      get_le64 (data + MAGIC_LEN + 8) != check_sum (data + HEADER_LEN, size - HEADER_LEN)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT, "cut short or damaged (check sum)");
    return FALSE;
  }
  body = g_bytes_new_from_bytes (bytes, HEADER_LEN, size - HEADER_LEN);
  return idg_store_snapshot_parse_body (store, body, error);
}

gboolean
idg_store_snapshot_parse_body (IdgStore  *store,
                               GBytes    *body,
                               GError   **error)
{
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) c_ids = NULL, c_flags = NULL, c_scopes = NULL, c_uids = NULL, c_gids = NULL;
  g_autoptr(GVariant) c_created = NULL, c_expires = NULL, c_revoked = NULL;
  g_autoptr(GVariant) c_hashes = NULL, c_reqs = NULL, c_requests = NULL;
  Strings exes, units, cgroups, purposes;
  const guint64 *ids, *reqs;
  const gint64 *created, *expires, *revoked;
  const guint32 *flags, *scopes, *uids, *gids;
  const guint8 *hashes;
  gsize n = 0, n_hashes = 0, i, h = 0;
  guint32 version = 0, n_grants = 0, n_requests = 0;
  gint64 generation = -1;
  gboolean ok = TRUE, done;

  v = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (TYPE), body, FALSE));
  if (G_BYTE_ORDER == G_BIG_ENDIAN) {
    GVariant *swapped = g_variant_byteswap (v);

    g_variant_unref (v);
    v = swapped;
  }
  g_variant_get_child (v, 0, "u", &version);
  g_variant_get_child (v, 1, "x", &generation);
  g_variant_get_child (v, 2, "u", &n_grants);
  g_variant_get_child (v, 3, "u", &n_requests);
  if (version != VERSION || !valid_time (generation)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT,
                 "unknown version (expected %d) or bad generation", VERSION);
    return FALSE;
  }
  store->generation = generation;
  c_ids = g_variant_get_child_value (v, 4);
  ids = g_variant_get_fixed_array (c_ids, &n, sizeof *ids);
  flags = column (v, 5, sizeof *flags, n, &c_flags);
  scopes = column (v, 6, sizeof *scopes, n, &c_scopes);
  uids = column (v, 7, sizeof *uids, n, &c_uids);
  gids = column (v, 8, sizeof *gids, n, &c_gids);
  strings_init (&exes, v, 9);
  strings_init (&units, v, 10);
  strings_init (&cgroups, v, 11);
  strings_init (&purposes, v, 12);
  created = column (v, 13, sizeof *created, n, &c_created);
  expires = column (v, 14, sizeof *expires, n, &c_expires);
  revoked = column (v, 15, sizeof *revoked, n, &c_revoked);
  c_hashes = g_variant_get_child_value (v, 16);
  hashes = g_variant_get_fixed_array (c_hashes, &n_hashes, 1);
  reqs = column (v, 17, sizeof *reqs, n, &c_reqs);
  if (n != n_grants || (n > 0 && (flags == NULL || scopes == NULL || uids == NULL || gids == NULL ||
                created == NULL || expires == NULL || revoked == NULL || reqs == NULL)))
    ok = FALSE;
  for (i = 0; ok && i < n; i++) {
    IdgSelector sel = { 0 };
    const gchar *purpose;
    IdgStoreGrant *g;

    sel.has_uid = (flags[i] & IDG_STORE_GRANT_HAS_UID) != 0;
    sel.has_gid = (flags[i] & IDG_STORE_GRANT_HAS_GID) != 0;
    sel.uid = (uid_t) uids[i];
    sel.gid = (gid_t) gids[i];
    sel.exe = (gchar *) strings_next (&exes, &ok);
    sel.unit = (gchar *) strings_next (&units, &ok);
    sel.cgroup = (gchar *) strings_next (&cgroups, &ok);
    purpose = strings_next (&purposes, &ok);
    if (!ok || (flags[i] & ~(guint32) PERSISTED) != 0 || !valid_scopes (scopes[i]) ||
        !valid_time (created[i]) || !valid_time (expires[i]) || !valid_time (revoked[i]) ||
        !idg_store_valid_text (purpose) || !idg_selector_is_valid (&sel) ||
        ((flags[i] & IDG_STORE_GRANT_HAS_HASH) && (h + 1) * IDG_STORE_HASH_BYTES > n_hashes)) {
      ok = FALSE;
      break;
    }
    g = g_new0 (IdgStoreGrant, 1);
    g->id = ids[i];
    g->scopes = scopes[i];
    g->created = created[i];
    g->expires = expires[i];
    g->revoked_at = revoked[i];
    g->request = reqs[i];
    g->purpose = idg_store_intern (purpose);
    idg_store_grant_set_selector (g, &sel);
    g->flags |= flags[i];
    if (g->flags & IDG_STORE_GRANT_HAS_HASH)
      memcpy (g->token_hash, hashes + IDG_STORE_HASH_BYTES * h++, IDG_STORE_HASH_BYTES);
    if (g_hash_table_contains (store->grant_by_id, g)) {
      idg_store_grant_free_internal (g);
      ok = FALSE;
    } else if (!idg_store_put_grant (store, g)) {   /* frees g */
      ok = FALSE;
    }
  }
  done = strings_done (&exes) & strings_done (&units) & strings_done (&cgroups) &
         strings_done (&purposes);
  if (!ok)
    return corrupt (error, "grant (invalid, or a duplicate id or token hash)", (guint) i);
  if (h * IDG_STORE_HASH_BYTES != n_hashes || !done)
    return corrupt (error, "column lengths", (guint) n);
  c_requests = g_variant_get_child_value (v, 18);
  if (g_variant_n_children (c_requests) != n_requests)
    return corrupt (error, "requests", n_requests);
  if (!parse_requests (store, c_requests, error))
    return FALSE;
  store->snapshot_records = store->grants->len + store->requests->len;
  return TRUE;
}
