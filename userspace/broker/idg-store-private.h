/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the consent store: the in-memory model (idg-store.c) and its disk
 * format (idg-store-disk.c) share these. Nothing else includes it.
 */
#ifndef IDG_STORE_PRIVATE_H
#define IDG_STORE_PRIVATE_H

#include <glib.h>
#include "idg-selector.h"
#include "idg-store.h"

G_BEGIN_DECLS

#define IDG_STORE_MAX_PURPOSE 512
#define IDG_STORE_HASH_BYTES  32    /* SHA-256 of the token string */

/* Flags of a grant in memory. */
enum {
  IDG_STORE_GRANT_REVOKED     = 1 << 0,
  IDG_STORE_GRANT_HAS_HASH    = 1 << 1,   /* token_hash holds one */
  IDG_STORE_GRANT_HAS_REQUEST = 1 << 2,   /* request holds the request's id */
  IDG_STORE_GRANT_HAS_UID     = 1 << 3,
  IDG_STORE_GRANT_HAS_GID     = 1 << 4,
  IDG_STORE_GRANT_EXE_ALONE   = 1 << 5,   /* see IdgGrant.exe_alone */
  IDG_STORE_GRANT_INDEXED     = 1 << 6,   /* in the index (not revoked) */
};

/* A grant in memory, compact (docs/performance.md, "Store"): 128 bytes, no
 * per-grant allocation but its own; ids as the 64-bit numbers of their 16
 * hex digits; the selector's parts and the purpose as interned strings
 * (idg_store_intern: grants of one service share them); the token hash as raw
 * bytes. The public IdgGrant (strings) is built on demand
 * (idg_store_grant_to_public). */
typedef struct _IdgStoreGrant IdgStoreGrant;
struct _IdgStoreGrant {
  guint64        id;            /* "g-%016" G_GINT64_MODIFIER "x" */
  guint64        request;       /* with HAS_REQUEST: "r-%016..x" */
  gint64         created;
  gint64         expires;       /* 0: never */
  gint64         revoked_at;
  guint32        scopes;
  guint32        flags;
  guint32        uid;           /* with HAS_UID */
  guint32        gid;           /* with HAS_GID */
  gchar         *exe;           /* interned (idg_store_intern) or NULL */
  gchar         *unit;
  gchar         *cgroup;
  gchar         *purpose;       /* interned */
  IdgStoreGrant *index_next;    /* the next grant of the same index bucket */
  guint8         token_hash[IDG_STORE_HASH_BYTES];
};

struct _IdgStore {
  gchar          *dir;            /* NULL: in-memory (load_data, fuzzing) */
  int             lock_fd;
  GPtrArray      *grants;         /* IdgStoreGrant*, creation order, owns */
  GHashTable     *grant_by_id;    /* set of IdgStoreGrant*, hashed by id */
  GHashTable     *grant_by_hash;  /* set of IdgStoreGrant* with a token hash, by it */
  GHashTable     *index;          /* set of the first IdgStoreGrant* of each bucket
                                   * (not revoked), by the most specific item of
                                   * its selector; the others chain on index_next */
  GPtrArray      *requests;       /* IdgRequest*, creation order, owns */
  GHashTable     *request_by_id;
  guint8          secret[IDG_SECRET_LEN];
  IdgStoreNotify  notify;
  gpointer        notify_data;
  /* disk */
  int             journal_fd;     /* store.journal, O_APPEND, or -1 */
  gint64          generation;     /* of the snapshot and store.journal */
  guint           journal_lines;  /* records appended since the snapshot */
  guint           journal_limit;
  guint           snapshot_records;  /* grants + requests in the snapshot */
  gboolean        legacy_snapshot;   /* loaded from store.json (version 1) */
  gboolean        broken;         /* a write could not be undone: refuse changes */
  /* request budgets (idg-store-requests.c); 0: the defaults */
  guint           request_per_uid;
  gint64          request_lifetime;
  /* past grants (revoked, expired) older than this are dropped; 0: kept */
  gint64          retention;
  gint64          retention_now;  /* for tests: the clock of the drop; 0: real */
};

/* idg-store.c: the model */
IdgStore   *idg_store_new_empty           (void);
void        idg_store_grant_free_internal (IdgStoreGrant *grant);
/* Sets the grant's selector parts (interned) and flags from sel. */
void        idg_store_grant_set_selector  (IdgStoreGrant     *grant,
                                           const IdgSelector *sel);
/* A view of the grant's selector: points into the grant, never freed. */
void        idg_store_grant_selector      (const IdgStoreGrant *grant,
                                           IdgSelector         *out);
/* The public form (strings), for callers and the journal. */
IdgGrant   *idg_store_grant_to_public     (const IdgStoreGrant *grant);
/* An interned copy of s (shared, counted; the grant's free releases it),
 * or NULL. */
gchar      *idg_store_intern              (const gchar   *s);
/* "g-" / "r-" and 16 lowercase hex digits <-> the number. */
#define IDG_STORE_ID_LEN 18
void        idg_store_format_id           (gchar          buf[IDG_STORE_ID_LEN + 1],
                                           gchar          prefix,
                                           guint64        id);
gboolean    idg_store_parse_id            (const gchar   *str,
                                           gchar          prefix,
                                           guint64       *id);
/* 64 lowercase hex digits -> 32 bytes; FALSE if str is not that. */
gboolean    idg_store_hash_from_hex       (const gchar   *hex,
                                           guint8         out[IDG_STORE_HASH_BYTES]);
