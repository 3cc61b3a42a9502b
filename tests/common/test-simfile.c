/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIM file reads judged by byte range: every slice (offset 0..size, every
 * length) of EF_IMSI, EF_ICCID, EF_MSISDN/EF_ADN records, with random
 * identifiers (GTest's seeded generator: --seed reproduces a run).
 */
#include <string.h>
#include <glib.h>
#include "idg-encoding.h"
#include "idg-guard.h"
#include "idg-simfile.h"

static const guint8 secret[IDG_SECRET_LEN] = { 7, 1, 8, 2, 8, 1, 8, 2, 8 };

static void
random_digits (gchar *out,
               gsize  n)
{
  gsize i;

  for (i = 0; i < n; i++)
    out[i] = (gchar) ('0' + g_test_rand_int_range (0, 10));
  out[n] = '\0';
}

/* The nibble of digit i of a swapped-BCD field: low nibble first. */
static guint8
nibble (const guint8 *field,
        gsize         i)
{
  return (i & 1) ? field[i / 2] >> 4 : field[i / 2] & 0x0F;
}

/* Every nibble is 0 where it was not padding. */
static void
assert_scrubbed (const guint8 *orig,
                 const guint8 *got,
                 gsize         len)
{
  gsize i;

  for (i = 0; i < 2 * len; i++)
    g_assert_cmpint (nibble (got, i), ==, nibble (orig, i) == 0x0F ? 0x0F : 0);
}

static void
guard_init (IdgGuard  *g,
            guint32    allowed,
            IdgPolicy  policy)
{
  idg_guard_init (g, allowed, policy, secret, "unit:test.service");
}

/* EF_IMSI: digit d (0-based) is nibble d + 1 of bytes 1..8. */
static void
test_imsi_slices (void)
{
  guint policy;

  for (policy = IDG_POLICY_REDACT; policy <= IDG_POLICY_PSEUDONYM; policy++) {
    gchar imsi[16];
    guint8 file[IDG_EF_IMSI_LEN];
    guint8 full[IDG_EF_IMSI_LEN];
    IdgGuard g;
    guint off, len;

    random_digits (imsi, 15);
    g_assert_true (idg_ef_imsi_encode (imsi, file));
    memcpy (full, file, sizeof full);
    guard_init (&g, 0, policy);
    idg_simfile_guard (&g, IDG_SIMFILE_EF_IMSI, FALSE, 0, 0, full, sizeof full);
    g_assert_cmpuint (g.tally[IDG_KIND_IMSI][IDG_DECISION_REWRITE], ==, 1);
    g_assert_cmpint (full[0], ==, file[0]);

    for (off = 0; off < IDG_EF_IMSI_LEN; off++) {
      for (len = 1; off + len <= IDG_EF_IMSI_LEN; len++) {
        guint8 slice[IDG_EF_IMSI_LEN];
        guint same_msin = 0, msin = 0;
        guint d;

        memcpy (slice, file + off, len);
        guard_init (&g, IDG_KIND_MASK_ALL & ~IDG_KIND_BIT (IDG_KIND_IMSI), policy);
        idg_simfile_guard (&g, IDG_SIMFILE_EF_IMSI, FALSE, 0, off, slice, len);
        g_assert_cmpuint (g.tally[IDG_KIND_IMSI][IDG_DECISION_RELEASE], ==, 0);
        g_assert_cmpuint (g.tally[IDG_KIND_IMSI][IDG_DECISION_REWRITE], ==, off + len > 1 ? 1 : 0);
        if (off == 0)
          g_assert_cmpint (slice[0], ==, file[0]);   /* the length byte stays */
        for (d = 0; d < 15; d++) {
          guint byte = 1 + (d + 1) / 2;
          guint8 got, orig;

          if (byte < off || byte >= off + len)
            continue;
          got = ((d + 1) & 1) ? slice[byte - off] >> 4 : slice[byte - off] & 0x0F;
          orig = imsi[d] - '0';
          if (d < 5) {
            /* MCC + MNC: kept only because these ARE its positions */
            g_assert_cmpint (got, ==, orig);
            continue;
          }
          msin++;
          same_msin += got == orig;
          if (policy == IDG_POLICY_REDACT)
            g_assert_cmpint (got, ==, 0);
        }
        if (policy == IDG_POLICY_PSEUDONYM && msin >= 6)
          g_assert_cmpuint (same_msin, <, msin);
        if (policy == IDG_POLICY_REDACT)
          g_assert_cmpmem (slice, len, full + off, len);
      }
    }
  }
}

/* The attack of issue 12: a read at offset 4 must not carry subscriber
 * digits into what looks, from the reply alone, like the operator code. */
static void
test_imsi_shifted (void)
{
  gchar imsi[16];
  gchar got[32];
  guint8 file[IDG_EF_IMSI_LEN];
  guint8 reply[IDG_EF_IMSI_LEN];
  IdgGuard g;

  random_digits (imsi, 15);
  g_assert_true (idg_ef_imsi_encode (imsi, file));
  reply[0] = 8;
  reply[1] = 0x09;
  memcpy (reply + 2, file + 4, 5);
  memset (reply + 7, 0xFF, 2);
  guard_init (&g, 0, IDG_POLICY_REDACT);
  idg_simfile_guard (&g, IDG_SIMFILE_EF_IMSI, FALSE, 0, 4, reply + 2, 5);
  g_assert_cmpint (idg_ef_imsi_decode (reply, sizeof reply, got, sizeof got), >=, 10);
  g_assert_null (strstr (got, imsi + 5 + 1));
  g_assert_true (g_str_has_prefix (got, "0000000000"));
}

static void
test_iccid_slices (void)
{
  guint digits;

  for (digits = 19; digits <= 20; digits++) {
    gchar iccid[21];
    guint8 file[IDG_EF_ICCID_LEN];
    guint off, len;

    random_digits (iccid + 2, digits - 3);
    iccid[0] = '8';
    iccid[1] = '9';
    iccid[digits - 1] = idg_luhn_check_digit (iccid, digits - 1);
    iccid[digits] = '\0';
    g_assert_true (idg_bcd_encode (iccid, file, sizeof file));

    for (off = 0; off < IDG_EF_ICCID_LEN; off++) {
      for (len = 1; off + len <= IDG_EF_ICCID_LEN; len++) {
        guint8 slice[IDG_EF_ICCID_LEN];
        IdgGuard g;
        guint d;

        memcpy (slice, file + off, len);
        guard_init (&g, IDG_KIND_BIT (IDG_KIND_IMSI), IDG_POLICY_REDACT);
        idg_simfile_guard (&g, IDG_SIMFILE_EF_ICCID, FALSE, 0, off, slice, len);
        g_assert_cmpuint (g.tally[IDG_KIND_ICCID][IDG_DECISION_REWRITE], ==, 1);
        for (d = 2 * off; d < 2 * (off + len); d++) {
          guint8 got = (d & 1) ? slice[d / 2 - off] >> 4 : slice[d / 2 - off] & 0x0F;

          if (d >= digits)
            g_assert_cmpint (got, ==, 0x0F);      /* padding stays */
          else if (d < 2)
            g_assert_cmpint (got, ==, iccid[d] - '0');
          else if (d < digits - 1)
            g_assert_cmpint (got, ==, 0);
          else
            g_assert_cmpint (got, <=, 9);         /* a check digit, of the mask */
        }
      }
    }
  }
}

static const struct {
  guint16 file_id;
  guint   alpha;
} dialling[] = {
  { IDG_SIMFILE_EF_MSISDN, 0 },
  { IDG_SIMFILE_EF_MSISDN, 12 },
  { IDG_SIMFILE_EF_ADN, 18 },
  { IDG_SIMFILE_EF_ADN, 30 },
};

/* Records read whole or with a short length (READ RECORD P3 < record
 * length), with the record length known or not. */
static void
test_dialling_records (void)
{
  guint t;

  for (t = 0; t < G_N_ELEMENTS (dialling); t++) {
    guint reclen = dialling[t].alpha + 14;
    gchar number[22];
    g_autofree guint8 *rec = g_malloc (reclen);
    g_autofree guint8 *full = g_malloc (reclen);
    IdgGuard g;
    guint off, len, i;

    number[0] = '+';
    random_digits (number + 1, g_test_rand_int_range (8, 21));
    g_assert_true (idg_ef_msisdn_encode (number, rec, reclen));
    for (i = 0; i < dialling[t].alpha; i++)
      rec[i] = i < 3 ? "Own"[i] : 0xFF;
    memcpy (full, rec, reclen);
    guard_init (&g, 0, IDG_POLICY_REDACT);
    idg_simfile_guard (&g, dialling[t].file_id, TRUE, reclen, 0, full, reclen);
    g_assert_cmpuint (g.tally[IDG_KIND_MSISDN][IDG_DECISION_REWRITE], ==, 1);
    /* the alpha id, the lengths, TON/NPI stay; every digit is 0 */
    g_assert_cmpmem (full, dialling[t].alpha + 2, rec, dialling[t].alpha + 2);
    for (i = 0; i < 20; i++) {
      guint8 orig = nibble (rec + dialling[t].alpha + 2, i);

      g_assert_cmpint (nibble (full + dialling[t].alpha + 2, i), ==, orig == 0x0F ? 0x0F : 0);
    }

    for (off = 0; off < reclen; off++) {
      for (len = 1; off + len <= reclen; len++) {
        g_autofree guint8 *slice = g_memdup2 (rec + off, len);
        g_autofree guint8 *blind = g_memdup2 (rec + off, len);

        guard_init (&g, IDG_KIND_BIT (IDG_KIND_IMEI), IDG_POLICY_REDACT);
        idg_simfile_guard (&g, dialling[t].file_id, TRUE, reclen, off, slice, len);
        g_assert_cmpmem (slice, len, full + off, len);

        /* record length unknown: nothing but padding survives */
        guard_init (&g, 0, IDG_POLICY_PSEUDONYM);
        idg_simfile_guard (&g, dialling[t].file_id, TRUE, 0, off, blind, len);
        g_assert_cmpuint (g.tally[IDG_KIND_MSISDN][IDG_DECISION_REWRITE], ==, 1);
        assert_scrubbed (rec + off, blind, len);
      }
    }
  }
}

static void
test_allowed_and_others (void)
{
  gchar imsi[16];
  guint8 file[IDG_EF_IMSI_LEN];
  guint8 copy[IDG_EF_IMSI_LEN];
  guint8 loci[11] = { 0x12, 0x34, 0x56, 0x78, 0x21, 0xF3, 0x54, 0x00, 0x01, 0xFF, 0x00 };
  guint8 loci_copy[sizeof loci];
  IdgGuard g;

  random_digits (imsi, 15);
  g_assert_true (idg_ef_imsi_encode (imsi, file));
  memcpy (copy, file, sizeof copy);
  guard_init (&g, IDG_KIND_BIT (IDG_KIND_IMSI), IDG_POLICY_REDACT);
  idg_simfile_guard (&g, IDG_SIMFILE_EF_IMSI, FALSE, 0, 3, copy + 3, 4);
  g_assert_cmpmem (copy, sizeof copy, file, sizeof file);
  g_assert_cmpuint (g.tally[IDG_KIND_IMSI][IDG_DECISION_RELEASE], ==, 1);
  g_assert_cmpuint (g.tally[IDG_KIND_IMSI][IDG_DECISION_REWRITE], ==, 0);

  /* a file that carries no identifier: untouched, nothing counted */
  memcpy (loci_copy, loci, sizeof loci);
  guard_init (&g, 0, IDG_POLICY_REDACT);
  g_assert_false (idg_simfile_is_identifier (0x6F7E));
  idg_simfile_guard (&g, 0x6F7E, FALSE, 0, 0, loci_copy, sizeof loci_copy);
  g_assert_cmpmem (loci_copy, sizeof loci, loci, sizeof loci);
  g_assert_true (idg_guard_empty (&g));

  g_assert_true (idg_simfile_is_identifier (IDG_SIMFILE_EF_ICCID));
  g_assert_true (idg_simfile_is_identifier (IDG_SIMFILE_EF_IMSI));
  g_assert_true (idg_simfile_is_identifier (IDG_SIMFILE_EF_MSISDN));
  g_assert_true (idg_simfile_is_identifier (IDG_SIMFILE_EF_ADN));
}

/* Layouts that cannot be known: scrubbed whole. */
static void
test_fail_closed (void)
{
  gchar imsi[16];
  guint8 file[IDG_EF_IMSI_LEN + 4];
  guint8 copy[sizeof file];
  IdgGuard g;

  random_digits (imsi, 15);
  g_assert_true (idg_ef_imsi_encode (imsi, file));
  memcpy (file + IDG_EF_IMSI_LEN, "\x12\x34\x5F\xF6", 4);

  /* EF_IMSI read as a record */
  memcpy (copy, file, sizeof copy);
  guard_init (&g, 0, IDG_POLICY_REDACT);
  idg_simfile_guard (&g, IDG_SIMFILE_EF_IMSI, TRUE, 9, 0, copy, IDG_EF_IMSI_LEN);
  assert_scrubbed (file, copy, IDG_EF_IMSI_LEN);

  /* more bytes than the file holds: the extra ones are scrubbed */
  memcpy (copy, file, sizeof copy);
  guard_init (&g, 0, IDG_POLICY_REDACT);
  idg_simfile_guard (&g, IDG_SIMFILE_EF_IMSI, FALSE, 0, 5, copy + 5, sizeof copy - 5);
  g_assert_cmpmem (copy + IDG_EF_IMSI_LEN, 4, "\x00\x00\x0F\xF0", 4);
  g_assert_cmpuint (g.tally[IDG_KIND_IMSI][IDG_DECISION_REWRITE], ==, 1);

  /* entirely past the file */
  memcpy (copy, file, sizeof copy);
  guard_init (&g, 0, IDG_POLICY_REDACT);
  idg_simfile_guard (&g, IDG_SIMFILE_EF_IMSI, FALSE, 0, 9, copy + 9, 4);
  g_assert_cmpmem (copy + IDG_EF_IMSI_LEN, 4, "\x00\x00\x0F\xF0", 4);
  g_assert_cmpuint (g.tally[IDG_KIND_IMSI][IDG_DECISION_REWRITE], ==, 1);

  /* a dialling-number record shorter than its fixed part */
  memcpy (copy, "\x05\x91\x21\x43\x65", 5);
  idg_simfile_guard (&g, IDG_SIMFILE_EF_MSISDN, TRUE, 10, 0, copy, 5);
  g_assert_cmpmem (copy, 5, "\x00\x00\x00\x00\x00", 5);
}

static void
test_hex (void)
{
  gchar imsi[16];
  guint8 file[IDG_EF_IMSI_LEN];
  g_autofree gchar *hex = NULL;
  g_autofree gchar *lower = NULL;
  gchar odd[] = "0849061";
  IdgGuard g;
  guint8 back[IDG_EF_IMSI_LEN];
  guint i;

  random_digits (imsi, 15);
  g_assert_true (idg_ef_imsi_encode (imsi, file));
  hex = idg_hex_encode_dup (file, sizeof file);
  lower = g_ascii_strdown (hex, -1);

  /* +CRSM=176,28423,0,4,5: hex of bytes 4..8, lower case kept */
  guard_init (&g, 0, IDG_POLICY_REDACT);
  idg_simfile_guard_hex (&g, IDG_SIMFILE_EF_IMSI, FALSE, 0, 4, lower + 8, 10);
  g_assert_cmpint (idg_hex_decode (lower + 8, 10, back, sizeof back), ==, 5);
  assert_scrubbed (file + 4, back, 5);
  for (i = 8; i < 18; i++)
    g_assert_false (g_ascii_isupper (lower[i]));
  g_assert_cmpuint (g.tally[IDG_KIND_IMSI][IDG_DECISION_REWRITE], ==, 1);

  /* not hex: every hex digit but F becomes 0 */
  guard_init (&g, 0, IDG_POLICY_REDACT);
  idg_simfile_guard_hex (&g, IDG_SIMFILE_EF_IMSI, FALSE, 0, 0, odd, strlen (odd));
  g_assert_cmpstr (odd, ==, "0000000");
  g_assert_cmpuint (g.tally[IDG_KIND_IMSI][IDG_DECISION_REWRITE], ==, 1);
}

static void
test_text_files (void)
{
  gchar impi[] = "001019876543210@ims.mnc001.mcc001.3gppnetwork.org";
  gchar impu[] = "\x80\x17sip:+15551234567@ims.example";
  IdgGuard g;

  guard_init (&g, IDG_KIND_BIT (IDG_KIND_IMSI), IDG_POLICY_PSEUDONYM);
  idg_simfile_guard (&g, IDG_SIMFILE_EF_IMPI, FALSE, 0, 4, (guint8 *) impi + 4, 20);
  g_assert_cmpstr (impi, ==, "001019876543210@ims.mnc001.mcc001.3gppnetwork.org");
  idg_simfile_guard (&g, IDG_SIMFILE_EF_IMPU, TRUE, 0, 0, (guint8 *) impu, sizeof impu - 1);
  g_assert_cmpstr (impu + 2, ==, "sip:+00000000000@ims.example");
  g_assert_cmpuint (g.tally[IDG_KIND_MSISDN][IDG_DECISION_REWRITE], ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/simfile/imsi-slices", test_imsi_slices);
  g_test_add_func ("/common/simfile/imsi-shifted", test_imsi_shifted);
  g_test_add_func ("/common/simfile/iccid-slices", test_iccid_slices);
  g_test_add_func ("/common/simfile/dialling-records", test_dialling_records);
  g_test_add_func ("/common/simfile/allowed-and-others", test_allowed_and_others);
  g_test_add_func ("/common/simfile/fail-closed", test_fail_closed);
  g_test_add_func ("/common/simfile/hex", test_hex);
  g_test_add_func ("/common/simfile/text-files", test_text_files);
  return g_test_run ();
}
