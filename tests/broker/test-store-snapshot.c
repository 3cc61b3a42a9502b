// SPDX-License-Identifier: GPL-2.0-or-later
/* The consent store's snapshot (store.snapshot, idg-store-snapshot.c): the
 * upgrade from a version 1 store.json, what a reload gives back, damaged
 * files refused, and the retention of past grants. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include "idg-store.h"
#include "idg-token.h"
#include "test-helpers.h"

#define NOW 1800000000
#define DAY 86400

static IdgStore *
load (const gchar *dir)
{
  g_autoptr(GError) error = NULL;
  IdgStore *store = idg_store_load (dir, &error);

  g_assert_no_error (error);
  return store;
}

static gchar *
path_in (const gchar *dir, const gchar *name)
{
  return g_build_filename (dir, name, NULL);
}

/* Every grant as text, in order: what two stores must agree on. */
static gchar *
describe (IdgStore *store)
{
  g_autoptr(GPtrArray) grants = idg_store_list_grants (store);
  g_autoptr(GPtrArray) requests = idg_store_list_requests (store);
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < grants->len; i++) {
    IdgGrant *g = grants->pdata[i];
    g_autofree gchar *hash = idg_store_dup_token_hash (store, g->id);

    g_string_append_printf (s, "%s %s %x %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %d %"
                            G_GINT64_FORMAT " %s %s\n", g->id, g->selector, g->scopes, g->purpose,
                            g->created, g->expires, g->revoked, g->revoked_at,
                            g->request_id ? g->request_id : "-", hash ? hash : "-");
  }
  for (i = 0; i < requests->len; i++) {
    IdgRequest *r = requests->pdata[i];

    g_string_append_printf (s, "%s %s %s %s %x %s %d %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %s\n",
                            r->id, r->selector, r->requester, r->service, r->scopes, r->purpose,
                            r->state, r->created, r->decided, r->grant_id ? r->grant_id : "-");
  }
  return g_string_free (s, FALSE);
}

/* A snapshot now: the journal is compacted at the next change. */
static void
compact (IdgStore *store)
{
  g_autoptr(GError) error = NULL;

  idg_store_set_journal_limit (store, 1);
  g_assert_true (idg_store_add_grant (store, "uid:4242", IDG_KIND_BIT (IDG_KIND_EID), "compact",
                                      0, NOW, NULL, NULL, &error));
  g_assert_no_error (error);
}

/* A store.json of version 1 (what brokers before the snapshot wrote) is
 * read, and replaced by store.snapshot at the first compaction; nothing is
 * lost on the way, tokens included. */
