// SPDX-License-Identifier: GPL-2.0-or-later
#include <glib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "idg-store.h"
#include "idg-token.h"
#include "test-helpers.h"

#define NOW 1800000000

typedef struct {
  gchar    *dir;
  IdgStore *store;
  guint     notified;
} Fixture;

static void
on_notify (IdgStore *store, const gchar *what, const gchar *id, gpointer data)
{
  ((Fixture *) data)->notified++;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("idg-store-XXXXXX", NULL);
  f->store = idg_store_load (f->dir, &error);
  g_assert_no_error (error);
  idg_store_set_notify (f->store, on_notify, f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  idg_store_free (f->store);
  test_rmdir (f->dir);
  g_free (f->dir);
}

static void
reload (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  idg_store_free (f->store);
  f->store = idg_store_load (f->dir, &error);
  g_assert_no_error (error);
}

static gboolean
has_grant (IdgStore *store, const gchar *id)
{
  g_autoptr(IdgGrant) g = idg_store_lookup_grant (store, id);

  return g != NULL;
}

static gchar *
grant (Fixture *f, const gchar *selector, const gchar *scopes, gint64 ttl, gchar **token)
{
  g_autoptr(GError) error = NULL;
  gchar *id = NULL;

  g_assert_true (idg_store_add_grant (f->store, selector, idg_kind_mask_parse (scopes, NULL),
                                      "test purpose", ttl, NOW, &id, token, &error));
  g_assert_no_error (error);
  return id;
}

static void
test_persist (Fixture *f, gconstpointer data)
{
  g_autofree gchar *token = NULL;
  g_autofree gchar *id = grant (f, "uid:1000,exe:/usr/bin/app", "imei,imsi", 3600, &token);
  g_autofree gchar *store_json = NULL;
  g_autofree gchar *path = g_build_filename (f->dir, "store.journal", NULL);
  g_autoptr(IdgGrant) g = NULL;
  g_autoptr(IdgIdentity) app = test_identity (1000, 1000, "/usr/bin/app", NULL, NULL);
  guint8 secret[IDG_SECRET_LEN];
  struct stat st;

  g_assert_cmpuint (f->notified, ==, 1);
  memcpy (secret, idg_store_get_secret (f->store), sizeof secret);
  reload (f);
  g = idg_store_lookup_grant (f->store, id);
  g_assert_nonnull (g);
  g_assert_cmpstr (g->selector, ==, "uid:1000,exe:/usr/bin/app");
  g_assert_cmpuint (g->scopes, ==, IDG_KIND_BIT (IDG_KIND_IMEI) | IDG_KIND_BIT (IDG_KIND_IMSI));
  g_assert_cmpint (g->created, ==, NOW);
  g_assert_cmpint (g->expires, ==, NOW + 3600);
  g_assert_false (g->revoked);
  g_assert_cmpmem (secret, sizeof secret, idg_store_get_secret (f->store), IDG_SECRET_LEN);
  g_assert_true (idg_store_check_token (f->store, app, IDG_KIND_IMEI, token, NOW, NULL, NULL, NULL));
  {
    g_autofree gchar *want = idg_token_hash (token);
    g_autofree gchar *hash = idg_store_dup_token_hash (f->store, id);
    g_assert_cmpstr (hash, ==, want);
    g_assert_null (idg_store_dup_token_hash (f->store, "g-ffffffffffffffff"));
  }

  /* only the hash is on disk, the journal is private */
  g_assert_true (g_file_get_contents (path, &store_json, NULL, NULL));
  g_assert_null (strstr (store_json, token));
  g_assert_null (strstr (store_json, token + 5));
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 077, ==, 0);
}

static const struct {
  const gchar *name;
  const gchar *content;
} corrupt_cases[] = {
  { "garbage", "garbage" },
  { "truncated", "{\"version\":1,\"grants\":[{\"id\":\"g-00" },
  { "empty-file", "" },
  { "array", "[]" },
  { "no-version", "{\"grants\":[],\"requests\":[]}" },
  { "future-version", "{\"version\":2,\"grants\":[],\"requests\":[]}" },
  { "no-grants", "{\"version\":1,\"requests\":[]}" },
  { "bad-grant", "{\"version\":1,\"grants\":[{\"id\":\"g-0000000000000000\"}],\"requests\":[]}" },
  { "bad-selector", "{\"version\":1,\"grants\":[{\"id\":\"g-0000000000000000\",\"selector\":\"root\","
    "\"scopes\":\"imei\",\"purpose\":\"p\",\"created\":1,\"expires\":0,\"revoked\":false,"
    "\"revoked-at\":0,\"token-hash\":null,\"request\":null}],\"requests\":[]}" },
  { "bad-scope", "{\"version\":1,\"grants\":[{\"id\":\"g-0000000000000000\",\"selector\":\"uid:1\","
    "\"scopes\":\"imei,everything\",\"purpose\":\"p\",\"created\":1,\"expires\":0,\"revoked\":false,"
    "\"revoked-at\":0,\"token-hash\":null,\"request\":null}],\"requests\":[]}" },
  { "revoked-string", "{\"version\":1,\"grants\":[{\"id\":\"g-0000000000000000\",\"selector\":\"uid:1\","
    "\"scopes\":\"imei\",\"purpose\":\"p\",\"created\":1,\"expires\":0,\"revoked\":\"no\","
    "\"revoked-at\":0,\"token-hash\":null,\"request\":null}],\"requests\":[]}" },
  { "duplicate-id", "{\"version\":1,\"grants\":[{\"id\":\"g-0000000000000000\",\"selector\":\"uid:1\","
    "\"scopes\":\"imei\",\"purpose\":\"p\",\"created\":1,\"expires\":0,\"revoked\":false,"
    "\"revoked-at\":0,\"token-hash\":null,\"request\":null},{\"id\":\"g-0000000000000000\",\"selector\":\"uid:1\","
    "\"scopes\":\"imei\",\"purpose\":\"p\",\"created\":1,\"expires\":0,\"revoked\":false,"
    "\"revoked-at\":0,\"token-hash\":null,\"request\":null}],\"requests\":[]}" },
  { "bad-request-state", "{\"version\":1,\"grants\":[],\"requests\":[{\"id\":\"r-0000000000000000\","
    "\"selector\":\"uid:1\",\"requester\":\"x\",\"service\":\"x\",\"scopes\":\"imei\",\"purpose\":\"p\","
    "\"state\":\"maybe\",\"created\":1,\"decided\":0,\"grant\":null}]}" },
};

