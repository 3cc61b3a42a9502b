/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <glib.h>
#include "idg-encoding.h"
#include "idg-kind.h"

static void
test_luhn (void)
{
  static const struct { const gchar *digits; gboolean valid; } t[] = {
    { "490154203237518", TRUE },   /* the IMEI of 3GPP TS 23.003 annex B */
    { "490154203237517", FALSE },
    { "89014103211118510720", TRUE },
    { "89014103211118510721", FALSE },
    { "0", FALSE },
    { "35x", FALSE },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (t); i++)
    g_assert_cmpint (idg_luhn_valid (t[i].digits, strlen (t[i].digits)), ==, t[i].valid);
  g_assert_cmpint (idg_luhn_check_digit ("49015420323751", 14), ==, '8');
}

static void
test_eid (void)
{
  gchar eid[33] = "89049032123451234512345678901200";

  idg_eid_fix_check (eid);
  g_assert_true (idg_eid_valid (eid, 32));
  eid[5] = eid[5] == '1' ? '2' : '1';
  g_assert_false (idg_eid_valid (eid, 32));
  g_assert_false (idg_eid_valid ("8904", 4));
}

static void
test_bcd (void)
{
  static const struct { const gchar *digits; gsize len; const gchar *hex; } t[] = {
    { "89014103211118510720", 10, "98101430121181157002" },
    { "8901410321111851072",  10, "981014301211811570F2" },
    { "123",                   3, "21F3FF" },
    { "",                      2, "FFFF" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (t); i++) {
    guint8 buf[16];
    gchar back[40];
    g_autofree gchar *hex = NULL;

    g_assert_true (idg_bcd_encode (t[i].digits, buf, t[i].len));
    hex = idg_hex_encode_dup (buf, t[i].len);
    g_assert_cmpstr (hex, ==, t[i].hex);
    g_assert_cmpint (idg_bcd_decode (buf, t[i].len, back, sizeof back), ==, (gssize) strlen (t[i].digits));
    g_assert_cmpstr (back, ==, t[i].digits);
  }
  {
    guint8 small[2];
    guint8 bad[] = { 0x1A };
    gchar out[8];

    g_assert_false (idg_bcd_encode ("12345", small, sizeof small));
    g_assert_false (idg_bcd_encode ("12a4", small, sizeof small));
    g_assert_cmpint (idg_bcd_decode (bad, 1, out, sizeof out), ==, -1);
  }
}

static void
test_ef_imsi (void)
{
  static const struct { const gchar *imsi; const gchar *hex; } t[] = {
    { "310260123456789", "083901621032547698" },
    { "20815123456789",  "0821805121436587F9" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (t); i++) {
    guint8 ef[IDG_EF_IMSI_LEN];
    gchar back[20];
    g_autofree gchar *hex = NULL;

    g_assert_true (idg_ef_imsi_encode (t[i].imsi, ef));
    hex = idg_hex_encode_dup (ef, sizeof ef);
    g_assert_cmpstr (hex, ==, t[i].hex);
    g_assert_cmpint (idg_ef_imsi_decode (ef, sizeof ef, back, sizeof back), ==, (gssize) strlen (t[i].imsi));
    g_assert_cmpstr (back, ==, t[i].imsi);
  }
  {
    guint8 lying[] = { 0x20, 0x39 };
    gchar out[20];

    g_assert_cmpint (idg_ef_imsi_decode (lying, sizeof lying, out, sizeof out), ==, -1);
  }
}

static void
test_ef_msisdn (void)
{
  guint8 rec[30];
  gchar back[32];

  g_assert_true (idg_ef_msisdn_encode ("+15551234567", rec, sizeof rec));
  g_assert_cmpint (rec[16], ==, 7);
  g_assert_cmpint (rec[17], ==, 0x91);
  g_assert_cmpint (idg_ef_msisdn_decode (rec, sizeof rec, back, sizeof back), ==, 12);
  g_assert_cmpstr (back, ==, "+15551234567");
  g_assert_true (idg_ef_msisdn_encode ("5551234", rec, 14));
  g_assert_cmpint (idg_ef_msisdn_decode (rec, 14, back, sizeof back), ==, 7);
  g_assert_cmpstr (back, ==, "5551234");
  g_assert_false (idg_ef_msisdn_encode ("1", rec, 10));
}

static void
test_utf16_hex (void)
{
  guint8 buf[8];
  guint8 raw[4];
  g_autofree gchar *s = NULL;

  g_assert_cmpuint (idg_utf16le_encode ("12", buf, sizeof buf), ==, 4);
  g_assert_cmpmem (buf, 4, "1\0" "2\0", 4);
  s = idg_utf16le_decode_dup (buf, 4);
  g_assert_cmpstr (s, ==, "12");
  g_assert_cmpuint (idg_utf16le_encode ("12345", buf, sizeof buf), ==, 0);
  g_assert_null (idg_utf16le_decode_dup (buf, 3));
  g_assert_cmpint (idg_hex_decode ("0aFf", 4, raw, sizeof raw), ==, 2);
  g_assert_cmpint (raw[0], ==, 0x0A);
  g_assert_cmpint (raw[1], ==, 0xFF);
  g_assert_cmpint (idg_hex_decode ("0g", 2, raw, sizeof raw), ==, -1);
  g_assert_cmpint (idg_hex_decode ("012", 3, raw, sizeof raw), ==, -1);
}

static void
test_kind (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *s = NULL;
  guint32 m;

  m = idg_kind_mask_parse ("imei, IMSI", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m, ==, IDG_KIND_BIT (IDG_KIND_IMEI) | IDG_KIND_BIT (IDG_KIND_IMSI));
  s = idg_kind_mask_to_string (m);
  g_assert_cmpstr (s, ==, "imei,imsi");
  g_assert_cmpuint (idg_kind_mask_parse ("all", NULL), ==, IDG_KIND_MASK_ALL);
  g_assert_cmpuint (idg_kind_mask_parse ("imei,bogus", &error), ==, 0);
  g_assert_nonnull (error);
  g_assert_cmpuint (idg_kind_mask_parse ("", NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/encoding/luhn", test_luhn);
  g_test_add_func ("/common/encoding/eid", test_eid);
  g_test_add_func ("/common/encoding/bcd", test_bcd);
  g_test_add_func ("/common/encoding/ef-imsi", test_ef_imsi);
  g_test_add_func ("/common/encoding/ef-msisdn", test_ef_msisdn);
  g_test_add_func ("/common/encoding/utf16-hex", test_utf16_hex);
  g_test_add_func ("/common/kind/mask", test_kind);
  return g_test_run ();
}
