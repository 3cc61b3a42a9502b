// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The consent store's grants in memory: the compact record
 * (idg-store-private.h), its interned strings, and the three sets that find
 * a grant: by id, by token hash, and the index by the most specific item of
 * its selector (uid, else unit, else exe, else gid, else cgroup) that the
 * doors ask on every message.
 *
 * The sets hold the grants themselves (GHashTable used as a set: no key or
 * value of their own), hashed from the grant's fields; a lookup hashes a
 * probe record on the stack. The index holds the first grant of each bucket,
 * the others chain on index_next: no allocation per bucket.
 */
#include "idg-store-private.h"

#include <string.h>

typedef IdgStoreGrant Grant;

enum {
  KEY_UID = IDG_STORE_KEY_UID,
  KEY_UNIT = IDG_STORE_KEY_UNIT,
  KEY_EXE = IDG_STORE_KEY_EXE,
  KEY_GID = IDG_STORE_KEY_GID,
  KEY_CGROUP = IDG_STORE_KEY_CGROUP,
};

/* Interned strings: one copy of each distinct string, counted, shared by
 * every grant that holds it (a service's purpose, unit or exe repeats
 * across its grants). A set of the strings themselves; the count sits in
 * front of each. One table for the process (stores live in one thread, but
 * tests make several): under a mutex. */
typedef struct {
  guint32 refs;
  gchar   str[];
} Interned;

static GMutex      pool_lock;
static GHashTable *pool;

/* The pool's and the index's string hash: eight bytes a step (g_str_hash
 * takes one: at 100,000 grants it was a sixth of the store's load). Only
 * in memory, never written. */
static guint
str_hash (gconstpointer p)
{
  const gchar *s = p;
  gsize len = strlen (s), i;
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325) ^ len, w;

  for (i = 0; i + 8 <= len; i += 8) {
    memcpy (&w, s + i, 8);
    h = (h ^ w) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
    h ^= h >> 32;
  }
  for (w = 0; i < len; i++)   /* the last 0 to 7 bytes */
    w = (w << 8) | (guint8) s[i];
  h = (h ^ w) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  return (guint) (h ^ (h >> 32));
}

static Interned *
interned_of (const gchar *str)
{
  return (Interned *) (gpointer) (str - G_STRUCT_OFFSET (Interned, str));
}

gchar *
idg_store_intern (const gchar *s)
{
  gchar *str;

  if (s == NULL)
    return NULL;
  g_mutex_lock (&pool_lock);
  if (pool == NULL)
    pool = g_hash_table_new (str_hash, g_str_equal);
  str = g_hash_table_lookup (pool, s);
  if (str != NULL) {
    interned_of (str)->refs++;
  } else {
    gsize len = strlen (s);
    Interned *in = g_malloc (sizeof *in + len + 1);

    in->refs = 1;
    memcpy (in->str, s, len + 1);
    str = in->str;
    g_hash_table_add (pool, str);
  }
  g_mutex_unlock (&pool_lock);
  return str;
}

static void
release (gchar *s)
{
  Interned *in;

  if (s == NULL)
    return;
  in = interned_of (s);
  g_mutex_lock (&pool_lock);
  if (--in->refs == 0) {
    g_hash_table_remove (pool, s);
    g_free (in);
  }
  g_mutex_unlock (&pool_lock);
}

void
idg_store_grant_free_internal (Grant *g)
{
  if (g == NULL)
    return;
  release (g->exe);
  release (g->unit);
  release (g->cgroup);
  release (g->purpose);
  g_free (g);
}

void
idg_store_format_id (gchar    buf[IDG_STORE_ID_LEN + 1],
                     gchar    prefix,
                     guint64  id)
{
  g_snprintf (buf, IDG_STORE_ID_LEN + 1, "%c-%016" G_GINT64_MODIFIER "x", prefix, id);
}

static gint
hex_digit (gchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;   /* upper case is not ours */
}

gboolean
idg_store_parse_id (const gchar *str,
                    gchar        prefix,
                    guint64     *id)
{
  guint64 v = 0;
  gsize i;

  if (str == NULL || str[0] != prefix || str[1] != '-')
    return FALSE;
  for (i = 2; i < IDG_STORE_ID_LEN; i++) {
    gint d = hex_digit (str[i]);

    if (d < 0)
      return FALSE;
    v = v << 4 | (guint64) d;
  }
  if (str[IDG_STORE_ID_LEN] != '\0')
    return FALSE;
  *id = v;
  return TRUE;
}

