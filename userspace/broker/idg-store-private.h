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

typedef struct {
  IdgGrant     pub;
  IdgSelector *sel;
  gchar       *token_hash;   /* NULL: no token (approved, not yet claimed) */
  gchar       *index_key;    /* bucket it sits in while not revoked, or NULL */
} IdgStoreGrant;

struct _IdgStore {
  gchar          *dir;            /* NULL: in-memory (load_data, fuzzing) */
  int             lock_fd;
  GPtrArray      *grants;         /* IdgStoreGrant*, creation order, owns */
  GHashTable     *grant_by_id;    /* id -> IdgStoreGrant* */
  GHashTable     *grant_by_hash;  /* token hash -> IdgStoreGrant* */
  GHashTable     *index;          /* key -> GPtrArray of IdgStoreGrant* (not revoked) */
  GPtrArray      *requests;       /* IdgRequest*, creation order, owns */
  GHashTable     *request_by_id;
  guint8          secret[IDG_SECRET_LEN];
  IdgStoreNotify  notify;
  gpointer        notify_data;
  /* disk */
  int             journal_fd;     /* store.journal, O_APPEND, or -1 */
  gint64          generation;     /* of store.json and store.journal */
  guint           journal_lines;  /* records appended since the snapshot */
  guint           journal_limit;
  guint           snapshot_records;  /* grants + requests in store.json */
  gboolean        broken;         /* a write could not be undone: refuse changes */
  /* request budgets (idg-store-requests.c); 0: the defaults */
  guint           request_per_uid;
  gint64          request_lifetime;
};

/* idg-store.c: the model */
IdgStore   *idg_store_new_empty           (void);
void        idg_store_grant_free_internal (IdgStoreGrant *grant);
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
void           idg_store_set_token_hash (IdgStore             *store,
                                         IdgStoreGrant        *grant,
                                         gchar                *hash);
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
void        idg_store_disk_close    (IdgStore        *store);
gboolean    idg_store_write_atomic  (const gchar     *dir,
                                     const gchar     *name,
                                     const guint8    *data,
                                     gsize            len,
                                     GError         **error);

G_END_DECLS

#endif
