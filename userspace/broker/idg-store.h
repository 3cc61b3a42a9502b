/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The consent store: grants, requests and the device secret, kept in
 * STATE_DIR as JSON (store.json, a snapshot, and store.journal, the changes
 * since; see idg-store-disk.c) and a 32-byte secret (secret, 0600).
 *
 * Every change is made durable (journal line appended and fdatasync()ed;
 * snapshots and the secret written as temp file, fsync, rename, fsync of
 * the directory) BEFORE the function returns TRUE: a change that was
 * acknowledged is never lost, a revoked grant never comes back. If the
 * write fails the change is undone in memory and FALSE is returned.
 * A corrupt or unreadable store is an error at load: never an empty store.
 *
 * Times are wall-clock UNIX seconds (g_get_real_time () / G_USEC_PER_SEC);
 * a grant expires when now >= expires (0: never). Callers pass `now` so
 * tests can move time.
 *
 * Tokens: the plain token is returned once (idg_token_free it after use)
 * and only its SHA-256 is stored.
 *
 * Requests: a service asks (idg_store_add_request, with its kernel identity;
 * the request's selector is derived from that identity). An admin approves
 * (a grant is created for the request's selector; the admin gets a token if
 * token_out is non-NULL) or denies. The requester, and only a caller matching
 * the request's selector, claims it ONCE: the claim issues a fresh token and
 * replaces the grant's token hash (a token given to the admin at approval
 * stops working then). State: pending -> approved -> claimed, or denied;
 * or, undecided: expired (older than the request lifetime, default 24 h,
 * counted from its creation, across restarts) or superseded (its uid made
 * more pending requests than allowed, default 4: the newest replaces that
 * uid's oldest, and no other uid is refused for it).
 */
#ifndef IDG_STORE_H
#define IDG_STORE_H

#include <glib.h>
#include "idg-identity.h"
#include "idg-kind.h"
#include "idg-mask.h"

G_BEGIN_DECLS

typedef struct _IdgStore IdgStore;

typedef struct {
  gchar    *id;          /* "g-" + 16 hex digits */
  gchar    *selector;    /* canonical selector string */
  guint32   scopes;      /* IDG_KIND_BIT()s */
  gchar    *purpose;
  gint64    created;     /* wall clock, UNIX seconds */
  gint64    expires;     /* wall clock, UNIX seconds; 0: never */
  gboolean  revoked;
  gint64    revoked_at;  /* 0 unless revoked */
  gchar    *request_id;  /* the request it was approved from, or NULL */
  gboolean  exe_alone;   /* selector names exe: and no uid, gid or unit (a
                          * grant stored before that was refused): it
                          * matches no one, is never pushed to the kernel
                          * and is not counted active (idg-selector.h) */
} IdgGrant;

typedef enum {
  IDG_REQUEST_PENDING  = 0,
  IDG_REQUEST_APPROVED = 1,
  IDG_REQUEST_DENIED   = 2,
  IDG_REQUEST_CLAIMED  = 3,
  IDG_REQUEST_EXPIRED  = 4,   /* not decided within the request lifetime */
  IDG_REQUEST_SUPERSEDED = 5, /* its uid's newer request took its place */
} IdgRequestState;

typedef struct {
  gchar           *id;         /* "r-" + 16 hex digits */
  gchar           *selector;   /* derived from the requester's identity */
  gchar           *requester;  /* idg_identity_describe () at request time */
  gchar           *service;    /* the requester's service key */
  guint32          scopes;
  gchar           *purpose;
  IdgRequestState  state;
  gint64           created;
  gint64           decided;    /* 0 while pending */
  gchar           *grant_id;   /* once approved */
} IdgRequest;

#define IDG_STORE_ERROR (idg_store_error_quark ())
GQuark idg_store_error_quark (void);
typedef enum {
  IDG_STORE_ERROR_CORRUPT,    /* the files on disk cannot be trusted */
  IDG_STORE_ERROR_IO,         /* a read or a crash-safe write failed */
  IDG_STORE_ERROR_INVALID,    /* bad argument (selector, scopes, ttl) */
  IDG_STORE_ERROR_NOT_FOUND,  /* no such grant / request id */
  IDG_STORE_ERROR_STATE,      /* request not in the state the call needs */
  IDG_STORE_ERROR_REFUSED,    /* token check / claim refused (one class) */
} IdgStoreError;

/* Why a token check was refused; for the audit log and debug, never shown
 * beyond the error message to the caller. */
typedef enum {
  IDG_REFUSAL_NONE         = 0,
  IDG_REFUSAL_BAD_TOKEN    = 1,   /* malformed, or no grant has it */
  IDG_REFUSAL_SELECTOR     = 2,   /* caller does not match the grant */
  IDG_REFUSAL_EXPIRED      = 3,
  IDG_REFUSAL_REVOKED      = 4,
  IDG_REFUSAL_SCOPE        = 5,   /* kind not in the grant's scopes */
} IdgRefusal;
const gchar *idg_refusal_to_string (IdgRefusal refusal);

/* Opens STATE_DIR/store.json (absent: empty store) and STATE_DIR/secret
 * (absent: created). CORRUPT/IO errors must stop the broker. */
IdgStore  *idg_store_load (const gchar  *state_dir,
                           GError      **error);
void       idg_store_free (IdgStore     *store);

/* Called after every acknowledged change (what: "grants", "requests" or
 * "reset"; id: the grant/request id or NULL). The broker sets it. */
typedef void (*IdgStoreNotify) (IdgStore    *store,
                                const gchar *what,
                                const gchar *id,
                                gpointer     user_data);
void       idg_store_set_notify (IdgStore       *store,
                                 IdgStoreNotify  notify,
                                 gpointer        user_data);

const guint8 *idg_store_get_secret (IdgStore *store);   /* IDG_SECRET_LEN */

/* Journal records kept before the state is compacted into a new snapshot
 * (default 4096; never fewer than the number of records). For tests and
 * tuning. */
void       idg_store_set_journal_limit (IdgStore *store,
                                        guint     n_records);

/* Retention of past grants: a grant revoked, or expired, longer ago than
 * `seconds` is dropped from the store (at start-up and whenever the
 * journal is compacted into a new snapshot); the audit log keeps its
 * history. 0 keeps them for ever. The broker sets it from
 * [store] retain-past (default 90 days, idguard.conf(5)). */
void       idg_store_set_retention (IdgStore *store,
                                    gint64    seconds);
/* Drops the past grants the retention allows now and, if any, writes a
 * new snapshot; the number dropped. A write error is logged, not fatal
 * (the grants stay, and are dropped at the next compaction). */
guint      idg_store_apply_retention (IdgStore *store,
                                      gint64    now);

/* --- grants --- */
/* ttl: seconds, 0 for no expiry. grant_id and token_out are nullable;
 * *token_out must be freed with idg_token_free. */
gboolean   idg_store_add_grant   (IdgStore     *store,
                                  const gchar  *selector,
                                  guint32       scopes,
                                  const gchar  *purpose,
                                  gint64        ttl,
                                  gint64        now,
                                  gchar       **grant_id,
                                  gchar       **token_out,
                                  GError      **error);
/* Revoking an already revoked grant succeeds and changes nothing. */
gboolean   idg_store_revoke      (IdgStore     *store,
                                  const gchar  *grant_id,
                                  gint64        now,
                                  GError      **error);
/* Revokes every active grant whose canonical selector equals selector's;
 * n_revoked (nullable) gets how many. Zero is not an error. */
gboolean   idg_store_revoke_selector (IdgStore     *store,
                                      const gchar  *selector,
                                      gint64        now,
                                      guint        *n_revoked,
                                      GError      **error);
gboolean   idg_grant_is_active   (const IdgGrant *grant,
                                  gint64          now);
/* Deep copies, in creation order; free with g_ptr_array_unref. */
GPtrArray *idg_store_list_grants (IdgStore     *store);
IdgGrant  *idg_store_lookup_grant (IdgStore    *store,
                                   const gchar *grant_id);   /* copy or NULL */
guint      idg_store_count_active (IdgStore    *store,
                                   gint64       now);   /* not exe_alone */
/* Grants neither revoked nor expired whose selector is exe: alone. */
guint      idg_store_count_exe_alone (IdgStore *store,
                                      gint64    now);
guint      idg_store_count_grants (IdgStore    *store);   /* all, past too */
/* The earliest expiry time later than `after` among grants not revoked, or
 * 0 if none (the broker arms one timer for it). */
gint64     idg_store_next_expiry  (IdgStore    *store,
                                   gint64       after);
/* The grant's token hash (64 lowercase hex digits of SHA-256 of the token
 * string), for the kernel bridge only; NULL if the grant is unknown, has
 * no token yet (approved, not claimed) or is exe_alone (so the kernel never
 * holds it). Free with idg_token_free. */
gchar     *idg_store_dup_token_hash (IdgStore    *store,
                                     const gchar *grant_id);
IdgGrant  *idg_grant_copy        (const IdgGrant *grant);
void       idg_grant_free        (IdgGrant     *grant);

/* Union of the scopes of every active grant whose selector matches the
 * identity (for protocol doors: no token). grant_ids (nullable) gets the
 * matching ids, comma-separated, or NULL if none. Cheap: indexed by uid,
 * gid, exe, unit and cgroup. */
guint32    idg_store_allowed_kinds (IdgStore          *store,
                                    const IdgIdentity *identity,
                                    gint64             now,
                                    gchar            **grant_ids);

/* A service API read: the token must belong to a grant that is active, whose
 * selector matches the caller, and whose scopes hold kind. On refusal: FALSE,
 * an IDG_STORE_ERROR_REFUSED error with a clear message, *grant_id set if
 * the token named a grant (for audit), *refusal (nullable) set to the
 * reason. Constant-time comparison of the token hash. */
gboolean   idg_store_check_token (IdgStore          *store,
                                  const IdgIdentity *identity,
                                  IdgKind            kind,
                                  const gchar       *token,
                                  gint64             now,
                                  gchar            **grant_id,
                                  IdgRefusal        *refusal,
                                  GError           **error);

/* --- requests --- */
gboolean    idg_store_add_request     (IdgStore          *store,
                                       const IdgIdentity *requester,
                                       guint32            scopes,
                                       const gchar       *purpose,
                                       gint64             now,
                                       gchar            **request_id,
                                       GError           **error);
gboolean    idg_store_approve_request (IdgStore          *store,
                                       const gchar       *request_id,
                                       gint64             ttl,
                                       gint64             now,
                                       gchar            **grant_id,
                                       gchar            **token_out,
                                       GError           **error);
gboolean    idg_store_deny_request    (IdgStore          *store,
                                       const gchar       *request_id,
                                       gint64             now,
                                       GError           **error);
/* Only a caller matching the request's selector, only once, only when
 * approved; REFUSED otherwise (STATE for pending/denied/claimed). */
gboolean    idg_store_claim_request   (IdgStore          *store,
                                       const gchar       *request_id,
                                       const IdgIdentity *caller,
                                       gint64             now,
                                       gchar            **grant_id,
                                       gchar            **token_out,
                                       GError           **error);
GPtrArray  *idg_store_list_requests   (IdgStore          *store);
IdgRequest *idg_store_lookup_request  (IdgStore          *store,
                                       const gchar       *request_id);
guint       idg_store_count_pending   (IdgStore          *store);
/* Budgets of requests: pending requests per uid (default 4) and their
 * lifetime in seconds from creation (default 24 h). */
void        idg_store_set_request_limits (IdgStore       *store,
                                          guint           pending_per_uid,
                                          gint64          lifetime);
/* Marks every pending request older than the lifetime expired (one
 * journal record); the number expired, 0 if none or on a write error
 * (logged; tried again next time). */
guint       idg_store_expire_requests (IdgStore          *store,
                                       gint64             now);
/* When the next pending request expires (UNIX seconds), or 0. */
gint64      idg_store_next_request_expiry (IdgStore      *store);
const gchar *idg_request_state_to_string (IdgRequestState state);
IdgRequest *idg_request_copy          (const IdgRequest  *request);
void        idg_request_free          (IdgRequest        *request);

/* Wipes every grant and request and replaces the device secret (so
 * pseudonyms change); crash-safe like every other change. */
gboolean   idg_store_factory_reset (IdgStore  *store,
                                    GError   **error);

/* Parses store.json content (for the loader and the fuzzer): grants and
 * requests into a fresh store without a directory. */
IdgStore  *idg_store_load_data (const gchar  *data,
                                gsize         len,
                                GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgGrant, idg_grant_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgRequest, idg_request_free)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgStore, idg_store_free)

G_END_DECLS

#endif
