// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The consent store on disk, in STATE_DIR:
 *
 *   store.snapshot the snapshot (version 2, generation N): GVariant
 *                  columns, see idg-store-snapshot.c; mapped and read in
 *                  place at start-up
 *   store.json     a version 1 snapshot, JSON: {"version":1,"generation":N,
 *                  "grants":[GRANT...],"requests":[REQUEST...]}; read when
 *                  there is no store.snapshot, removed once one is written
 *   store.journal  changes since the snapshot, one JSON object per line:
 *                  {"journal":2,"generation":N}   (first line)
 *                  {"change":{"grants":[GRANT...],"requests":[REQUEST...],
 *                             "drop":["r-..."]}}
 *                  one line per change, whatever it touches (an approval:
 *                  the grant and the request; a revoke --to: every grant
 *                  it revoked; a request: the new one, the one it
 *                  supersedes and a decided one forgotten), each member
 *                  optional: a grant's or a request's whole new state
 *                  (upsert by id), decided requests forgotten. A change is
 *                  replayed whole or not at all. Journals of version 1
 *                  (one line per grant {"g":GRANT}, request {"r":REQUEST}
 *                  or {"drop":"r-..."}) are still read.
 *   lock           flock()ed while a broker uses the store
 *
 *   GRANT   {"id":"g-..","selector":"uid:1000,exe:/usr/bin/x","scopes":"imei,imsi",
 *            "purpose":"..","created":N,"expires":N,"revoked":false,
 *            "revoked-at":0,"token-hash":"<64 hex>"|null,"request":"r-.."|null}
 *   REQUEST {"id":"r-..","selector":"..","requester":"..","service":"..",
 *            "scopes":"..","purpose":"..","state":"pending","created":N,
 *            "decided":0,"grant":"g-.."|null}
 *
 * A change is acknowledged once its line is appended and fdatasync()ed; the
 * next change is written only after that. So only the last line can have
 * been caught by a crash: a last line torn (no final newline) or corrupt
 * (a newline, but not a valid change: blocks of a crashed write) was never
 * acknowledged. It is cut off at load, nothing of it replayed; a complete
 * one is first copied to store.journal.torn (kept for inspection) and the
 * broker says so in one line. A bad line before the last one makes the
 * store corrupt: the broker refuses to start. When the journal
 * has grown past max(limit, an eighth of the records in the snapshot),
 * past grants beyond the retention are dropped and the state is written as
 * a new snapshot with generation N+1 (temp file, fsync, rename, fsync of the directory) and
 * a fresh journal of generation N+1 replaces the old one the same way; a
 * journal whose generation is older than the snapshot's is left over from a
 * crash between the two renames and is ignored.
 */
#include "idg-store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-glib/json-glib.h>

#include "idg-token.h"

#define STORE_FILE    "store.json"       /* version 1 snapshots: read, replaced */
#define SNAPSHOT_FILE "store.snapshot"
#define JOURNAL_FILE  "store.journal"
#define LOCK_FILE     "lock"
#define TORN_FILE     "store.journal.torn"
#define STORE_VERSION 1
#define JOURNAL_VERSION 2

/* ---- files ---- */

static gboolean
set_io_error (GError      **error,
              int           err,
              const gchar  *what,
              const gchar  *path)
{
  g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO,
               "%s %s: %s", what, path, g_strerror (err));
  return FALSE;
}

static gboolean
fsync_dir (const gchar  *dir,
           GError      **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || fsync (fd) < 0) {
    int saved = errno;
    if (fd >= 0)
      close (fd);
    return set_io_error (error, saved, "cannot sync directory", dir);
  }
  close (fd);
  return TRUE;
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  gsize done = 0;

  while (done < len) {
    ssize_t n = write (fd, data + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      return FALSE;
    }
    done += (gsize) n;
  }
  return TRUE;
}