gboolean
idg_store_hash_from_hex (const gchar *hex,
                         guint8       out[IDG_STORE_HASH_BYTES])
{
  gsize i;

  for (i = 0; i < IDG_STORE_HASH_BYTES; i++) {
    gint hi = hex_digit (hex[2 * i]);
    gint lo = hi < 0 ? -1 : hex_digit (hex[2 * i + 1]);

    if (lo < 0)
      return FALSE;
    out[i] = (guint8) (hi << 4 | lo);
  }
  return hex[2 * IDG_STORE_HASH_BYTES] == '\0';
}

gchar *
idg_store_hash_to_hex (const guint8 hash[IDG_STORE_HASH_BYTES])
{
  static const gchar digits[] = "0123456789abcdef";
  gchar *hex = g_malloc (2 * IDG_STORE_HASH_BYTES + 1);
  gsize i;

  for (i = 0; i < IDG_STORE_HASH_BYTES; i++) {
    hex[2 * i] = digits[hash[i] >> 4];
    hex[2 * i + 1] = digits[hash[i] & 15];
  }
  hex[2 * IDG_STORE_HASH_BYTES] = '\0';
  return hex;
}

void
idg_store_grant_set_selector (Grant             *g,
                              const IdgSelector *sel)
{
  g->flags &= ~(guint32) (IDG_STORE_GRANT_HAS_UID | IDG_STORE_GRANT_HAS_GID | IDG_STORE_GRANT_EXE_ALONE);
  if (sel->has_uid)
    g->flags |= IDG_STORE_GRANT_HAS_UID;
  if (sel->has_gid)
    g->flags |= IDG_STORE_GRANT_HAS_GID;
  if (idg_selector_exe_alone (sel))
    g->flags |= IDG_STORE_GRANT_EXE_ALONE;
  g->uid = (guint32) sel->uid;
  g->gid = (guint32) sel->gid;
  release (g->exe);
  release (g->unit);
  release (g->cgroup);
  g->exe = idg_store_intern (sel->exe);
  g->unit = idg_store_intern (sel->unit);
  g->cgroup = idg_store_intern (sel->cgroup);
}

void
idg_store_grant_selector (const Grant *g,
                          IdgSelector *out)
{
  out->has_uid = (g->flags & IDG_STORE_GRANT_HAS_UID) != 0;
  out->has_gid = (g->flags & IDG_STORE_GRANT_HAS_GID) != 0;
  out->uid = (uid_t) g->uid;
  out->gid = (gid_t) g->gid;
  out->exe = g->exe;
  out->unit = g->unit;
  out->cgroup = g->cgroup;
}

IdgGrant *
idg_store_grant_to_public (const Grant *g)
{
  IdgGrant *p = g_new0 (IdgGrant, 1);
  IdgSelector sel;
  gchar id[IDG_STORE_ID_LEN + 1];

  idg_store_grant_selector (g, &sel);
  idg_store_format_id (id, 'g', g->id);
  p->id = g_strdup (id);
  p->selector = idg_selector_to_string (&sel);
  p->scopes = g->scopes;
  p->purpose = g_strdup (g->purpose);
  p->created = g->created;
  p->expires = g->expires;
  p->revoked = (g->flags & IDG_STORE_GRANT_REVOKED) != 0;
  p->revoked_at = g->revoked_at;
  if (g->flags & IDG_STORE_GRANT_HAS_REQUEST) {
    idg_store_format_id (id, 'r', g->request);
    p->request_id = g_strdup (id);
  }
  p->exe_alone = (g->flags & IDG_STORE_GRANT_EXE_ALONE) != 0;
  return p;
}

/* ---- the sets ---- */

static guint
id_hash (gconstpointer p)
{
  guint64 id = ((const Grant *) p)->id;

  return (guint) (id ^ (id >> 32));
}

static gboolean
id_equal (gconstpointer a,
          gconstpointer b)
{
  return ((const Grant *) a)->id == ((const Grant *) b)->id;
}

static guint
token_hash_hash (gconstpointer p)
{
  guint h;

  memcpy (&h, ((const Grant *) p)->token_hash, sizeof h);   /* a SHA-256: uniform */
  return h;
}

static gboolean
token_hash_equal (gconstpointer a,
                  gconstpointer b)
{
  return memcmp (((const Grant *) a)->token_hash, ((const Grant *) b)->token_hash,
                 IDG_STORE_HASH_BYTES) == 0;
}