gchar      *idg_store_hash_to_hex         (const guint8   hash[IDG_STORE_HASH_BYTES]);
IdgStoreGrant *idg_store_find_grant       (IdgStore      *store,
                                           const gchar   *grant_id);
/* idg-store-grant.c: the sets (by id, by token hash, index) */
enum {
  IDG_STORE_KEY_UID, IDG_STORE_KEY_UNIT, IDG_STORE_KEY_EXE, IDG_STORE_KEY_GID, IDG_STORE_KEY_CGROUP
};
void        idg_store_grant_sets_new      (IdgStore      *store);
void        idg_store_grant_set_revoked   (IdgStore      *store,
                                           IdgStoreGrant *grant,
                                           gboolean       revoked,
                                           gint64         at);
/* The first grant (not revoked) of a bucket; the others follow on
 * index_next. kind: IDG_STORE_KEY_*; num for uid and gid, str otherwise. */
const IdgStoreGrant *idg_store_index_bucket (IdgStore    *store,
                                             gint         kind,
                                             guint32      num,
                                             const gchar *str);
IdgStoreGrant *idg_store_find_by_hash     (IdgStore      *store,
                                           const guint8   hash[IDG_STORE_HASH_BYTES]);
/* Drops past grants (revoked, or expired) whose revocation or expiry is
 * older than the retention, in memory; the number dropped. The caller
 * writes the snapshot that makes it durable. */
guint       idg_store_drop_past           (IdgStore      *store,
                                           gint64         now);
/* Upserts (a record with the same id is replaced in place); take the
 * record; FALSE (record freed) on a token hash another grant holds. */
gboolean    idg_store_put_grant           (IdgStore      *store,
                                           IdgStoreGrant *grant);
void        idg_store_put_request         (IdgStore      *store,
                                           IdgRequest    *request);
void        idg_store_drop_request        (IdgStore      *store,
                                           const gchar   *request_id);
void        idg_store_clear_all           (IdgStore      *store);
gboolean    idg_store_valid_text          (const gchar   *text);
gboolean    idg_request_state_from_string (const gchar     *str,
                                           IdgRequestState *out);

/* idg-store.c: helpers of the operations (idg-store-requests.c uses them) */
/* One change, one journal record: written whole or not at all. */
gboolean       idg_store_commit         (IdgStore             *store,
                                         IdgStoreGrant *const *grants,
                                         guint                 n_grants,
                                         IdgRequest *const    *requests,
                                         guint                 n_requests,
                                         const gchar          *drop_request,
                                         GError              **error);
gchar         *idg_store_new_id         (IdgStore             *store,
                                         gchar                 prefix,
                                         GError              **error);
gboolean       idg_store_check_args     (guint32               scopes,
                                         const gchar          *purpose,
                                         gint64                ttl,
                                         GError              **error);
IdgStoreGrant *idg_store_make_grant     (IdgStore             *store,
                                         const IdgSelector    *sel,
                                         guint32               scopes,
                                         const gchar          *purpose,
                                         gint64                ttl,
                                         gint64                now,
                                         gchar               **token,
                                         GError              **error);
void           idg_store_remove_grant   (IdgStore             *store,
                                         IdgStoreGrant        *grant);
/* hash: IDG_STORE_HASH_BYTES, or NULL for none. */
void           idg_store_set_token_hash (IdgStore             *store,
                                         IdgStoreGrant        *grant,
                                         const guint8         *hash);
void           idg_store_notify         (IdgStore             *store,
                                         const gchar          *what,
                                         const gchar          *id);

/* idg-store-disk.c: store.json (snapshot) + store.journal (appended
 * records), both JSON; see the top of idg-store-disk.c. */
gboolean    idg_store_disk_load     (IdgStore        *store,
                                     GError         **error);
gboolean    idg_store_disk_parse    (IdgStore        *store,
                                     const gchar     *data,
                                     gsize            len,
                                     GError         **error);
/* *keep: the length of the journal to keep; *cut_line: the number of a
 * complete last record that was torn or corrupt and is not replayed
 * (never acknowledged: see idg-store-disk.c), or 0. */
gboolean    idg_store_disk_replay   (IdgStore        *store,
                                     gchar           *data,
                                     gsize            len,
                                     gsize           *keep,
                                     guint           *cut_line,
                                     gboolean        *stale,
                                     GError         **error);
gboolean    idg_store_disk_append   (IdgStore              *store,
                                     IdgStoreGrant *const  *grants,
                                     guint                  n_grants,
                                     IdgRequest *const     *requests,
                                     guint                  n_requests,
                                     const gchar           *drop_request,
                                     GError               **error);
gboolean    idg_store_disk_rewrite  (IdgStore        *store,
                                     GError         **error);
/* idg-store-snapshot.c: the snapshot, store.snapshot (GVariant, see
 * there). serialize: the file's bytes; parse: into an empty store. */
GBytes     *idg_store_snapshot_serialize (IdgStore     *store,
                                          gint64        generation);
gboolean    idg_store_snapshot_parse     (IdgStore     *store,
                                          GBytes       *bytes,
                                          GError      **error);
/* The body alone (no header, no check sum): for the fuzzer. */
gboolean    idg_store_snapshot_parse_body (IdgStore    *store,
                                           GBytes      *body,
                                           GError     **error);
void        idg_store_disk_close    (IdgStore        *store);
gboolean    idg_store_write_atomic  (const gchar     *dir,
                                     const gchar     *name,
                                     const guint8    *data,
                                     gsize            len,
                                     GError         **error);

G_END_DECLS

#endif