gboolean
idg_store_write_atomic (const gchar   *dir,
                        const gchar   *name,
                        const guint8  *data,
                        gsize          len,
                        GError       **error)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autofree gchar *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, name);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  int saved;

  if (fd < 0)
    return set_io_error (error, errno, "cannot create a file in", dir);
  if (!write_all (fd, data, len) || fsync (fd) < 0)
    goto fail;
  if (close (fd) < 0) {
    fd = -1;
    goto fail;
  }
  fd = -1;
  if (rename (tmp, path) < 0)
    goto fail;
  return fsync_dir (dir, error);

fail:
  saved = errno != 0 ? errno : EIO;
  if (fd >= 0)
    close (fd);
  unlink (tmp);
  return set_io_error (error, saved, "cannot write", path);
}

/* ---- records to JSON ---- */

static JsonNode *
str_or_null (const gchar *s)
{
  JsonNode *n = json_node_new (s != NULL ? JSON_NODE_VALUE : JSON_NODE_NULL);

  if (s != NULL)
    json_node_set_string (n, s);
  return n;
}

static void
add_str (JsonBuilder *b, const gchar *name, const gchar *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_value (b, str_or_null (value));
}

static void
add_int (JsonBuilder *b, const gchar *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
build_grant (JsonBuilder         *b,
             const IdgStoreGrant *g)
{
  g_autoptr(IdgGrant) pub = idg_store_grant_to_public (g);
  g_autofree gchar *scopes = idg_kind_mask_to_string (g->scopes);
  g_autofree gchar *hash = (g->flags & IDG_STORE_GRANT_HAS_HASH) ? idg_store_hash_to_hex (g->token_hash) : NULL;

  json_builder_begin_object (b);
  add_str (b, "id", pub->id);
  add_str (b, "selector", pub->selector);
  add_str (b, "scopes", scopes);
  add_str (b, "purpose", pub->purpose);
  add_int (b, "created", pub->created);
  add_int (b, "expires", pub->expires);
  json_builder_set_member_name (b, "revoked");
  json_builder_add_boolean_value (b, pub->revoked);
  add_int (b, "revoked-at", pub->revoked_at);
  add_str (b, "token-hash", hash);
  add_str (b, "request", pub->request_id);
  json_builder_end_object (b);
}

static void
build_request (JsonBuilder      *b,
               const IdgRequest *r)
{
  g_autofree gchar *scopes = idg_kind_mask_to_string (r->scopes);

  json_builder_begin_object (b);
  add_str (b, "id", r->id);
  add_str (b, "selector", r->selector);
  add_str (b, "requester", r->requester);
  add_str (b, "service", r->service);
  add_str (b, "scopes", scopes);
  add_str (b, "purpose", r->purpose);
  add_str (b, "state", idg_request_state_to_string (r->state));
  add_int (b, "created", r->created);
  add_int (b, "decided", r->decided);
  add_str (b, "grant", r->grant_id);
  json_builder_end_object (b);
}

static gchar *
builder_to_string (JsonBuilder *b,
                   gsize       *len)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (b);

  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, len);
}

static gchar *
journal_header (gint64 generation)
{
  return g_strdup_printf ("{\"journal\":%d,\"generation\":%" G_GINT64_FORMAT "}\n",
                          JOURNAL_VERSION, generation);
}

/* ---- parsing (untrusted: strict types, every field checked) ---- */

static gboolean
corrupt (GError      **error,
         const gchar  *what,
         guint         index,
         const gchar  *member)
{
  g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT,
               "%s %u: member '%s' missing or invalid", what, index, member);
  return FALSE;
}

static const gchar *
get_str (JsonObject  *o,
         const gchar *member,
         gboolean     nullable,
         gboolean    *ok)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n != NULL && JSON_NODE_HOLDS_NULL (n) && nullable)
    return NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING ||
      !g_utf8_validate (json_node_get_string (n), -1, NULL)) {
    *ok = FALSE;
    return NULL;
  }
  return json_node_get_string (n);
}

static gint64
get_int (JsonObject  *o,
         const gchar *member,
         gboolean    *ok)
{
  JsonNode *n = json_object_get_member (o, member);
  gint64 v;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64) {
    *ok = FALSE;
    return 0;
  }
  v = json_node_get_int (n);
  if (v < 0 || v > G_MAXINT64 / 2)
    *ok = FALSE;
  return v;
}