/* The bucket of a grant: its kind and its value (a number or a string). */
static gint
index_key (const Grant  *g,
           guint32      *num,
           const gchar **str)
{
  *str = NULL;
  *num = 0;
  if (g->flags & IDG_STORE_GRANT_HAS_UID) {
    *num = g->uid;
    return KEY_UID;
  }
  if (g->unit != NULL) {
    *str = g->unit;
    return KEY_UNIT;
  }
  if (g->exe != NULL) {
    *str = g->exe;
    return KEY_EXE;
  }
  if (g->flags & IDG_STORE_GRANT_HAS_GID) {
    *num = g->gid;
    return KEY_GID;
  }
  *str = g->cgroup != NULL ? g->cgroup : "";
  return KEY_CGROUP;
}

static guint
index_hash (gconstpointer p)
{
  const gchar *str;
  guint32 num;
  gint kind = index_key (p, &num, &str);

  return (str != NULL ? str_hash (str) : num * 2654435761u) ^ (guint) kind;
}

static gboolean
index_equal (gconstpointer a,
             gconstpointer b)
{
  const gchar *sa, *sb;
  guint32 na, nb;

  return index_key (a, &na, &sa) == index_key (b, &nb, &sb) && na == nb &&
         (sa == sb || (sa != NULL && sb != NULL && strcmp (sa, sb) == 0));
}

void
idg_store_grant_sets_new (IdgStore *store)
{
  store->grant_by_id = g_hash_table_new (id_hash, id_equal);
  store->grant_by_hash = g_hash_table_new (token_hash_hash, token_hash_equal);
  store->index = g_hash_table_new (index_hash, index_equal);
}

static void
index_add (IdgStore *store,
           Grant    *g)
{
  Grant *head;

  if (g->flags & (IDG_STORE_GRANT_INDEXED | IDG_STORE_GRANT_REVOKED))
    return;
  head = g_hash_table_lookup (store->index, g);
  if (head == NULL) {
    g->index_next = NULL;
    g_hash_table_add (store->index, g);
  } else {
    g->index_next = head->index_next;
    head->index_next = g;
  }
  g->flags |= IDG_STORE_GRANT_INDEXED;
}

static void
index_remove (IdgStore *store,
              Grant    *g)
{
  Grant *head, *p;

  if (!(g->flags & IDG_STORE_GRANT_INDEXED))
    return;
  head = g_hash_table_lookup (store->index, g);
  if (head == g) {
    if (g->index_next != NULL)
      g_hash_table_add (store->index, g->index_next);   /* replaces g */
    else
      g_hash_table_remove (store->index, g);
  } else {
    for (p = head; p != NULL && p->index_next != g; p = p->index_next)
      ;
    if (p != NULL)
      p->index_next = g->index_next;
  }
  g->index_next = NULL;
  g->flags &= ~(guint32) IDG_STORE_GRANT_INDEXED;
}

void
idg_store_grant_set_revoked (IdgStore *store,
                             Grant    *g,
                             gboolean  revoked,
                             gint64    at)
{
  g->revoked_at = at;
  if (revoked) {
    g->flags |= IDG_STORE_GRANT_REVOKED;
    index_remove (store, g);
  } else {
    g->flags &= ~(guint32) IDG_STORE_GRANT_REVOKED;
    index_add (store, g);
  }
}

/* The first grant of the bucket a probe names (see index_key). */
const Grant *
idg_store_index_bucket (IdgStore    *store,
                        gint         kind,
                        guint32      num,
                        const gchar *str)
{
  Grant probe = { 0 };

  switch (kind) {
  case KEY_UID:    probe.flags = IDG_STORE_GRANT_HAS_UID; probe.uid = num; break;
  case KEY_GID:    probe.flags = IDG_STORE_GRANT_HAS_GID; probe.gid = num; break;
  case KEY_UNIT:   probe.unit = (gchar *) str; break;
  case KEY_EXE:    probe.exe = (gchar *) str; break;
  default:         probe.cgroup = (gchar *) str; break;
  }
  return g_hash_table_lookup (store->index, &probe);
}

Grant *
idg_store_find_grant (IdgStore    *store,
                      const gchar *grant_id)
{
  Grant probe = { 0 };

  if (!idg_store_parse_id (grant_id, 'g', &probe.id))
    return NULL;
  return g_hash_table_lookup (store->grant_by_id, &probe);
}

