// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The broker's value tripwire (idg_broker_guard_scan): a message on a route
 * no filter knows, masked for a client without consent and left for one
 * with it; the audit record (door, route, never the value); the previous
 * SIM's values; the unsettled state of a SIM swap.
 */
#include <glib.h>
#include <string.h>
#include <unistd.h>
#include "idg-broker.h"
#include "idg-encoding.h"
#include "test-helpers.h"

typedef struct {
  gchar       *dir;
  IdgBroker   *broker;
  IdgIdentity *who;        /* gets grants in some tests */
  IdgIdentity *stranger;   /* never */
  gchar       *imsi;
  gchar       *iccid;
} Fixture;

static gchar *
digits (guint n)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < n; i++)
    g_string_append_c (s, (gchar) ('0' + g_random_int_range (i == 0 ? 1 : 0, 10)));
  return g_string_free (s, FALSE);
}

static gchar *
random_imsi (void)
{
  g_autofree gchar *msin = digits (10);

  return g_strconcat ("26201", msin, NULL);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autofree gchar *body = digits (16);

  f->broker = test_broker_new ("idg-tripwire", &f->dir);
  f->who = test_identity (getuid (), getgid (), "/usr/bin/app", NULL, NULL);
  f->stranger = test_identity (getuid () + 1, 1, "/usr/bin/other", NULL, NULL);
  f->imsi = random_imsi ();
  f->iccid = g_strconcat ("89", body, "0", NULL);
  f->iccid[18] = idg_luhn_check_digit (f->iccid, 18);
  idg_broker_set_identifier (f->broker, "qmi", IDG_KIND_IMSI, f->imsi);
  idg_broker_set_identifier (f->broker, "qmi", IDG_KIND_ICCID, f->iccid);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  idg_broker_free (f->broker);
  idg_identity_free (f->who);
  idg_identity_free (f->stranger);
  test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->imsi);
  g_free (f->iccid);
}

static void
grant (Fixture *f,
       guint32  kinds)
{
  g_autofree gchar *me = g_strdup_printf ("uid:%u", (guint) getuid ());

  g_assert_true (idg_store_add_grant (idg_broker_get_store (f->broker), me, kinds, "p", 0,
                                      g_get_real_time () / G_USEC_PER_SEC, NULL, NULL, NULL));
}

/* An AT reply on a vendor route no filter knows: the IMSI as text, the
 * ICCID as the hex of its EF bytes. */
static gchar *
vendor_reply (Fixture *f)
{
  guint8 ef[IDG_EF_ICCID_LEN];
  g_autofree gchar *hex = NULL;

  g_assert_true (idg_bcd_encode (f->iccid, ef, sizeof ef));
  hex = idg_hex_encode_dup (ef, sizeof ef);
  return g_strdup_printf ("\r\n+XLEAK: \"%s\",\"%s\"\r\n\r\nOK\r\n", f->imsi, hex);
}

static guint64
status_hits (Fixture *f)
{
  g_autoptr(GVariant) st = g_variant_ref_sink (idg_broker_get_status (f->broker));
  guint64 hits = 0;

  g_assert_true (g_variant_lookup (st, "tripwire-hits", "t", &hits));
  return hits;
}