static gboolean
valid_id (const gchar *id,
          gchar        prefix)
{
  gsize i;

  if (id == NULL || strlen (id) != 18 || id[0] != prefix || id[1] != '-')
    return FALSE;
  for (i = 2; i < 18; i++)
    if (!g_ascii_isxdigit (id[i]) || g_ascii_isupper (id[i]))
      return FALSE;
  return TRUE;
}

static gboolean
valid_hash (const gchar *h)
{
  gsize i;

  if (strlen (h) != IDG_TOKEN_HASH_LEN)
    return FALSE;
  for (i = 0; i < IDG_TOKEN_HASH_LEN; i++)
    if (!g_ascii_isxdigit (h[i]) || g_ascii_isupper (h[i]))
      return FALSE;
  return TRUE;
}

static guint32
parse_scopes (const gchar *s,
              gboolean    *ok)
{
  guint32 mask = s != NULL ? idg_kind_mask_parse (s, NULL) : 0;

  if (mask == 0)
    *ok = FALSE;
  return mask;
}

static IdgStoreGrant *
parse_grant (JsonNode  *node,
             guint      i,
             GError   **error)
{
  JsonObject *o;
  IdgStoreGrant *g;
  gboolean ok = TRUE;
  const gchar *id, *selector, *scopes, *purpose, *hash, *request;
  g_autoptr(IdgSelector) sel = NULL;
  JsonNode *rev;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    corrupt (error, "grant", i, "(object)");
    return NULL;
  }
  o = json_node_get_object (node);
  id = get_str (o, "id", FALSE, &ok);
  selector = get_str (o, "selector", FALSE, &ok);
  scopes = get_str (o, "scopes", FALSE, &ok);
  purpose = get_str (o, "purpose", FALSE, &ok);
  hash = get_str (o, "token-hash", TRUE, &ok);
  request = get_str (o, "request", TRUE, &ok);
  if (!ok || !valid_id (id, 'g') || !idg_store_valid_text (purpose) ||
      (hash != NULL && !valid_hash (hash)) || (request != NULL && !valid_id (request, 'r'))) {
    corrupt (error, "grant", i, "id/selector/scopes/purpose/token-hash/request");
    return NULL;
  }
  sel = idg_selector_parse (selector, NULL);
  g = g_new0 (IdgStoreGrant, 1);
  g->scopes = parse_scopes (scopes, &ok);
  g->created = get_int (o, "created", &ok);
  g->expires = get_int (o, "expires", &ok);
  g->revoked_at = get_int (o, "revoked-at", &ok);
  rev = json_object_get_member (o, "revoked");
  if (rev == NULL || !JSON_NODE_HOLDS_VALUE (rev) || json_node_get_value_type (rev) != G_TYPE_BOOLEAN)
    ok = FALSE;
  else if (json_node_get_boolean (rev))
    g->flags |= IDG_STORE_GRANT_REVOKED;
  if (!ok || sel == NULL) {
    idg_store_grant_free_internal (g);
    corrupt (error, "grant", i, "selector/scopes/times/revoked");
    return NULL;
  }
  idg_store_parse_id (id, 'g', &g->id);
  idg_store_grant_set_selector (g, sel);
  g->purpose = idg_store_intern (purpose);
  if (request != NULL) {
    idg_store_parse_id (request, 'r', &g->request);
    g->flags |= IDG_STORE_GRANT_HAS_REQUEST;
  }
  if (hash != NULL) {
    idg_store_hash_from_hex (hash, g->token_hash);
    g->flags |= IDG_STORE_GRANT_HAS_HASH;
  }
  return g;
}