static void
test_corrupt (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (corrupt_cases); i++) {
    g_autofree gchar *dir = g_dir_make_tmp ("idg-store-XXXXXX", NULL);
    g_autofree gchar *path = g_build_filename (dir, "store.json", NULL);
    g_autoptr(GError) error = NULL;
    IdgStore *store;

    g_test_message ("corrupt case %s", corrupt_cases[i].name);
    g_assert_true (g_file_set_contents (path, corrupt_cases[i].content, -1, NULL));
    store = idg_store_load (dir, &error);
    g_assert_null (store);
    g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, "corrupt"));
    g_assert_null (strchr (error->message, '\n'));
    /* never "repaired" into an empty store */
    {
      g_autofree gchar *after = NULL;
      g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
      g_assert_cmpstr (after, ==, corrupt_cases[i].content);
    }
    test_rmdir (dir);
  }
}

static void
test_open_dir (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-store-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (chmod (dir, 0777), ==, 0);
  g_assert_null (idg_store_load (dir, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "writable by no one else"));
  g_clear_error (&error);
  g_assert_cmpint (chmod (dir, 0700), ==, 0);
  if (geteuid () == 0) {
    g_assert_cmpint (chown (dir, 65534, 65534), ==, 0);
    g_assert_null (idg_store_load (dir, &error));
    g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO);
  }
  test_rmdir (dir);
}

static void
test_bad_secret (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-store-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "secret", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "short", -1, NULL));
  g_assert_null (idg_store_load (dir, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT);
  test_rmdir (dir);
}

static void
test_locked (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (idg_store_load (f->dir, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "in use"));
}

static void
test_token_check (Fixture *f, gconstpointer data)
{
  g_autofree gchar *token = NULL, *token2 = NULL;
  g_autofree gchar *id = grant (f, "uid:1000,exe:/usr/bin/app", "imei", 60, &token);
  g_autofree gchar *id2 = grant (f, "uid:1000", "imsi", 0, &token2);
  g_autoptr(IdgIdentity) app = test_identity (1000, 1000, "/usr/bin/app", NULL, NULL);
  g_autoptr(IdgIdentity) other = test_identity (1000, 1000, "/usr/bin/other", NULL, NULL);
  g_autofree gchar *forged = g_strdup (token);
  const struct {
    const IdgIdentity *who;
    IdgKind            kind;
    const gchar       *token;
    gint64             now;
    IdgRefusal         expect;
  } cases[] = {
    { app, IDG_KIND_IMEI, token, NOW, IDG_REFUSAL_NONE },
    { app, IDG_KIND_IMEI, token, NOW + 59, IDG_REFUSAL_NONE },
    { app, IDG_KIND_IMEI, token, NOW + 60, IDG_REFUSAL_EXPIRED },
    { app, IDG_KIND_IMSI, token, NOW, IDG_REFUSAL_SCOPE },
    { other, IDG_KIND_IMEI, token, NOW, IDG_REFUSAL_SELECTOR },
    { app, IDG_KIND_IMEI, forged, NOW, IDG_REFUSAL_BAD_TOKEN },
    { app, IDG_KIND_IMEI, "idg1_short", NOW, IDG_REFUSAL_BAD_TOKEN },
    { app, IDG_KIND_IMEI, NULL, NOW, IDG_REFUSAL_BAD_TOKEN },
    { other, IDG_KIND_IMSI, token2, NOW + 1000000, IDG_REFUSAL_NONE },
  };
  guint i;

  forged[IDG_TOKEN_STRLEN - 1] = forged[IDG_TOKEN_STRLEN - 1] == '0' ? '1' : '0';
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *gid = NULL;
    IdgRefusal why = 99;
    gboolean ok = idg_store_check_token (f->store, cases[i].who, cases[i].kind, cases[i].token,
                                         cases[i].now, &gid, &why, &error);

    g_test_message ("token case %u", i);
    g_assert_cmpint (why, ==, cases[i].expect);
    g_assert_cmpint (ok, ==, cases[i].expect == IDG_REFUSAL_NONE);
    if (ok) {
      g_assert_no_error (error);
    } else {
      /* one error class for every reason; the message never shows the token */
      g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_REFUSED);
      if (cases[i].token != NULL)
        g_assert_null (strstr (error->message, cases[i].token));
    }
    if (cases[i].expect != IDG_REFUSAL_BAD_TOKEN)
      g_assert_nonnull (gid);
  }

  /* revoke takes effect at once, and survives a reload */
  g_assert_true (idg_store_revoke (f->store, id, NOW + 1, NULL));
  g_assert_false (idg_store_check_token (f->store, app, IDG_KIND_IMEI, token, NOW + 2, NULL, NULL, NULL));
  reload (f);
  {
    IdgRefusal why = IDG_REFUSAL_NONE;
    g_autofree gchar *gid2 = NULL;

    g_assert_false (idg_store_check_token (f->store, app, IDG_KIND_IMEI, token, NOW + 2, NULL, &why, NULL));
    g_assert_cmpint (why, ==, IDG_REFUSAL_REVOKED);
    g_assert_true (idg_store_check_token (f->store, app, IDG_KIND_IMSI, token2, NOW + 2, &gid2, NULL, NULL));
    g_assert_cmpstr (gid2, ==, id2);
  }
}