static void
test_unknown_route (Fixture *f, gconstpointer data)
{
  g_autofree gchar *msg = vendor_reply (f);
  g_autofree gchar *orig = g_strdup (msg);
  g_autofree gchar *log = NULL;
  g_autofree gchar *log_path = g_build_filename (f->dir, "audit.log", NULL);
  g_autoptr(GPtrArray) recs = NULL;
  gsize len = strlen (msg);
  guint32 masked;
  guint i, seen = 0;

  masked = idg_broker_guard_scan (f->broker, f->stranger, NULL, IDG_DOOR_AT, "+XLEAK", (guint8 *) msg, len);
  g_assert_cmpuint (masked, ==, IDG_KIND_BIT (IDG_KIND_IMSI) | IDG_KIND_BIT (IDG_KIND_ICCID));
  g_assert_cmpuint (strlen (msg), ==, len);
  g_assert_null (strstr (msg, f->imsi + 5));
  g_assert_null (strstr (msg, f->iccid + 2));
  g_assert_true (g_str_has_prefix (msg, "\r\n+XLEAK: \""));
  g_assert_true (g_str_has_suffix (msg, "\"\r\n\r\nOK\r\n"));
  /* MCC+MNC kept, as redaction keeps them; but where a run of the value
   * read as another encoding overlaps the prefix, masked wins: "1100 88"
   * at the MNC's last digit is also the swapped-BCD hex of digits 4-9
   * (about 1 IMSI in 200 here), so only "2620" is certain */
  g_assert_nonnull (strstr (msg, "\"2620"));
  g_assert_cmpuint (status_hits (f), ==, 1);

  recs = idg_audit_query (idg_broker_get_audit (f->broker), 0, NULL);
  for (i = 0; i < recs->len; i++) {
    IdgAuditRecord *r = recs->pdata[i];

    g_assert_cmpstr (r->door, ==, IDG_DOOR_AT);
    g_assert_cmpstr (r->reason, ==, "tripwire +XLEAK");
    g_assert_cmpint (r->decision, ==, IDG_DECISION_REWRITE);
    g_assert_cmpstr (r->service, ==, f->stranger->service);
    seen |= g_str_equal (r->kind, "imsi") ? 1 : g_str_equal (r->kind, "iccid") ? 2 : 4;
  }
  g_assert_cmpuint (seen, ==, 3);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_null (strstr (log, f->imsi + 5));
  g_assert_null (strstr (log, f->iccid + 2));

  /* a message with nothing in it: untouched, nothing counted */
  g_assert_cmpuint (idg_broker_guard_scan (f->broker, f->stranger, NULL, IDG_DOOR_AT, "+CSQ",
                                           (guint8 *) orig, 0), ==, 0);
  g_assert_cmpuint (status_hits (f), ==, 1);
}

/* Consent for the IMSI: it passes; the ICCID does not. With the message's
 * guard the grants are the guard's. */
static void
test_consent (Fixture *f, gconstpointer data)
{
  g_autofree gchar *msg = vendor_reply (f);
  g_autofree gchar *again = NULL;
  IdgGuard guard;

  grant (f, IDG_KIND_BIT (IDG_KIND_IMSI));
  g_assert_cmpuint (idg_broker_guard_scan (f->broker, f->who, NULL, IDG_DOOR_AT, "+XLEAK",
                                           (guint8 *) msg, strlen (msg)), ==, IDG_KIND_BIT (IDG_KIND_ICCID));
  g_assert_nonnull (strstr (msg, f->imsi));
  g_assert_null (strstr (msg, f->iccid + 2));

  again = vendor_reply (f);
  idg_broker_guard_begin (f->broker, f->who, &guard);
  guard.allowed |= IDG_KIND_BIT (IDG_KIND_ICCID);
  g_assert_cmpuint (idg_broker_guard_scan (f->broker, f->who, &guard, IDG_DOOR_AT, "+XLEAK",
                                           (guint8 *) again, strlen (again)), ==, 0);
  g_assert_nonnull (strstr (again, f->imsi));
}

/* A binary door: EF_IMSI bytes inside some TLV, and the ICCID as UTF-16LE. */
static void
test_binary (Fixture *f, gconstpointer data)
{
  guint8 msg[64];
  guint8 ef[IDG_EF_IMSI_LEN], wide[40];
  gsize wlen;

  memset (msg, 0xEE, sizeof msg);
  g_assert_true (idg_ef_imsi_encode (f->imsi, ef));
  memcpy (msg + 3, ef, sizeof ef);
  wlen = idg_utf16le_encode (f->iccid, wide, sizeof wide);
  memcpy (msg + 20, wide, wlen);
  g_assert_cmpuint (idg_broker_guard_scan (f->broker, f->stranger, NULL, IDG_DOOR_QMI, "uim/0x00ff",
                                           msg, sizeof msg), ==,
                    IDG_KIND_BIT (IDG_KIND_IMSI) | IDG_KIND_BIT (IDG_KIND_ICCID));
  g_assert_cmpint (msg[3], ==, ef[0]);             /* the length byte stays */
  g_assert_false (memcmp (msg + 3, ef, sizeof ef) == 0);
  g_assert_false (memcmp (msg + 20, wide, wlen) == 0);
  g_assert_cmpint (msg[2], ==, 0xEE);
  g_assert_cmpint (msg[20 + wlen], ==, 0xEE);
}