static IdgRequest *
parse_request (JsonNode  *node,
               guint      i,
               GError   **error)
{
  JsonObject *o;
  IdgRequest *r;
  gboolean ok = TRUE;
  const gchar *id, *selector, *requester, *service, *scopes, *purpose, *state, *grant;
  g_autoptr(IdgSelector) sel = NULL;
  IdgRequestState st;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    corrupt (error, "request", i, "(object)");
    return NULL;
  }
  o = json_node_get_object (node);
  id = get_str (o, "id", FALSE, &ok);
  selector = get_str (o, "selector", FALSE, &ok);
  requester = get_str (o, "requester", FALSE, &ok);
  service = get_str (o, "service", FALSE, &ok);
  scopes = get_str (o, "scopes", FALSE, &ok);
  purpose = get_str (o, "purpose", FALSE, &ok);
  state = get_str (o, "state", FALSE, &ok);
  grant = get_str (o, "grant", TRUE, &ok);
  if (!ok || !valid_id (id, 'r') || (grant != NULL && !valid_id (grant, 'g')) ||
      !idg_store_valid_text (purpose) || !idg_request_state_from_string (state, &st) ||
      (sel = idg_selector_parse (selector, NULL)) == NULL) {
    corrupt (error, "request", i, "id/selector/strings/state");
    return NULL;
  }
  r = g_new0 (IdgRequest, 1);
  r->state = st;
  r->scopes = parse_scopes (scopes, &ok);
  r->created = get_int (o, "created", &ok);
  r->decided = get_int (o, "decided", &ok);
  if (!ok) {
    idg_request_free (r);
    corrupt (error, "request", i, "scopes/times");
    return NULL;
  }
  r->id = g_strdup (id);
  r->selector = idg_selector_to_string (sel);
  r->requester = g_strdup (requester);
  r->service = g_strdup (service);
  r->purpose = g_strdup (purpose);
  r->grant_id = g_strdup (grant);
  return r;
}

static JsonNode *
parse_json (JsonParser   *parser,
            const gchar  *data,
            gsize         len,
            GError      **error)
{
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  if (len > G_MAXSSIZE || !json_parser_load_from_data (parser, data, (gssize) len, &local)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT,
                 "not valid JSON: %s", local != NULL ? local->message : "too large");
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT, "not a JSON object");
    return NULL;
  }
  return root;
}

gboolean
idg_store_disk_parse (IdgStore     *store,
                      const gchar  *data,
                      gsize         len,
                      GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root = parse_json (parser, data, len, error);
  JsonObject *o;
  JsonNode *version, *generation, *grants, *requests;
  gboolean ok = TRUE;
  guint i;

  if (root == NULL)
    return FALSE;
  o = json_node_get_object (root);
  version = json_object_get_member (o, "version");
  generation = json_object_get_member (o, "generation");
  grants = json_object_get_member (o, "grants");
  requests = json_object_get_member (o, "requests");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64 ||
      json_node_get_int (version) != STORE_VERSION) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT,
                 "unknown or missing version (expected %d)", STORE_VERSION);
    return FALSE;
  }
  store->generation = generation != NULL ? get_int (o, "generation", &ok) : 0;
  if (!ok || grants == NULL || !JSON_NODE_HOLDS_ARRAY (grants) ||
      requests == NULL || !JSON_NODE_HOLDS_ARRAY (requests)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT,
                 "generation, grants or requests missing or invalid");
    return FALSE;
  }
  for (i = 0; i < json_array_get_length (json_node_get_array (grants)); i++) {
    IdgStoreGrant *g = parse_grant (json_array_get_element (json_node_get_array (grants), i), i, error);

    if (g == NULL)
      return FALSE;
    if (g_hash_table_contains (store->grant_by_id, g)) {
      idg_store_grant_free_internal (g);
      g = NULL;
    }
    if (g == NULL || !idg_store_put_grant (store, g)) {   /* put frees g on failure */
      g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT,
                   "grant %u: duplicate id or token hash", i);
      return FALSE;
    }
  }
  for (i = 0; i < json_array_get_length (json_node_get_array (requests)); i++) {
    IdgRequest *r = parse_request (json_array_get_element (json_node_get_array (requests), i), i, error);

    if (r == NULL)
      return FALSE;
    if (g_hash_table_contains (store->request_by_id, r->id)) {
      idg_request_free (r);
      g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT, "request %u: duplicate id", i);
      return FALSE;
    }
    idg_store_put_request (store, r);
  }
  store->snapshot_records = store->grants->len + store->requests->len;
  return TRUE;
}

