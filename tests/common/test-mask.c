/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <glib.h>
#include "idg-encoding.h"
#include "idg-guard.h"
#include "idg-mask.h"

static const guint8 secret[IDG_SECRET_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

static const struct {
  IdgKind      kind;
  const gchar *value;
  const gchar *redacted;
} values[] = {
  { IDG_KIND_IMEI,   "490154203237518",  "000000000000000" },
  { IDG_KIND_IMEISV, "4901542032375101", "0000000000000000" },
  { IDG_KIND_ESN,    "8F3A09B1",         "00000000" },
  { IDG_KIND_MEID,   "A10000009296F2",   "00000000000000" },
  { IDG_KIND_IMSI,   "310260123456789",  "310260000000000" },
  { IDG_KIND_ICCID,  "89014103211118510720", "89000000000000000004" },
  { IDG_KIND_EID,    "89049032123451234512345678901235", NULL },
  { IDG_KIND_MSISDN, "+15551234567",     "+00000000000" },
};

static void
check_shape (IdgKind kind, const gchar *orig, const gchar *masked)
{
  gsize n = strlen (orig);
  gsize i;

  g_assert_cmpuint (strlen (masked), ==, n);
  g_assert_cmpstr (masked, !=, orig);
  for (i = 0; i < n; i++)
    g_assert_true (g_ascii_isalnum (orig[i]) ? g_ascii_isalnum (masked[i]) : masked[i] == orig[i]);
  if (kind == IDG_KIND_IMEI || kind == IDG_KIND_ICCID)
    g_assert_true (idg_luhn_valid (masked, n));
  if (kind == IDG_KIND_EID)
    g_assert_true (idg_eid_valid (masked, n));
}

static void
test_redact (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (values); i++) {
    g_autofree gchar *s = g_strdup (values[i].value);

    idg_mask_value (IDG_POLICY_REDACT, NULL, "svc", values[i].kind, s, strlen (s));
    /* the IMSI keeps its operator (MCC+MNC): a 2-digit MNC assumed */
    if (values[i].kind == IDG_KIND_IMSI)
      g_assert_cmpstr (s, ==, "310260000000000");
    check_shape (values[i].kind, values[i].value, s);
    if (values[i].redacted && values[i].kind != IDG_KIND_IMSI)
      g_assert_cmpstr (s, ==, values[i].redacted);
  }
}

static void
test_pseudonym (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (values); i++) {
    g_autofree gchar *a = g_strdup (values[i].value);
    g_autofree gchar *b = g_strdup (values[i].value);
    g_autofree gchar *c = g_strdup (values[i].value);

    idg_mask_value (IDG_POLICY_PSEUDONYM, secret, "unit:a.service", values[i].kind, a, strlen (a));
    idg_mask_value (IDG_POLICY_PSEUDONYM, secret, "unit:a.service", values[i].kind, b, strlen (b));
    idg_mask_value (IDG_POLICY_PSEUDONYM, secret, "unit:b.service", values[i].kind, c, strlen (c));
    check_shape (values[i].kind, values[i].value, a);
    g_assert_cmpstr (a, ==, b);          /* stable per service */
    g_assert_cmpstr (a, !=, c);          /* different per service */
  }
}

static void
test_guard_encodings (void)
{
  IdgGuard g;
  guint8 ascii[] = "490154203237518";
  guint8 utf16[30];
  guint8 bcd[IDG_EF_ICCID_LEN];
  guint8 ef_imsi[IDG_EF_IMSI_LEN];
  gchar back[40];
  g_autofree gchar *hex = NULL;

  idg_guard_init (&g, IDG_KIND_BIT (IDG_KIND_IMSI), IDG_POLICY_REDACT, secret, "svc");

  idg_guard_ascii (&g, IDG_KIND_IMEI, ascii, 15);
  g_assert_cmpstr ((gchar *) ascii, ==, "000000000000000");
  g_assert_cmpuint (g.tally[IDG_KIND_IMEI][IDG_DECISION_REWRITE], ==, 1);

  idg_utf16le_encode ("490154203237518", utf16, sizeof utf16);
  idg_guard_utf16le (&g, IDG_KIND_IMEI, utf16, 30);
  g_assert_cmpmem (utf16, 4, "0\0" "0\0", 4);
  g_assert_cmpint (utf16[29], ==, 0);

  idg_bcd_encode ("8901410321111851072", bcd, sizeof bcd);
  idg_guard_bcd (&g, IDG_KIND_ICCID, bcd, sizeof bcd, 0);
  g_assert_cmpint (idg_bcd_decode (bcd, sizeof bcd, back, sizeof back), ==, 19);
  g_assert_true (g_str_has_prefix (back, "8900000000000000") && idg_luhn_valid (back, 19));
  g_assert_cmpint (bcd[9] >> 4, ==, 0xF);   /* padding kept */

  /* allowed kind: untouched, counted as released */
  idg_ef_imsi_encode ("310260123456789", ef_imsi);
  idg_guard_bcd (&g, IDG_KIND_IMSI, ef_imsi + 1, sizeof ef_imsi - 1, 1);
  g_assert_cmpint (idg_ef_imsi_decode (ef_imsi, sizeof ef_imsi, back, sizeof back), ==, 15);
  g_assert_cmpstr (back, ==, "310260123456789");
  g_assert_cmpuint (g.tally[IDG_KIND_IMSI][IDG_DECISION_RELEASE], ==, 1);

  /* hex text of EF_IMSI bytes, as in an AT+CRSM reply */
  g.allowed = 0;
  hex = idg_hex_encode_dup (ef_imsi, sizeof ef_imsi);
  idg_guard_hex_bcd (&g, IDG_KIND_IMSI, (guint8 *) hex + 2, strlen (hex) - 2, 1);
  g_assert_cmpint (idg_hex_decode (hex, strlen (hex), ef_imsi, sizeof ef_imsi), ==, 9);
  g_assert_cmpint (idg_ef_imsi_decode (ef_imsi, sizeof ef_imsi, back, sizeof back), ==, 15);
  g_assert_cmpstr (back, ==, "310260000000000");

  /* hex that is not hex is masked as text, never passed */
  {
    guint8 junk[] = "3G10260123";

    idg_guard_hex_bcd (&g, IDG_KIND_IMSI, junk, 10, 0);
    g_assert_null (strstr ((gchar *) junk, "10260123"));
  }

  g_assert_false (idg_guard_raw_sim (&g));
  g_assert_cmpuint (g.tally[IDG_GUARD_SLOT_RAW_SIM][IDG_DECISION_REFUSE], ==, 1);
  g.allowed = IDG_KIND_MASK_SIM;
  g_assert_true (idg_guard_raw_sim (&g));
  g_assert_false (idg_guard_empty (&g));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/mask/redact", test_redact);
  g_test_add_func ("/common/mask/pseudonym", test_pseudonym);
  g_test_add_func ("/common/guard/encodings", test_guard_encodings);
  return g_test_run ();
}