static void
test_allowed (Fixture *f, gconstpointer data)
{
  g_autofree gchar *a = grant (f, "uid:1000", "imei", 0, NULL);
  g_autofree gchar *b = grant (f, "unit:mm.service", "imsi", 0, NULL);
  g_autofree gchar *c = grant (f, "gid:50,exe:/usr/bin/app", "iccid", 0, NULL);
  g_autofree gchar *d = grant (f, "gid:50", "eid", 0, NULL);
  g_autofree gchar *e = grant (f, "cgroup:/system.slice", "msisdn", 0, NULL);
  g_autofree gchar *x = grant (f, "uid:1000,exe:/usr/bin/other", "meid", 10, NULL);
  g_autoptr(IdgIdentity) all = test_identity (1000, 50, "/usr/bin/app", "mm.service",
                                              "/system.slice/mm.service");
  g_autoptr(IdgIdentity) none = test_identity (2000, 2000, "/bin/sh", "x.scope", "/user.slice/x.scope");
  g_autoptr(IdgIdentity) other = test_identity (1000, 1, "/usr/bin/other", NULL, NULL);
  g_autoptr(IdgIdentity) unknown = idg_identity_new_unknown ("pty");
  g_autofree gchar *ids = NULL;
  guint32 mask;

  mask = idg_store_allowed_kinds (f->store, all, NOW, &ids);
  g_assert_cmphex (mask, ==, IDG_KIND_BIT (IDG_KIND_IMEI) | IDG_KIND_BIT (IDG_KIND_IMSI) |
                   IDG_KIND_BIT (IDG_KIND_ICCID) | IDG_KIND_BIT (IDG_KIND_EID) |
                   IDG_KIND_BIT (IDG_KIND_MSISDN));
  g_assert_nonnull (strstr (ids, a));
  g_assert_nonnull (strstr (ids, b));
  g_assert_nonnull (strstr (ids, c));
  g_assert_nonnull (strstr (ids, d));
  g_assert_nonnull (strstr (ids, e));
  g_assert_null (strstr (ids, x));
  g_assert_cmphex (idg_store_allowed_kinds (f->store, none, NOW, NULL), ==, 0);
  g_assert_cmphex (idg_store_allowed_kinds (f->store, unknown, NOW, NULL), ==, 0);
  g_assert_cmphex (idg_store_allowed_kinds (f->store, other, NOW, NULL), ==,
                   IDG_KIND_BIT (IDG_KIND_IMEI) | IDG_KIND_BIT (IDG_KIND_MEID));
  /* expiry and revocation count at this instant */
  g_assert_cmphex (idg_store_allowed_kinds (f->store, other, NOW + 10, NULL), ==,
                   IDG_KIND_BIT (IDG_KIND_IMEI));
  g_assert_true (idg_store_revoke (f->store, a, NOW, NULL));
  g_assert_cmphex (idg_store_allowed_kinds (f->store, other, NOW, NULL), ==,
                   IDG_KIND_BIT (IDG_KIND_MEID));
  /* revoking twice is fine; an unknown id is not */
  g_assert_true (idg_store_revoke (f->store, a, NOW, NULL));
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (idg_store_revoke (f->store, "g-ffffffffffffffff", NOW, &error));
    g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_NOT_FOUND);
  }
  g_assert_cmpuint (idg_store_count_active (f->store, NOW), ==, 5);
  g_assert_cmpuint (idg_store_count_active (f->store, NOW + 10), ==, 4);
  g_assert_cmpuint (idg_store_count_grants (f->store), ==, 6);
}

static void
test_revoke_selector (Fixture *f, gconstpointer data)
{
  g_autofree gchar *a = grant (f, "exe:/usr/bin/app,uid:1", "imei", 0, NULL);
  g_autofree gchar *b = grant (f, "uid:1,exe:/usr/bin/app", "imsi", 0, NULL);
  g_autofree gchar *c = grant (f, "uid:1", "imsi", 0, NULL);
  guint n = 0;
  g_autoptr(IdgGrant) gc = NULL;

  g_assert_true (idg_store_revoke_selector (f->store, "uid:1,exe:/usr/bin/app", NOW, &n, NULL));
  g_assert_cmpuint (n, ==, 2);
  reload (f);
  gc = idg_store_lookup_grant (f->store, c);
  g_assert_false (gc->revoked);
  g_clear_pointer (&gc, idg_grant_free);
  gc = idg_store_lookup_grant (f->store, a);
  g_assert_true (gc->revoked);
  g_clear_pointer (&gc, idg_grant_free);
  gc = idg_store_lookup_grant (f->store, b);
  g_assert_true (gc->revoked);
  g_assert_cmpuint (idg_store_count_active (f->store, NOW), ==, 1);
  g_assert_false (idg_store_revoke_selector (f->store, "bogus", NOW, &n, NULL));
}

static const struct {
  const gchar *selector;
  guint32      scopes;
  const gchar *purpose;
  gint64       ttl;
} bad_grants[] = {
  { "", IDG_KIND_BIT (IDG_KIND_IMEI), "p", 0 },
  { "uid:1", 0, "p", 0 },
  { "uid:1", 1u << 20, "p", 0 },
  { "uid:1", IDG_KIND_BIT (IDG_KIND_IMEI), "", 0 },
  { "uid:1", IDG_KIND_BIT (IDG_KIND_IMEI), "line\nbreak", 0 },
  { "uid:1", IDG_KIND_BIT (IDG_KIND_IMEI), "p", -5 },
};