/* A token hash the grant would take from another grant: refused before
 * anything of the change is applied. */
static gboolean
hash_taken (IdgStore            *store,
            GPtrArray           *grants,
            const IdgStoreGrant *g)
{
  IdgStoreGrant *holder;
  guint i;

  if (!(g->flags & IDG_STORE_GRANT_HAS_HASH))
    return FALSE;
  holder = idg_store_find_by_hash (store, g->token_hash);
  if (holder != NULL && holder->id != g->id)
    return TRUE;
  for (i = 0; i < grants->len; i++) {
    IdgStoreGrant *o = g_ptr_array_index (grants, i);

    if (o != g && (o->flags & IDG_STORE_GRANT_HAS_HASH) &&
        memcmp (o->token_hash, g->token_hash, IDG_STORE_HASH_BYTES) == 0 && o->id != g->id)
      return TRUE;
  }
  return FALSE;
}

/* {"change":{...}}: everything parsed and checked first, then applied. */
static gboolean
replay_change (IdgStore    *store,
               JsonNode    *change,
               guint        n,
               GError     **error)
{
  g_autoptr(GPtrArray) grants = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_store_grant_free_internal);
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_request_free);
  g_autoptr(GPtrArray) drops = g_ptr_array_new ();
  static const gchar *const members[] = { "grants", "requests", "drop" };
  JsonObject *o;
  guint i, m, known = 0;

  if (!JSON_NODE_HOLDS_OBJECT (change))
    return corrupt (error, "journal line", n, "change");
  o = json_node_get_object (change);
  for (m = 0; m < G_N_ELEMENTS (members); m++) {
    JsonNode *node = json_object_get_member (o, members[m]);
    JsonArray *a;

    if (node == NULL)
      continue;
    known++;
    if (!JSON_NODE_HOLDS_ARRAY (node))
      return corrupt (error, "journal line", n, members[m]);
    a = json_node_get_array (node);
    for (i = 0; i < json_array_get_length (a); i++) {
      JsonNode *e = json_array_get_element (a, i);

      if (m == 0) {
        IdgStoreGrant *g = parse_grant (e, n, error);

        if (g == NULL)
          return FALSE;
        g_ptr_array_add (grants, g);
      } else if (m == 1) {
        IdgRequest *r = parse_request (e, n, error);

        if (r == NULL)
          return FALSE;
        g_ptr_array_add (requests, r);
      } else {
        const gchar *id = JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING
                          ? json_node_get_string (e) : NULL;

        if (!valid_id (id, 'r'))
          return corrupt (error, "journal line", n, "drop");
        g_ptr_array_add (drops, (gpointer) id);
      }
    }
  }
  if (known != json_object_get_size (o) || known == 0)
    return corrupt (error, "journal line", n, "(grants, requests or drop)");
  for (i = 0; i < grants->len; i++)
    if (hash_taken (store, grants, g_ptr_array_index (grants, i)))
      return corrupt (error, "journal line", n, "token-hash (duplicate)");
  /* checked: nothing below can fail */
  for (i = 0; i < grants->len; i++)
    idg_store_put_grant (store, g_ptr_array_steal_index (grants, i--));
  for (i = 0; i < requests->len; i++)
    idg_store_put_request (store, g_ptr_array_steal_index (requests, i--));
  for (i = 0; i < drops->len; i++)
    idg_store_drop_request (store, g_ptr_array_index (drops, i));
  return TRUE;
}