Grant *
idg_store_find_by_hash (IdgStore     *store,
                        const guint8  hash[IDG_STORE_HASH_BYTES])
{
  Grant probe = { 0 };

  memcpy (probe.token_hash, hash, IDG_STORE_HASH_BYTES);
  return g_hash_table_lookup (store->grant_by_hash, &probe);
}

/* Takes g. A grant with the same id is updated in place (same object, same
 * position); FALSE (g freed) if another grant holds its token hash. */
gboolean
idg_store_put_grant (IdgStore *store,
                     Grant    *g)
{
  Grant *old = g_hash_table_lookup (store->grant_by_id, g);
  Grant *holder = (g->flags & IDG_STORE_GRANT_HAS_HASH)
                  ? g_hash_table_lookup (store->grant_by_hash, g) : NULL;
  Grant tmp;

  if (holder != NULL && holder != old) {
    idg_store_grant_free_internal (g);
    return FALSE;
  }
  g->flags &= ~(guint32) IDG_STORE_GRANT_INDEXED;
  g->index_next = NULL;
  if (old == NULL) {
    g_ptr_array_add (store->grants, g);
    g_hash_table_add (store->grant_by_id, g);
    if (g->flags & IDG_STORE_GRANT_HAS_HASH)
      g_hash_table_add (store->grant_by_hash, g);
    index_add (store, g);
    return TRUE;
  }
  index_remove (store, old);
  if (old->flags & IDG_STORE_GRANT_HAS_HASH)
    g_hash_table_remove (store->grant_by_hash, old);
  tmp = *old;
  *old = *g;
  *g = tmp;
  if (old->flags & IDG_STORE_GRANT_HAS_HASH)
    g_hash_table_add (store->grant_by_hash, old);
  index_add (store, old);
  idg_store_grant_free_internal (g);   /* the previous contents */
  return TRUE;
}

/* Out of every set, not freed. */
static void
unlink_grant (IdgStore *store,
              Grant    *g)
{
  index_remove (store, g);
  if (g->flags & IDG_STORE_GRANT_HAS_HASH)
    g_hash_table_remove (store->grant_by_hash, g);
  g_hash_table_remove (store->grant_by_id, g);
}

/* Undo of idg_store_put_grant for a grant just added. */
void
idg_store_remove_grant (IdgStore *store,
                        Grant    *g)
{
  unlink_grant (store, g);
  g_ptr_array_remove (store->grants, g);   /* frees */
}

void
idg_store_set_token_hash (IdgStore     *store,
                          Grant        *g,
                          const guint8 *hash)
{
  if (g->flags & IDG_STORE_GRANT_HAS_HASH)
    g_hash_table_remove (store->grant_by_hash, g);
  g->flags &= ~(guint32) IDG_STORE_GRANT_HAS_HASH;
  memset (g->token_hash, 0, sizeof g->token_hash);
  if (hash != NULL) {
    memcpy (g->token_hash, hash, IDG_STORE_HASH_BYTES);
    g->flags |= IDG_STORE_GRANT_HAS_HASH;
    g_hash_table_add (store->grant_by_hash, g);
  }
}

/* ---- retention ---- */

void
idg_store_set_retention (IdgStore *store,
                         gint64    seconds)
{
  store->retention = MAX (seconds, 0);
}

/* When a past grant became past: its revocation, else its expiry; 0 for
 * an active one. */
static gint64
past_since (const Grant *g,
            gint64       now)
{
  if (g->flags & IDG_STORE_GRANT_REVOKED)
    return MAX (g->revoked_at, 1);
  if (g->expires != 0 && g->expires <= now)
    return g->expires;
  return 0;
}

guint
idg_store_drop_past (IdgStore *store,
                     gint64    now)
{
  guint i, kept = 0, dropped = 0;

  if (store->retention <= 0)
    return 0;
  for (i = 0; i < store->grants->len; i++) {
    Grant *g = g_ptr_array_index (store->grants, i);
    gint64 since = past_since (g, now);

    if (since != 0 && since <= now - store->retention) {
      unlink_grant (store, g);
      idg_store_grant_free_internal (g);
      dropped++;
      continue;
    }
    store->grants->pdata[kept++] = g;
  }
  if (dropped > 0) {
    g_ptr_array_set_free_func (store->grants, NULL);
    g_ptr_array_set_size (store->grants, kept);
    g_ptr_array_set_free_func (store->grants, (GDestroyNotify) idg_store_grant_free_internal);
  }
  return dropped;
}