/* A SIM swap: the old IMSI is still looked for; until the new one is read,
 * digit runs are masked for clients without it; then settled again. The
 * route is gone over before it reaches the audit log. */
static void
test_swap (Fixture *f, gconstpointer data)
{
  g_autofree gchar *old_imsi = g_strdup (f->imsi);
  g_autofree gchar *new_imsi = random_imsi ();
  g_autofree gchar *m1 = g_strdup_printf ("+X: %s\r\n", old_imsi);
  g_autofree gchar *m2 = g_strdup_printf ("+X: %s\r\n", new_imsi);
  g_autofree gchar *m3 = g_strdup_printf ("+X: %s\r\n", new_imsi);
  g_autofree gchar *m4 = g_strdup_printf ("+X: %s\r\n", new_imsi);
  g_autofree gchar *route = g_strdup_printf ("+V%s", old_imsi);
  g_autoptr(GPtrArray) recs = NULL;
  guint32 awaiting = 0;
  guint i, unread = 0;

  grant (f, IDG_KIND_BIT (IDG_KIND_IMSI) | IDG_KIND_BIT (IDG_KIND_ICCID));
  g_assert_true (idg_broker_ids_settled (f->broker, &awaiting));
  /* the backend clears the SIM's values, as on a swap */
  idg_broker_set_identifier (f->broker, "qmi", IDG_KIND_IMSI, NULL);
  idg_broker_set_identifier (f->broker, "qmi", IDG_KIND_ICCID, NULL);
  g_assert_false (idg_broker_ids_settled (f->broker, &awaiting));
  g_assert_cmpuint (awaiting, ==, IDG_KIND_BIT (IDG_KIND_IMSI) | IDG_KIND_BIT (IDG_KIND_ICCID));

  idg_broker_guard_scan (f->broker, f->stranger, NULL, IDG_DOOR_AT, route, (guint8 *) m1, strlen (m1));
  g_assert_null (strstr (m1, old_imsi + 5));
  /* the new IMSI is not known yet: masked anyway, for the stranger only */
  idg_broker_guard_scan (f->broker, f->stranger, NULL, IDG_DOOR_AT, "+X", (guint8 *) m2, strlen (m2));
  g_assert_null (strstr (m2, new_imsi));
  idg_broker_guard_scan (f->broker, f->who, NULL, IDG_DOOR_AT, "+X", (guint8 *) m3, strlen (m3));
  g_assert_nonnull (strstr (m3, new_imsi));

  idg_broker_set_identifier (f->broker, "qmi", IDG_KIND_IMSI, new_imsi);
  idg_broker_set_identifier (f->broker, "qmi", IDG_KIND_ICCID, f->iccid);
  g_assert_true (idg_broker_ids_settled (f->broker, &awaiting));
  g_assert_cmpuint (awaiting, ==, 0);
  /* settled, and now known: masked by value (a run of the ICCID's forms
   * can turn up in the IMSI's digits by chance: only the IMSI's bit is
   * certain) */
  g_assert_true (idg_broker_guard_scan (f->broker, f->stranger, NULL, IDG_DOOR_AT, "+X",
                                        (guint8 *) m4, strlen (m4)) & IDG_KIND_BIT (IDG_KIND_IMSI));
  g_assert_null (strstr (m4, new_imsi + 5));

  recs = idg_audit_query (idg_broker_get_audit (f->broker), 0, NULL);
  g_assert_cmpuint (recs->len, >=, 3);
  for (i = 0; i < recs->len; i++) {
    IdgAuditRecord *r = recs->pdata[i];

    g_assert_null (strstr (r->reason, old_imsi + 5));
    g_assert_true (g_str_has_prefix (r->reason, "tripwire +"));
    unread += g_strcmp0 (r->kind, IDG_AUDIT_KIND_UNREAD) == 0;
  }
  g_assert_cmpuint (unread, >=, 1);   /* the new IMSI, masked before it was read */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/broker/tripwire/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("unknown-route", test_unknown_route);
  ADD ("consent", test_consent);
  ADD ("binary", test_binary);
  ADD ("swap", test_swap);
  return g_test_run ();
}