/* One journal line after the header. */
static gboolean
replay_line (IdgStore     *store,
             JsonParser   *parser,
             const gchar  *line,
             guint         n,
             GError      **error)
{
  JsonNode *root = parse_json (parser, line, strlen (line), error);
  JsonObject *o;
  JsonNode *m;

  if (root == NULL)
    return FALSE;
  o = json_node_get_object (root);
  if (json_object_get_size (o) != 1)
    return corrupt (error, "journal line", n, "(one member)");
  if ((m = json_object_get_member (o, "change")) != NULL)
    return replay_change (store, m, n, error);
  /* version 1: one record a line */
  if ((m = json_object_get_member (o, "g")) != NULL) {
    IdgStoreGrant *g = parse_grant (m, n, error);

    if (g == NULL)
      return FALSE;
    if (!idg_store_put_grant (store, g))
      return corrupt (error, "journal line", n, "token-hash (duplicate)");
    return TRUE;
  }
  if ((m = json_object_get_member (o, "r")) != NULL) {
    IdgRequest *r = parse_request (m, n, error);

    if (r == NULL)
      return FALSE;
    idg_store_put_request (store, r);
    return TRUE;
  }
  if ((m = json_object_get_member (o, "drop")) != NULL) {
    gboolean ok = TRUE;
    const gchar *id = get_str (o, "drop", FALSE, &ok);

    if (!ok || !valid_id (id, 'r'))
      return corrupt (error, "journal line", n, "drop");
    idg_store_drop_request (store, id);
    return TRUE;
  }
  return corrupt (error, "journal line", n, "(change, g, r or drop)");
}

/* -1 if the header is not one. */
static gint64
header_generation (JsonParser  *parser,
                   const gchar *line)
{
  JsonNode *root = parse_json (parser, line, strlen (line), NULL);
  JsonObject *o;
  gboolean ok = TRUE;
  gint64 gen, version;

  if (root == NULL)
    return -1;
  o = json_node_get_object (root);
  version = get_int (o, "journal", &ok);
  if (!ok || version < 1 || version > JOURNAL_VERSION)
    return -1;
  gen = get_int (o, "generation", &ok);
  return ok ? gen : -1;
}

static gboolean
open_journal (IdgStore  *store,
              GError   **error)
{
  g_autofree gchar *path = g_build_filename (store->dir, JOURNAL_FILE, NULL);

  if (store->journal_fd >= 0)
    close (store->journal_fd);
  store->journal_fd = open (path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (store->journal_fd < 0)
    return set_io_error (error, errno, "cannot open", path);
  return TRUE;
}

static gboolean
new_journal (IdgStore  *store,
             gint64     generation,
             GError   **error)
{
  g_autofree gchar *header = journal_header (generation);

  store->journal_lines = 0;
  return idg_store_write_atomic (store->dir, JOURNAL_FILE, (const guint8 *) header,
                                 strlen (header), error) &&
         open_journal (store, error);
}

/* Replays journal text (modified in place) onto the snapshot. *keep gets
 * the length of the acknowledged part (up to the last newline, or up to
 * the last line when that one is not a valid change: *cut_line is then its
 * number); *stale is set for a journal older than the snapshot (nothing
 * replayed). */
gboolean
idg_store_disk_replay (IdgStore  *store,
                       gchar     *data,
                       gsize      len,
                       gsize     *keep,
                       guint     *cut_line,
                       gboolean  *stale,
                       GError   **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gchar *line, *nl, *next, *end;
  gint64 gen;
  guint n = 0;

  *stale = FALSE;
  *cut_line = 0;
  /* the part up to the last newline holds acknowledged records */
  *keep = len;
  while (*keep > 0 && data[*keep - 1] != '\n')
    (*keep)--;
  nl = memchr (data, '\n', len);
  if (nl == NULL || memchr (data, '\0', (gsize) (nl - data)) != NULL) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT, "no header");
    return FALSE;
  }
  *nl = '\0';
  gen = header_generation (parser, data);
  if (gen < 0 || gen > store->generation) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT,
                 "bad header, or newer than the snapshot");
    return FALSE;
  }
  if (gen < store->generation) {   /* left over from a crash during compaction */
    *stale = TRUE;
    return TRUE;
  }
  end = data + *keep;
  for (line = nl + 1; line < end; line = next + 1) {
    g_autoptr(GError) local = NULL;
    gboolean ok;

    next = memchr (line, '\n', (gsize) (end - line));   /* end[-1] is one */
    n++;
    if (memchr (line, '\0', (gsize) (next - line)) != NULL) {
      ok = FALSE;
      g_set_error (&local, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT, "NUL byte");
    } else {
      *next = '\0';
      ok = replay_line (store, parser, line, n, &local);
      *next = '\n';
    }
    if (ok)
      continue;
    if (next + 1 == end) {   /* the last line: the write a crash caught */
      *keep = (gsize) (line - data);
      *cut_line = n--;
      break;
    }
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT, "line %u of %s: %s",
                 n + 1, "the journal", local->message);
    return FALSE;
  }
  store->journal_lines = n;
  return TRUE;
}