static void
test_invalid (Fixture *f, gconstpointer data)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad_grants); i++) {
    g_autoptr(GError) error = NULL;

    g_assert_false (idg_store_add_grant (f->store, bad_grants[i].selector, bad_grants[i].scopes,
                                         bad_grants[i].purpose, bad_grants[i].ttl, NOW,
                                         NULL, NULL, &error));
    g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_INVALID);
  }
  g_assert_cmpuint (idg_store_count_grants (f->store), ==, 0);
  g_assert_cmpuint (f->notified, ==, 0);
}

static void
test_requests (Fixture *f, gconstpointer data)
{
  g_autoptr(IdgIdentity) svc = test_identity (500, 500, "/usr/bin/svc", "svc.service",
                                              "/system.slice/svc.service");
  g_autoptr(IdgIdentity) intruder = test_identity (501, 501, "/usr/bin/svc", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *rid = NULL, *rid2 = NULL, *gid = NULL, *gid2 = NULL;
  g_autofree gchar *admin_token = NULL, *token = NULL, *token_again = NULL;
  g_autoptr(IdgRequest) r = NULL;
  g_autoptr(GPtrArray) list = NULL;

  g_assert_true (idg_store_add_request (f->store, svc, IDG_KIND_BIT (IDG_KIND_IMEI),
                                        "send crash reports", NOW, &rid, &error));
  g_assert_no_error (error);
  g_assert_true (idg_store_add_request (f->store, svc, IDG_KIND_BIT (IDG_KIND_IMSI),
                                        "roaming", NOW, &rid2, &error));
  g_assert_cmpuint (idg_store_count_pending (f->store), ==, 2);
  r = idg_store_lookup_request (f->store, rid);
  g_assert_cmpstr (r->selector, ==, "uid:500,unit:svc.service");
  g_assert_cmpstr (r->service, ==, "unit:svc.service");
  g_assert_cmpint (r->state, ==, IDG_REQUEST_PENDING);
  g_clear_pointer (&r, idg_request_free);

  /* nothing to claim before approval */
  g_assert_false (idg_store_claim_request (f->store, rid, svc, NOW, NULL, &token, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_STATE);
  g_clear_error (&error);

  g_assert_true (idg_store_approve_request (f->store, rid, 3600, NOW, &gid, &admin_token, &error));
  g_assert_no_error (error);
  g_assert_true (has_grant (f->store, gid));
  g_assert_true (idg_store_deny_request (f->store, rid2, NOW, &error));
  g_assert_false (idg_store_approve_request (f->store, rid2, 0, NOW, NULL, NULL, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_STATE);
  g_clear_error (&error);

  /* survives a restart between approval and claim */
  reload (f);

  /* only the requester claims */
  g_assert_false (idg_store_claim_request (f->store, rid, intruder, NOW, NULL, &token, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_REFUSED);
  g_clear_error (&error);
  g_assert_true (idg_store_claim_request (f->store, rid, svc, NOW, &gid2, &token, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (gid, ==, gid2);
  /* once */
  g_assert_false (idg_store_claim_request (f->store, rid, svc, NOW, NULL, &token_again, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_STATE);
  g_assert_null (token_again);

  /* the claimed token works for the requester only; the admin's stopped working */
  g_assert_true (idg_store_check_token (f->store, svc, IDG_KIND_IMEI, token, NOW, NULL, NULL, NULL));
  g_assert_false (idg_store_check_token (f->store, intruder, IDG_KIND_IMEI, token, NOW, NULL, NULL, NULL));
  g_assert_false (idg_store_check_token (f->store, svc, IDG_KIND_IMEI, admin_token, NOW, NULL, NULL, NULL));
  g_assert_cmphex (idg_store_allowed_kinds (f->store, svc, NOW, NULL), ==, IDG_KIND_BIT (IDG_KIND_IMEI));

  reload (f);
  list = idg_store_list_requests (f->store);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (((IdgRequest *) list->pdata[0])->state, ==, IDG_REQUEST_CLAIMED);
  g_assert_cmpint (((IdgRequest *) list->pdata[1])->state, ==, IDG_REQUEST_DENIED);
  g_assert_true (idg_store_check_token (f->store, svc, IDG_KIND_IMEI, token, NOW, NULL, NULL, NULL));
  idg_token_free (g_steal_pointer (&token));
  idg_token_free (g_steal_pointer (&admin_token));
}

static void
test_request_no_admin_token (Fixture *f, gconstpointer data)
{
  g_autoptr(IdgIdentity) svc = test_identity (600, 600, "/usr/bin/svc", NULL, NULL);
  g_autofree gchar *rid = NULL, *gid = NULL, *token = NULL, *hash = NULL;

  g_assert_true (idg_store_add_request (f->store, svc, IDG_KIND_BIT (IDG_KIND_IMEI), "p", NOW, &rid, NULL));
  g_assert_true (idg_store_approve_request (f->store, rid, 0, NOW, &gid, NULL, NULL));
  g_assert_null (idg_store_dup_token_hash (f->store, gid));
  /* the doors see it at once (no token needed there) */
  g_assert_cmphex (idg_store_allowed_kinds (f->store, svc, NOW, NULL), ==, IDG_KIND_BIT (IDG_KIND_IMEI));
  g_assert_true (idg_store_claim_request (f->store, rid, svc, NOW, NULL, &token, NULL));
  hash = idg_store_dup_token_hash (f->store, gid);
  g_assert_nonnull (hash);
  idg_token_free (g_steal_pointer (&token));
}

static guint
count_state (IdgStore *store, IdgRequestState state)
{
  g_autoptr(GPtrArray) list = idg_store_list_requests (store);
  guint i, n = 0;

  for (i = 0; i < list->len; i++)
    n += ((IdgRequest *) list->pdata[i])->state == state;
  return n;
}

static IdgRequestState
state_of (IdgStore *store, const gchar *id)
{
  g_autoptr(IdgRequest) r = idg_store_lookup_request (store, id);

  g_assert_nonnull (r);
  return r->state;
}

/* A uid past its pending budget loses its own oldest request (superseded);
 * another uid is never refused for it. */
static void
test_request_limits (Fixture *f, gconstpointer data)
{
  g_autoptr(IdgIdentity) svc = test_identity (500, 500, "/usr/bin/svc", NULL, NULL);
  g_autoptr(IdgIdentity) svc2 = test_identity (500, 500, "/usr/bin/other", NULL, NULL);
  g_autoptr(IdgIdentity) victim = test_identity (600, 600, "/usr/bin/victim", NULL, NULL);
  g_autoptr(IdgIdentity) unknown = idg_identity_new_unknown ("pty");
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gchar *id = NULL;
  guint i;

  idg_store_set_request_limits (f->store, 3, 3600);
  for (i = 0; i < 10; i++) {
    g_assert_true (idg_store_add_request (f->store, i % 2 ? svc : svc2, IDG_KIND_BIT (IDG_KIND_IMEI), "p",
                                          NOW + i, &id, NULL));
    g_ptr_array_add (ids, id);
  }
  /* 3 pending, and of the 7 superseded the uid's 3 newest are kept */
  g_assert_cmpuint (idg_store_count_pending (f->store), ==, 3);
  g_assert_cmpuint (count_state (f->store, IDG_REQUEST_SUPERSEDED), ==, 3);
  for (i = 0; i < 4; i++) {
    g_autoptr(IdgRequest) gone = idg_store_lookup_request (f->store, ids->pdata[i]);

    g_assert_null (gone);
  }
  for (i = 4; i < 10; i++)
    g_assert_cmpint (state_of (f->store, ids->pdata[i]), ==, i < 7 ? IDG_REQUEST_SUPERSEDED : IDG_REQUEST_PENDING);
  g_assert_true (idg_store_add_request (f->store, victim, IDG_KIND_BIT (IDG_KIND_IMEI), "p", NOW + 20, &id, NULL));
  g_ptr_array_add (ids, id);
  g_assert_cmpuint (idg_store_count_pending (f->store), ==, 4);
  /* a superseded request can no longer be approved; all of it survives a restart */
  g_assert_false (idg_store_approve_request (f->store, ids->pdata[4], 0, NOW + 21, NULL, NULL, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_STATE);
  g_clear_error (&error);
  reload (f);
  g_assert_cmpuint (idg_store_count_pending (f->store), ==, 4);
  g_assert_cmpint (state_of (f->store, ids->pdata[4]), ==, IDG_REQUEST_SUPERSEDED);
  g_assert_false (idg_store_add_request (f->store, unknown, IDG_KIND_BIT (IDG_KIND_IMEI), "p",
                                         NOW, NULL, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_INVALID);
}

/* Pending requests expire a lifetime after they were made, counted from
 * the creation time kept in the store: a restart revives none. */
static void
test_request_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(IdgIdentity) svc = test_identity (500, 500, "/usr/bin/svc", NULL, NULL);
  g_autoptr(IdgIdentity) svc2 = test_identity (501, 501, "/usr/bin/svc", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *old = NULL, *young = NULL;

  idg_store_set_request_limits (f->store, 4, 100);
  g_assert_true (idg_store_add_request (f->store, svc, IDG_KIND_BIT (IDG_KIND_IMEI), "p", NOW, &old, NULL));
  g_assert_true (idg_store_add_request (f->store, svc2, IDG_KIND_BIT (IDG_KIND_IMEI), "p", NOW + 50, &young, NULL));
  g_assert_cmpint (idg_store_next_request_expiry (f->store), ==, NOW + 100);
  g_assert_cmpuint (idg_store_expire_requests (f->store, NOW + 99), ==, 0);
  reload (f);   /* a restart: the store's own clock is the created times */
  idg_store_set_request_limits (f->store, 4, 100);
  g_assert_cmpuint (idg_store_expire_requests (f->store, NOW + 100), ==, 1);
  g_assert_cmpint (state_of (f->store, old), ==, IDG_REQUEST_EXPIRED);
  g_assert_cmpint (state_of (f->store, young), ==, IDG_REQUEST_PENDING);
  g_assert_cmpint (idg_store_next_request_expiry (f->store), ==, NOW + 150);
  /* approving after the lifetime finds it expired, even without the timer */
  g_assert_false (idg_store_approve_request (f->store, young, 0, NOW + 150, NULL, NULL, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "expired"));
  reload (f);
  g_assert_cmpint (state_of (f->store, old), ==, IDG_REQUEST_EXPIRED);
  g_assert_cmpint (state_of (f->store, young), ==, IDG_REQUEST_EXPIRED);
  g_assert_cmpint (idg_store_next_request_expiry (f->store), ==, 0);
}

static void
test_reset (Fixture *f, gconstpointer data)
{
  g_autofree gchar *token = NULL;
  g_autofree gchar *id = grant (f, "uid:1000", "all", 0, &token);
  g_autoptr(IdgIdentity) who = test_identity (1000, 1000, NULL, NULL, NULL);
  guint8 before[IDG_SECRET_LEN];

  g_assert_true (idg_store_add_request (f->store, who, IDG_KIND_BIT (IDG_KIND_IMEI), "p", NOW, NULL, NULL));
  memcpy (before, idg_store_get_secret (f->store), sizeof before);
  g_assert_true (idg_store_factory_reset (f->store, NULL));
  g_assert_cmpuint (idg_store_count_grants (f->store), ==, 0);
  g_assert_cmpuint (idg_store_count_pending (f->store), ==, 0);
  g_assert_false (idg_store_check_token (f->store, who, IDG_KIND_IMEI, token, NOW, NULL, NULL, NULL));
  g_assert_cmphex (idg_store_allowed_kinds (f->store, who, NOW, NULL), ==, 0);
  g_assert_true (memcmp (before, idg_store_get_secret (f->store), sizeof before) != 0);
  memcpy (before, idg_store_get_secret (f->store), sizeof before);
  reload (f);
  g_assert_cmpuint (idg_store_count_grants (f->store), ==, 0);
  g_assert_false (has_grant (f->store, id));
  g_assert_cmpmem (before, sizeof before, idg_store_get_secret (f->store), IDG_SECRET_LEN);
}

/* A write that fails (here: the file size limit, EFBIG, possibly after a
 * partial write) is not acknowledged, leaves memory unchanged, and leaves
 * no partial record behind. */
static void
test_write_failure (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = grant (f, "uid:1", "imei", 0, NULL);
  g_autofree gchar *jpath = g_build_filename (f->dir, "store.journal", NULL);
  g_autofree gchar *before = NULL, *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgIdentity) who = test_identity (1, 1, NULL, NULL, NULL);
  struct rlimit old, lim;
  struct stat st;
  guint n = f->notified;

  g_assert_true (g_file_get_contents (jpath, &before, NULL, NULL));
  g_assert_cmpint (stat (jpath, &st), ==, 0);
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old), ==, 0);
  lim = old;
  lim.rlim_cur = (rlim_t) st.st_size + 10;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &lim), ==, 0);

  g_assert_false (idg_store_revoke (f->store, id, NOW, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_IO);
  g_clear_error (&error);
  g_assert_cmphex (idg_store_allowed_kinds (f->store, who, NOW, NULL), ==, IDG_KIND_BIT (IDG_KIND_IMEI));
  g_assert_false (idg_store_add_grant (f->store, "uid:2", IDG_KIND_BIT (IDG_KIND_IMEI), "p", 0, NOW,
                                       NULL, NULL, &error));
  g_assert_cmpuint (idg_store_count_grants (f->store), ==, 1);
  /* a snapshot that cannot be written: the reset does not happen */
  lim.rlim_cur = 20;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &lim), ==, 0);
  g_assert_false (idg_store_factory_reset (f->store, NULL));
  g_assert_cmpuint (idg_store_count_grants (f->store), ==, 1);
  g_assert_cmphex (idg_store_allowed_kinds (f->store, who, NOW, NULL), ==, IDG_KIND_BIT (IDG_KIND_IMEI));
  g_assert_cmpuint (f->notified, ==, n);

  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old), ==, 0);
  g_assert_true (g_file_get_contents (jpath, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, before);
  /* and the store works on */
  g_assert_true (idg_store_revoke (f->store, id, NOW, NULL));
  reload (f);
  g_assert_cmphex (idg_store_allowed_kinds (f->store, who, NOW, NULL), ==, 0);
}

static gchar *
read_journal (Fixture *f)
{
  g_autofree gchar *path = g_build_filename (f->dir, "store.journal", NULL);
  gchar *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  return data;
}

static void
write_journal (Fixture *f, const gchar *data)
{
  g_autofree gchar *path = g_build_filename (f->dir, "store.journal", NULL);

  g_assert_true (g_file_set_contents (path, data, -1, NULL));
}

/* Reloading never changes what was acknowledged, however often. */
static void
test_journal_reload (Fixture *f, gconstpointer data)
{
  g_autofree gchar *a = grant (f, "uid:1", "imei", 0, NULL);
  g_autofree gchar *before = NULL, *after = NULL;
  guint i;

  reload (f);
  before = read_journal (f);
  for (i = 0; i < 3; i++)
    reload (f);
  after = read_journal (f);
  g_assert_cmpstr (before, ==, after);
  g_assert_true (has_grant (f->store, a));
  /* an empty store reloads too */
  g_assert_true (idg_store_factory_reset (f->store, NULL));
  reload (f);
  reload (f);
  g_assert_cmpuint (idg_store_count_grants (f->store), ==, 0);
}

/* A torn last line (crash mid-append) was never acknowledged: cut off. */
static void
test_journal_torn (Fixture *f, gconstpointer data)
{
  g_autofree gchar *a = grant (f, "uid:1", "imei", 0, NULL);
  g_autofree gchar *good = NULL, *torn = NULL, *after = NULL, *b = NULL;

  idg_store_free (f->store);
  f->store = NULL;
  good = read_journal (f);
  torn = g_strconcat (good, "{\"g\":{\"id\":\"g-00", NULL);
  write_journal (f, torn);
  f->store = idg_store_load (f->dir, NULL);
  g_assert_nonnull (f->store);
  g_assert_cmpuint (idg_store_count_grants (f->store), ==, 1);
  g_assert_true (has_grant (f->store, a));
  after = read_journal (f);
  g_assert_cmpstr (after, ==, good);
  /* and appending goes on after the cut */
  b = grant (f, "uid:2", "imsi", 0, NULL);
  reload (f);
  g_assert_cmpuint (idg_store_count_grants (f->store), ==, 2);
}

/* A bad header, or a bad record before the last one: the store is
 * corrupt (the broker refuses to start, one line). */
static void
test_journal_corrupt (Fixture *f, gconstpointer data)
{
  const gchar *bad_header[] = {
    "",                                             /* no header */
    "{\"journal\":1,\"generation\":5}\n",          /* newer than the snapshot */
    "{\"journal\":3,\"generation\":0}\n",          /* a version we do not know */
  };
  const gchar *bad_record[] = {
    "garbage\n",
    "{\"x\":1}\n",
    "{\"g\":{\"id\":\"g-0000000000000001\"}}\n",
    "{\"drop\":\"bogus\"}\n",
    "{\"change\":{}}\n",
    "{\"change\":{\"drop\":[\"bogus\"]}}\n",
    "{\"change\":{\"grants\":[{\"id\":\"g-0000000000000001\"}]}}\n",
    "{\"change\":{\"drop\":[],\"x\":[]}}\n",
    NULL,   /* with_nul */
  };
  static const gchar with_nul[] = "{\"drop\":\"r-00\0\"}\n";
  g_autofree gchar *a = grant (f, "uid:1", "imei", 0, NULL);
  g_autofree gchar *good = NULL;
  const gchar *record;
  gsize header_len;
  guint i;

  idg_store_free (f->store);
  f->store = NULL;
  good = read_journal (f);
  record = strchr (good, '\n') + 1;
  header_len = (gsize) (record - good);
  for (i = 0; i < G_N_ELEMENTS (bad_header) + G_N_ELEMENTS (bad_record); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *path = g_build_filename (f->dir, "store.journal", NULL);
    g_autoptr(GString) text = g_string_new (NULL);

    g_test_message ("journal case %u", i);
    if (i < G_N_ELEMENTS (bad_header)) {
      g_string_append (text, bad_header[i]);
    } else {
      const gchar *bad = bad_record[i - G_N_ELEMENTS (bad_header)];

      g_string_append_len (text, good, (gssize) header_len);
      if (bad != NULL)
        g_string_append (text, bad);
      else
        g_string_append_len (text, with_nul, sizeof with_nul - 1);
      g_string_append (text, record);   /* a valid record after it */
    }
    g_assert_true (g_file_set_contents (path, text->str, (gssize) text->len, NULL));
    g_assert_null (idg_store_load (f->dir, &error));
    g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT);
    g_assert_null (strchr (error->message, '\n'));
  }
  /* the journal held the only grant: gone with it, but a valid empty one loads */
  write_journal (f, "{\"journal\":1,\"generation\":0}\n");
  f->store = idg_store_load (f->dir, NULL);
  g_assert_nonnull (f->store);
  g_assert_false (has_grant (f->store, a));
}

/* A complete but corrupt last record is the write a crash caught (never
 * acknowledged): cut, set aside in store.journal.torn, nothing before it
 * lost, appending goes on after it. */
static void
test_journal_corrupt_last (Fixture *f, gconstpointer data)
{
  g_autofree gchar *a = grant (f, "uid:1", "imei", 0, NULL);
  g_autofree gchar *torn_path = g_build_filename (f->dir, "store.journal.torn", NULL);
  g_autofree gchar *good = NULL, *bad = NULL, *after = NULL, *aside = NULL, *b = NULL;

  idg_store_free (f->store);
  f->store = NULL;
  good = read_journal (f);
  bad = g_strconcat (good, "{\"change\":{\"grants\":[{\"id\":\"g-00\n", NULL);
  write_journal (f, bad);
  /* the load warns (one line, in the log): not fatal here */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  f->store = idg_store_load (f->dir, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  g_assert_nonnull (f->store);
  g_assert_true (has_grant (f->store, a));
  after = read_journal (f);
  g_assert_cmpstr (after, ==, good);
  g_assert_true (g_file_get_contents (torn_path, &aside, NULL, NULL));
  g_assert_true (g_str_has_prefix (aside, "{\"change\":{\"grants\":[{\"id\":\"g-00"));
  b = grant (f, "uid:2", "imsi", 0, NULL);
  reload (f);
  g_assert_true (has_grant (f->store, a));
  g_assert_true (has_grant (f->store, b));
}

/* Compaction: a new snapshot, a fresh journal; state identical. */
static void
test_journal_compaction (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(IdgIdentity) who = test_identity (49, 49, NULL, NULL, NULL);   /* never revoked below */
  g_autofree gchar *snap_path = g_build_filename (f->dir, "store.snapshot", NULL);
  g_autofree gchar *journal = NULL;
  guint i;

  idg_store_set_journal_limit (f->store, 8);
  for (i = 0; i < 50; i++) {
    g_autofree gchar *sel = g_strdup_printf ("uid:%u", i);
    g_ptr_array_add (ids, grant (f, sel, "imei", 0, NULL));
    if (i % 3 == 0)
      g_assert_true (idg_store_revoke (f->store, ids->pdata[i / 2], NOW, NULL));
  }
  g_assert_true (g_file_test (snap_path, G_FILE_TEST_EXISTS));
  journal = read_journal (f);
  g_assert_false (g_str_has_prefix (journal, "{\"journal\":1,\"generation\":0}"));
  for (i = 0; i < 2; i++) {
    guint k, active = 0;

    for (k = 0; k < 50; k++) {
      g_autoptr(IdgGrant) g = idg_store_lookup_grant (f->store, ids->pdata[k]);
      g_assert_nonnull (g);
      active += !g->revoked;
    }
    g_assert_cmpuint (active, ==, idg_store_count_active (f->store, NOW));
    g_assert_cmphex (idg_store_allowed_kinds (f->store, who, NOW, NULL), ==, IDG_KIND_BIT (IDG_KIND_IMEI));
    reload (f);
  }
  /* A crash between the snapshot's rename and the new journal's leaves the
   * previous journal (whose records are all in the snapshot): ignored. */
  idg_store_set_journal_limit (f->store, 8);
  for (i = 0; i < 200; i++) {
    g_autofree gchar *prev = read_journal (f);
    g_autofree gchar *now_j = NULL;
    g_autofree gchar *sel = g_strdup_printf ("uid:%u", 1000 + i);
    g_autofree gchar *id = grant (f, sel, "imsi", 0, NULL);
    guint count = idg_store_count_grants (f->store);

    now_j = read_journal (f);
    if (strncmp (prev, now_j, strchr (prev, '\n') - prev) == 0)
      continue;
    idg_store_free (f->store);
    f->store = NULL;
    write_journal (f, prev);
    f->store = idg_store_load (f->dir, NULL);
    g_assert_nonnull (f->store);
    g_assert_cmpuint (idg_store_count_grants (f->store), ==, count);
    g_assert_true (has_grant (f->store, id));
    break;
  }
  g_assert_cmpuint (i, <, 200);
}

/* Many grants: a lookup for a peer touches only its buckets. */
static void
test_many (void)
{
  g_autofree gchar *json = NULL;
  GString *s = g_string_new ("{\"version\":1,\"grants\":[");
  g_autoptr(IdgStore) store = NULL;
  g_autoptr(IdgIdentity) who = test_identity (77777, 1, "/usr/bin/app", NULL, NULL);
  g_autoptr(GError) error = NULL;
  gint64 t0;
  guint i;

  for (i = 0; i < 100000; i++)
    g_string_append_printf (s, "%s{\"id\":\"g-%016x\",\"selector\":\"uid:%u,exe:/usr/bin/app\","
                            "\"scopes\":\"imei\",\"purpose\":\"p\",\"created\":1,\"expires\":0,"
                            "\"revoked\":false,\"revoked-at\":0,\"token-hash\":null,\"request\":null}",
                            i ? "," : "", i, i);
  g_string_append (s, "],\"requests\":[]}");
  json = g_string_free (s, FALSE);
  store = idg_store_load_data (json, strlen (json), &error);
  g_assert_no_error (error);
  t0 = g_get_monotonic_time ();
  for (i = 0; i < 10000; i++)
    g_assert_cmphex (idg_store_allowed_kinds (store, who, NOW, NULL), ==, IDG_KIND_BIT (IDG_KIND_IMEI));
  g_test_message ("10000 lookups among 100000 grants: %" G_GINT64_FORMAT " us",
                  g_get_monotonic_time () - t0);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 2 * G_USEC_PER_SEC);
}

/* A grant stored before exe: alone was refused loads (the store is not
 * corrupt), is listed as exe_alone, and matches no one: not through a
 * protocol door, not with its token, not in the kernel. A new one is
 * refused. */
static void
test_exe_alone (void)
{
  g_autofree gchar *token = idg_token_new (NULL);
  g_autofree gchar *hash = idg_token_hash (token);
  g_autofree gchar *json = g_strdup_printf (
      "{\"version\":1,\"grants\":["
      "{\"id\":\"g-00000000000000a1\",\"selector\":\"exe:/usr/bin/app\",\"scopes\":\"imei\","
      "\"purpose\":\"p\",\"created\":1,\"expires\":0,\"revoked\":false,\"revoked-at\":0,"
      "\"token-hash\":\"%s\",\"request\":null},"
      "{\"id\":\"g-00000000000000a2\",\"selector\":\"uid:1000,exe:/usr/bin/app\",\"scopes\":\"imsi\","
      "\"purpose\":\"p\",\"created\":1,\"expires\":0,\"revoked\":false,\"revoked-at\":0,"
      "\"token-hash\":null,\"request\":null}],\"requests\":[]}", hash);
  g_autoptr(IdgIdentity) app = test_identity (1000, 1000, "/usr/bin/app", NULL, NULL);
  g_autoptr(IdgStore) store = NULL;
  g_autoptr(IdgGrant) old = NULL;
  g_autoptr(IdgGrant) anchored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *gid = NULL;
  IdgRefusal why = IDG_REFUSAL_NONE;

  store = idg_store_load_data (json, strlen (json), &error);
  g_assert_no_error (error);
  old = idg_store_lookup_grant (store, "g-00000000000000a1");
  anchored = idg_store_lookup_grant (store, "g-00000000000000a2");
  g_assert_true (old->exe_alone);
  g_assert_false (anchored->exe_alone);
  g_assert_true (idg_grant_is_active (old, NOW));
  g_assert_cmpuint (idg_store_count_active (store, NOW), ==, 1);
  g_assert_cmpuint (idg_store_count_exe_alone (store, NOW), ==, 1);
  g_assert_cmphex (idg_store_allowed_kinds (store, app, NOW, NULL), ==, IDG_KIND_BIT (IDG_KIND_IMSI));
  g_assert_false (idg_store_check_token (store, app, IDG_KIND_IMEI, token, NOW, &gid, &why, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_REFUSED);
  g_assert_cmpint (why, ==, IDG_REFUSAL_SELECTOR);
  g_clear_error (&error);
  g_assert_null (idg_store_dup_token_hash (store, "g-00000000000000a1"));
  g_assert_false (idg_store_add_grant (store, "exe:/usr/bin/app", IDG_KIND_BIT (IDG_KIND_IMEI),
                                       "p", 0, NOW, NULL, NULL, &error));
  g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "uid:"));
  /* revoking it by its selector still works */
  g_assert_true (idg_store_revoke_selector (store, "exe:/usr/bin/app", NOW, NULL, NULL));
  g_assert_cmpuint (idg_store_count_exe_alone (store, NOW), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/broker/store/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("persist", test_persist);
  ADD ("locked", test_locked);
  ADD ("token-check", test_token_check);
  ADD ("allowed", test_allowed);
  ADD ("revoke-selector", test_revoke_selector);
  ADD ("invalid", test_invalid);
  ADD ("requests", test_requests);
  ADD ("request-limits", test_request_limits);
  ADD ("request-expiry", test_request_expiry);
  ADD ("request-no-admin-token", test_request_no_admin_token);
  ADD ("reset", test_reset);
  ADD ("write-failure", test_write_failure);
  ADD ("journal-reload", test_journal_reload);
  ADD ("journal-torn", test_journal_torn);
  ADD ("journal-corrupt", test_journal_corrupt);
  ADD ("journal-corrupt-last", test_journal_corrupt_last);
  ADD ("journal-compaction", test_journal_compaction);
  g_test_add_func ("/broker/store/corrupt", test_corrupt);
  g_test_add_func ("/broker/store/bad-secret", test_bad_secret);
  g_test_add_func ("/broker/store/open-dir", test_open_dir);
  g_test_add_func ("/broker/store/many", test_many);
  g_test_add_func ("/broker/store/exe-alone", test_exe_alone);
  return g_test_run ();
}