static void
test_upgrade (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-snap-XXXXXX", NULL);
  g_autofree gchar *json = path_in (dir, "store.json");
  g_autofree gchar *snap = path_in (dir, "store.snapshot");
  g_autofree gchar *token = NULL, *tok_hash = NULL, *before = NULL, *after = NULL;
  g_autofree gchar *content = NULL;
  g_autoptr(IdgIdentity) app = test_identity (1000, 100, "/usr/bin/app", NULL, NULL);
  g_autoptr(GError) error = NULL;
  IdgStore *store;

  g_assert_true (g_mkdir_with_parents (dir, 0700) == 0);
  token = idg_token_new (&error);
  g_assert_no_error (error);
  tok_hash = idg_token_hash (token);
  content = g_strdup_printf (
      "{\"version\":1,\"generation\":3,\"grants\":["
      "{\"id\":\"g-00000000000000a1\",\"selector\":\"uid:1000,exe:/usr/bin/app\",\"scopes\":\"imei,imsi\","
      "\"purpose\":\"backup\",\"created\":5,\"expires\":0,\"revoked\":false,\"revoked-at\":0,"
      "\"token-hash\":\"%s\",\"request\":\"r-00000000000000b1\"},"
      "{\"id\":\"g-00000000000000a2\",\"selector\":\"unit:x.service,cgroup:/system.slice/x.service\","
      "\"scopes\":\"eid\",\"purpose\":\"p\",\"created\":6,\"expires\":99,\"revoked\":true,"
      "\"revoked-at\":7,\"token-hash\":null,\"request\":null}],"
      "\"requests\":[{\"id\":\"r-00000000000000b1\",\"selector\":\"uid:1000,exe:/usr/bin/app\","
      "\"requester\":\"uid 1000\",\"service\":\"svc\",\"scopes\":\"imei,imsi\",\"purpose\":\"backup\","
      "\"state\":\"claimed\",\"created\":4,\"decided\":5,\"grant\":\"g-00000000000000a1\"}]}",
      tok_hash);
  g_assert_true (g_file_set_contents (json, content, -1, NULL));
  g_assert_cmpint (g_chmod (json, 0600), ==, 0);

  store = load (dir);
  before = describe (store);
  g_assert_nonnull (strstr (before, "g-00000000000000a2 unit:x.service,cgroup:/system.slice/x.service"));
  g_assert_true (idg_store_check_token (store, app, IDG_KIND_IMSI, token, NOW, NULL, NULL, NULL));
  compact (store);
  g_assert_true (g_file_test (snap, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (json, G_FILE_TEST_EXISTS));
  idg_store_free (store);

  store = load (dir);
  after = describe (store);
  {
    g_auto(GStrv) lines = g_strsplit (before, "\n", -1);
    guint i;

    for (i = 0; lines[i] != NULL; i++)   /* the compaction added one grant */
      g_assert_nonnull (strstr (after, lines[i]));
  }
  g_assert_true (idg_store_check_token (store, app, IDG_KIND_IMSI, token, NOW, NULL, NULL, NULL));
  g_assert_cmphex (idg_store_allowed_kinds (store, app, NOW, NULL), ==,
                   IDG_KIND_BIT (IDG_KIND_IMEI) | IDG_KIND_BIT (IDG_KIND_IMSI));
  idg_store_free (store);
  idg_token_free (token);
  token = NULL;
  test_rmdir (dir);
}

/* A snapshot that was damaged is refused (CORRUPT), never read as an
 * empty or partial store, and left as it was. */
static void
test_damaged (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-snap-XXXXXX", NULL);
  g_autofree gchar *snap = path_in (dir, "store.snapshot");
  g_autofree gchar *good = NULL;
  gsize len = 0, cut;
  IdgStore *store = load (dir);
  guint i;

  for (i = 0; i < 20; i++) {
    g_autofree gchar *sel = g_strdup_printf ("uid:%u,exe:/usr/bin/app%u", 2000 + i, i);
    g_assert_true (idg_store_add_grant (store, sel, IDG_KIND_BIT (IDG_KIND_IMEI), "damage test",
                                        i % 2 ? 3600 : 0, NOW, NULL, NULL, NULL));
  }
  compact (store);
  idg_store_free (store);
  g_assert_true (g_file_get_contents (snap, &good, &len, NULL));
  g_assert_cmpuint (len, >, 64);

  /* cut short anywhere, or a wrong magic */
  for (cut = 0; cut <= len; cut += (cut < 64 ? 1 : 61)) {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *damaged = g_memdup2 (good, len);
    gsize dlen = MIN (cut, len - 1);

    if (cut >= len - 1) {
      damaged[0] = 'I';
      dlen = len;
    }
    g_test_message ("cut at %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT, dlen, len);
    g_assert_true (g_file_set_contents (snap, damaged, (gssize) dlen, NULL));
    g_assert_null (idg_store_load (dir, &error));
    g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, "corrupt"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *damaged = g_memdup2 (good, len);
    g_autofree gchar *left = NULL;

    damaged[len / 2] ^= 0x10;       /* one bit, anywhere in the body */
    g_assert_true (g_file_set_contents (snap, damaged, (gssize) len, NULL));
    g_assert_null (idg_store_load (dir, &error));
    g_assert_error (error, IDG_STORE_ERROR, IDG_STORE_ERROR_CORRUPT);
    g_assert_true (g_file_get_contents (snap, &left, NULL, NULL));
    g_assert_cmpmem (left, len, damaged, len);
  }
  /* the intact file loads again */
  g_assert_true (g_file_set_contents (snap, good, (gssize) len, NULL));
  store = load (dir);
  g_assert_cmpuint (idg_store_count_grants (store), ==, 21);
  idg_store_free (store);
  test_rmdir (dir);
}

/* Retention: grants revoked or expired longer ago than the retention are
 * dropped (in memory and, once written, on disk); active grants and
 * recent past ones stay. */
static void
test_retention (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-snap-XXXXXX", NULL);
  g_autofree gchar *active = NULL, *old_revoked = NULL, *new_revoked = NULL;
  g_autofree gchar *old_expired = NULL, *new_expired = NULL, *forever = NULL;
  IdgStore *store = load (dir);
  gint64 later = NOW + 100 * DAY;

#define ADD_GRANT(var, sel, ttl) \
  g_assert_true (idg_store_add_grant (store, sel, IDG_KIND_BIT (IDG_KIND_IMEI), "retention", \
                                      ttl, NOW, &var, NULL, NULL))
  ADD_GRANT (active, "uid:3001", 0);
  ADD_GRANT (forever, "uid:3002", 365 * DAY);
  ADD_GRANT (old_revoked, "uid:3003", 0);
  ADD_GRANT (new_revoked, "uid:3004", 0);
  ADD_GRANT (old_expired, "uid:3005", DAY);          /* expired 99 days before `later` */
  ADD_GRANT (new_expired, "uid:3006", 95 * DAY);     /* expired 5 days before */
#undef ADD_GRANT
  g_assert_true (idg_store_revoke (store, old_revoked, NOW + DAY, NULL));
  g_assert_true (idg_store_revoke (store, new_revoked, later - 10 * DAY, NULL));

  /* no retention set: nothing dropped */
  g_assert_cmpuint (idg_store_apply_retention (store, later), ==, 0);
  g_assert_cmpuint (idg_store_count_grants (store), ==, 6);

  idg_store_set_retention (store, 90 * DAY);
  g_assert_cmpuint (idg_store_apply_retention (store, later), ==, 2);
  g_assert_null (idg_store_lookup_grant (store, old_revoked));
  g_assert_null (idg_store_lookup_grant (store, old_expired));
  idg_store_free (store);

  store = load (dir);   /* the drop was written */
  g_assert_cmpuint (idg_store_count_grants (store), ==, 4);
  {
    g_autoptr(IdgGrant) a = idg_store_lookup_grant (store, active);
    g_autoptr(IdgGrant) f = idg_store_lookup_grant (store, forever);
    g_autoptr(IdgGrant) r = idg_store_lookup_grant (store, new_revoked);
    g_autoptr(IdgGrant) e = idg_store_lookup_grant (store, new_expired);
    g_autoptr(IdgIdentity) who = test_identity (3001, 1, NULL, NULL, NULL);

    g_assert_nonnull (a);
    g_assert_nonnull (f);
    g_assert_true (r != NULL && r->revoked);
    g_assert_nonnull (e);
    g_assert_cmphex (idg_store_allowed_kinds (store, who, later, NULL), ==, IDG_KIND_BIT (IDG_KIND_IMEI));
  }
  idg_store_free (store);
  test_rmdir (dir);
}

/* Many grants of one service share their strings; a revoked grant leaves
 * its bucket, the others in it still match. */
static void
test_shared_bucket (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-snap-XXXXXX", NULL);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(IdgIdentity) who = test_identity (5000, 1, "/usr/bin/app", NULL, NULL);
  IdgStore *store = load (dir);
  static const IdgKind kinds[] = { IDG_KIND_IMEI, IDG_KIND_IMSI, IDG_KIND_ICCID, IDG_KIND_EID };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kinds); i++) {
    gchar *id = NULL;

    g_assert_true (idg_store_add_grant (store, "uid:5000,exe:/usr/bin/app", IDG_KIND_BIT (kinds[i]),
                                        "same purpose", 0, NOW, &id, NULL, NULL));
    g_ptr_array_add (ids, id);
  }
  for (i = 0; i < G_N_ELEMENTS (kinds); i++) {
    guint32 want = 0, k;

    for (k = i; k < G_N_ELEMENTS (kinds); k++)
      want |= IDG_KIND_BIT (kinds[k]);
    g_assert_cmphex (idg_store_allowed_kinds (store, who, NOW, NULL), ==, want);
    /* the bucket's head first (the others chain behind it), then its tail */
    g_assert_true (idg_store_revoke (store, ids->pdata[i], NOW, NULL));
  }
  g_assert_cmphex (idg_store_allowed_kinds (store, who, NOW, NULL), ==, 0);
  idg_store_free (store);
  test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/store-snapshot/upgrade", test_upgrade);
  g_test_add_func ("/broker/store-snapshot/damaged", test_damaged);
  g_test_add_func ("/broker/store-snapshot/retention", test_retention);
  g_test_add_func ("/broker/store-snapshot/shared-bucket", test_shared_bucket);
  return g_test_run ();
}