/* store.journal onto the snapshot; cuts off a torn last line. */
static gboolean
load_journal (IdgStore  *store,
              GError   **error)
{
  g_autofree gchar *path = g_build_filename (store->dir, JOURNAL_FILE, NULL);
  g_autoptr(GError) local = NULL;
  g_autofree gchar *data = NULL;
  gsize len = 0, keep = 0;
  gboolean stale = FALSE;
  guint cut_line = 0;

  if (!g_file_get_contents (path, &data, &len, &local)) {
    if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO, "%s", local->message);
      return FALSE;
    }
    return new_journal (store, store->generation, error);
  }
  if (!idg_store_disk_replay (store, data, len, &keep, &cut_line, &stale, error)) {
    g_prefix_error (error, "%s: ", path);
    return FALSE;
  }
  if (stale)
    return new_journal (store, store->generation, error);
  if (cut_line != 0) {
    g_autofree gchar *torn = g_build_filename (store->dir, TORN_FILE, NULL);
    int fd = open (torn, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    /* for inspection only: not synced (nor is the cut below: a crash
     * before the next append just cuts it again) */
    if (fd < 0 || !write_all (fd, (const guint8 *) data + keep, len - keep)) {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      return set_io_error (error, saved, "cannot write", torn);
    }
    close (fd);
    g_warning ("consent store: the last journal record (line %u, %" G_GSIZE_FORMAT " bytes) is "
               "torn or corrupt: a change a crash interrupted, never acknowledged; not replayed, "
               "set aside in %s/%s; every acknowledged change is kept",
               cut_line + 1, len - keep, store->dir, TORN_FILE);
  }
  if (keep < len && truncate (path, (off_t) keep) < 0)
    return set_io_error (error, errno, "cannot cut the torn end of", path);
  return open_journal (store, error);
}

gboolean
idg_store_disk_load (IdgStore  *store,
                     GError   **error)
{
  g_autofree gchar *lock_path = g_build_filename (store->dir, LOCK_FILE, NULL);
  g_autofree gchar *path = g_build_filename (store->dir, STORE_FILE, NULL);
  g_autofree gchar *snap_path = g_build_filename (store->dir, SNAPSHOT_FILE, NULL);
  g_autoptr(GError) local = NULL;
  g_autoptr(GMappedFile) map = NULL;
  g_autofree gchar *data = NULL;
  gsize len = 0;

  store->lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (store->lock_fd < 0)
    return set_io_error (error, errno, "cannot open", lock_path);
  if (flock (store->lock_fd, LOCK_EX | LOCK_NB) < 0) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO,
                 "consent store %s is in use by another broker", store->dir);
    return FALSE;
  }
  /* store.snapshot, mapped and read in place (no copy, no tree), is the
   * state once written; a store.json beside it is a version 1 snapshot
   * that the first compaction replaced (and removes) */
  map = g_mapped_file_new (snap_path, FALSE, &local);
  if (map != NULL) {
    g_autoptr(GBytes) bytes = g_mapped_file_get_bytes (map);

    g_clear_pointer (&map, g_mapped_file_unref);   /* bytes holds the mapping */
    if (!idg_store_snapshot_parse (store, bytes, error)) {
      g_prefix_error (error, "consent store %s is corrupt: ", snap_path);
      return FALSE;
    }
  } else if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO,
                 "consent store unreadable: %s", local->message);
    return FALSE;
  } else if (g_clear_error (&local), g_file_get_contents (path, &data, &len, &local)) {
    store->legacy_snapshot = TRUE;
    if (!idg_store_disk_parse (store, data, len, error)) {
      g_prefix_error (error, "consent store %s is corrupt: ", path);
      return FALSE;
    }
  } else if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO,
                 "consent store unreadable: %s", local->message);
    return FALSE;
  }
  if (!load_journal (store, error)) {
    if (g_error_matches (*error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT))
      g_prefix_error (error, "consent store journal is corrupt: ");
    return FALSE;
  }
  return TRUE;
}

/* {"change":{...}} and a newline: one change, one line. */
static gchar *
change_line (IdgStoreGrant *const  *grants,
             guint                  n_grants,
             IdgRequest *const     *requests,
             guint                  n_requests,
             const gchar           *drop_request,
             gsize                 *len)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree gchar *line = NULL;
  guint i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "change");
  json_builder_begin_object (b);
  if (n_grants > 0) {
    json_builder_set_member_name (b, "grants");
    json_builder_begin_array (b);
    for (i = 0; i < n_grants; i++)
      build_grant (b, grants[i]);
    json_builder_end_array (b);
  }
  if (n_requests > 0) {
    json_builder_set_member_name (b, "requests");
    json_builder_begin_array (b);
    for (i = 0; i < n_requests; i++)
      build_request (b, requests[i]);
    json_builder_end_array (b);
  }
  if (drop_request != NULL) {
    json_builder_set_member_name (b, "drop");
    json_builder_begin_array (b);
    json_builder_add_string_value (b, drop_request);
    json_builder_end_array (b);
  }
  json_builder_end_object (b);
  json_builder_end_object (b);
  line = builder_to_string (b, NULL);
  *len = strlen (line) + 1;
  return g_strconcat (line, "\n", NULL);
}

gboolean
idg_store_disk_append (IdgStore              *store,
                       IdgStoreGrant *const  *grants,
                       guint                  n_grants,
                       IdgRequest *const     *requests,
                       guint                  n_requests,
                       const gchar           *drop_request,
                       GError               **error)
{
  g_autofree gchar *text = NULL;
  struct stat st;
  gsize len = 0;
  gboolean ok;

  if (store->journal_fd < 0 || fstat (store->journal_fd, &st) < 0) {
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO, "consent store journal not open");
    return FALSE;
  }
  text = change_line (grants, n_grants, requests, n_requests, drop_request, &len);
  ok = write_all (store->journal_fd, (const guint8 *) text, len) &&
       fdatasync (store->journal_fd) == 0;
  if (!ok) {
    int saved = errno;

    /* take back what may have reached the file, or refuse every later change */
    if (ftruncate (store->journal_fd, st.st_size) < 0 || fdatasync (store->journal_fd) < 0)
      store->broken = TRUE;
    g_set_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO,
                 "consent store not saved: %s", g_strerror (saved));
    return FALSE;
  }
  /* the compaction threshold counts records: one per grant or request */
  store->journal_lines += MAX (n_grants + n_requests, 1);
  return TRUE;
}

gboolean
idg_store_disk_rewrite (IdgStore  *store,
                        GError   **error)
{
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GError) local = NULL;

  data = idg_store_snapshot_serialize (store, store->generation + 1);
  if (!idg_store_write_atomic (store->dir, SNAPSHOT_FILE, g_bytes_get_data (data, NULL),
                               g_bytes_get_size (data), error)) {
    g_prefix_error (error, "consent store not saved: ");
    return FALSE;
  }
  /* committed: the old journal and a version 1 snapshot are now stale
   * whatever happens next (store.snapshot wins at load) */
  store->generation++;
  store->snapshot_records = store->grants->len + store->requests->len;
  if (store->legacy_snapshot) {
    g_autofree gchar *old = g_build_filename (store->dir, STORE_FILE, NULL);

    if (unlink (old) == 0 || errno == ENOENT)
      store->legacy_snapshot = FALSE;
  }
  store->broken = !new_journal (store, store->generation, &local);
  if (store->broken)
    g_warning ("consent store: %s; refusing further changes until restart", local->message);
  return TRUE;
}

void
idg_store_disk_close (IdgStore *store)
{
  if (store->journal_fd >= 0)
    close (store->journal_fd);
  store->journal_fd = -1;
  if (store->lock_fd >= 0)
    close (store->lock_fd);
  store->lock_fd = -1;
}
