/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The value tripwire: every kind in every wire encoding, found and masked
 * in place (same length, same encoding), partial runs, both BCD nibble
 * alignments, the ends of a buffer, allowed kinds left alone, previous
 * values, and the coarse masking used while values are unknown. Values are
 * random (g_test seed), as tests/tools/gen-ids.py makes them.
 */
#include <string.h>
#include <glib.h>
#include "idg-encoding.h"
#include "idg-tripwire.h"

/* ---- random identifiers ---- */

static void
rand_digits (gchar *out,
             guint  n)
{
  guint i;

  for (i = 0; i < n; i++)
    out[i] = (gchar) ('0' + g_test_rand_int_range (0, 10));
}

static gchar *
random_value (IdgKind kind)
{
  static const gchar *const mcc_mnc[] = { "310260", "20815", "26201", "23410" };
  gchar v[40] = { 0 };
  guint i;

  switch (kind) {
  case IDG_KIND_IMEI:
    memcpy (v, "35", 2);
    rand_digits (v + 2, 12);
    v[14] = idg_luhn_check_digit (v, 14);
    break;
  case IDG_KIND_IMEISV:
    memcpy (v, "35", 2);
    rand_digits (v + 2, 14);
    break;
  case IDG_KIND_ESN:
  case IDG_KIND_MEID:
    for (i = 0; i < (kind == IDG_KIND_ESN ? 8u : 14u); i++)
      v[i] = "0123456789ABCDEF"[g_test_rand_int_range (0, 16)];
    if (kind == IDG_KIND_MEID)
      memcpy (v, "A1", 2);
    break;
  case IDG_KIND_IMSI: {
    const gchar *p = mcc_mnc[g_test_rand_int_range (0, G_N_ELEMENTS (mcc_mnc))];

    memcpy (v, p, strlen (p));
    rand_digits (v + strlen (p), 15 - (guint) strlen (p));
    break;
  }
  case IDG_KIND_ICCID:
    memcpy (v, "8901", 4);
    rand_digits (v + 4, 14);
    v[18] = idg_luhn_check_digit (v, 18);
    break;
  case IDG_KIND_EID:
    memcpy (v, "89049032", 8);
    rand_digits (v + 8, 24);
    idg_eid_fix_check (v);
    break;
  case IDG_KIND_MSISDN:
    memcpy (v, "+1", 2);
    rand_digits (v + 2, 10);
    break;
  }
  return g_strdup (v);
}

static const gchar *
digits_of (IdgKind      kind,
           const gchar *value)
{
  return kind == IDG_KIND_MSISDN && value[0] == '+' ? value + 1 : value;
}

/* Where a value's unique digits start (what the docs promise to find in
 * runs of 6), and how many leading digits masking keeps. */
static gsize
unique_start (IdgKind kind)
{
  return kind == IDG_KIND_IMSI ? 5 : (kind == IDG_KIND_IMEI || kind == IDG_KIND_IMEISV) ? 8 : 0;
}

static gsize
kept_prefix (IdgKind kind)
{
  return kind == IDG_KIND_IMSI ? 5 : (kind == IDG_KIND_ICCID || kind == IDG_KIND_EID) ? 2 : 0;
}

/* How many of the len digits from start masking changes. */
static guint
changed_digits (IdgKind      kind,
                const gchar *d,
                gsize        start,
                gsize        len)
{
  guint n = 0;
  gsize i;

  for (i = start; i < start + len; i++)
    n += i >= kept_prefix (kind) && d[i] != '0';
  return n;
}

/* TRUE if the tripwire looks for digits start..start+len-1 of a value in
 * text: a run of 6 unique digits inside that masking changes in 3 digits
 * at least (runs of zeros look like masked values). */
static gboolean
looked_for (IdgKind      kind,
            const gchar *d,
            gsize        start,
            gsize        len)
{
  gsize i;

  for (i = MAX (start, unique_start (kind)); i + IDG_TRIPWIRE_RUN <= start + len; i++)
    if (changed_digits (kind, d, i, IDG_TRIPWIRE_RUN) >= 3)
      return TRUE;
  return FALSE;
}

/* ---- encodings, written here independently of the tripwire ---- */

typedef enum {
  ENC_ASCII, ENC_UTF16LE, ENC_UCS2_HEX, ENC_ASCII_HEX,
  ENC_BCD_SWAP_0, ENC_BCD_SWAP_1, ENC_BCD_PLAIN_0, ENC_BCD_PLAIN_1,
  ENC_HEX_SWAP_0_UPPER, ENC_HEX_SWAP_0_LOWER, ENC_HEX_SWAP_1_UPPER, ENC_HEX_PLAIN_1_LOWER,
  ENC_EF_IMSI, ENC_EF_IMSI_HEX,
  ENC_HEX_LOWER, ENC_HEX_0X, ENC_DECIMAL, ENC_BIN_BE, ENC_BIN_LE,
  ENC_COUNT
} Enc;

static const gchar *const enc_names[ENC_COUNT] = {
  "ascii", "utf16le", "ucs2-hex", "ascii-hex", "bcd-swap-0", "bcd-swap-1", "bcd-plain-0", "bcd-plain-1",
  "hex-swap-0-upper", "hex-swap-0-lower", "hex-swap-1-upper", "hex-plain-1-lower",
  "ef-imsi", "ef-imsi-hex", "hex-lower", "hex-0x", "decimal", "bin-be", "bin-le",
};

static gboolean
is_text (Enc e)
{
  return e == ENC_ASCII || e == ENC_UCS2_HEX || e == ENC_ASCII_HEX || (e >= ENC_HEX_SWAP_0_UPPER && e <= ENC_HEX_PLAIN_1_LOWER) ||
         e == ENC_EF_IMSI_HEX || e == ENC_HEX_LOWER || e == ENC_HEX_0X || e == ENC_DECIMAL;
}

/* BCD of digits: swapped (first digit low) or plain, after align unknown
 * nibbles (given as 0x0 here: the first byte is dropped), 0xF padded. */
static GByteArray *
bcd (const gchar *d,
     gboolean     swapped,
     guint        align)
{
  gsize n = strlen (d), total = align + n + ((align + n) & 1), i;
  GByteArray *out = g_byte_array_new ();

  for (i = 0; i < total; i += 2) {
    guint8 a = i < align ? 0 : (i - align < n ? (guint8) (d[i - align] - '0') : 0xF);
    guint8 b = i + 1 - align < n ? (guint8) (d[i + 1 - align] - '0') : 0xF;
    guint8 byte = swapped ? (guint8) (a | b << 4) : (guint8) (a << 4 | b);

    if (i >= align)
      g_byte_array_append (out, &byte, 1);
  }
  return out;
}

static GByteArray *
text (const gchar *s)
{
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, (const guint8 *) s, (guint) strlen (s));
  return out;
}

static GByteArray *
hex_of (GByteArray *bytes,
        gboolean    upper)
{
  g_autofree gchar *h = idg_hex_encode_dup (bytes->data, bytes->len);
  g_autofree gchar *l = g_ascii_strdown (h, -1);

  g_byte_array_unref (bytes);
  return text (upper ? h : l);
}

static guint64
esn_meid_value (const gchar *hex)
{
  return g_ascii_strtoull (hex, NULL, 16);
}

/* NULL when the encoding does not apply to the kind. */
static GByteArray *
encode (Enc          e,
        IdgKind      kind,
        const gchar *value)
{
  gboolean hexkind = kind == IDG_KIND_ESN || kind == IDG_KIND_MEID;
  const gchar *d = digits_of (kind, value);
  GByteArray *out;
  gsize i;

  switch (e) {
  case ENC_ASCII:
    return text (value);
  case ENC_UTF16LE:
  case ENC_UCS2_HEX:
    out = g_byte_array_new ();
    for (i = 0; d[i]; i++) {
      guint8 u[2] = { (guint8) d[i], 0 };
      g_autofree gchar *h = g_strdup_printf ("%04X", (guint) d[i]);

      if (e == ENC_UTF16LE)
        g_byte_array_append (out, u, 2);
      else
        g_byte_array_append (out, (const guint8 *) h, 4);
    }
    return out;
  case ENC_ASCII_HEX:
    return hex_of (text (d), TRUE);
  case ENC_BCD_SWAP_0: case ENC_BCD_SWAP_1: case ENC_BCD_PLAIN_0: case ENC_BCD_PLAIN_1:
    if (hexkind)
      return NULL;
    return bcd (d, e == ENC_BCD_SWAP_0 || e == ENC_BCD_SWAP_1, e == ENC_BCD_SWAP_1 || e == ENC_BCD_PLAIN_1);
  case ENC_HEX_SWAP_0_UPPER:
  case ENC_HEX_SWAP_0_LOWER:
    return hexkind ? NULL : hex_of (bcd (d, TRUE, 0), e == ENC_HEX_SWAP_0_UPPER);
  case ENC_HEX_SWAP_1_UPPER:
    return hexkind ? NULL : hex_of (bcd (d, TRUE, 1), TRUE);
  case ENC_HEX_PLAIN_1_LOWER:
    return hexkind ? NULL : hex_of (bcd (d, FALSE, 1), FALSE);
  case ENC_EF_IMSI:
  case ENC_EF_IMSI_HEX:
    out = g_byte_array_sized_new (IDG_EF_IMSI_LEN);
    g_byte_array_set_size (out, IDG_EF_IMSI_LEN);
    if (kind != IDG_KIND_IMSI || !idg_ef_imsi_encode (value, out->data)) {
      g_byte_array_unref (out);
      return NULL;
    }
    return e == ENC_EF_IMSI ? out : hex_of (out, TRUE);
  case ENC_HEX_LOWER:
  case ENC_HEX_0X: {
    g_autofree gchar *l = g_ascii_strdown (value, -1);
    g_autofree gchar *x = g_strconcat ("0x", value, NULL);

    return !hexkind ? NULL : text (e == ENC_HEX_LOWER ? l : x);
  }
  case ENC_DECIMAL: {
    guint64 v = esn_meid_value (value);
    g_autofree gchar *s = kind == IDG_KIND_ESN
      ? g_strdup_printf ("%03u%08u", (guint) (v >> 24), (guint) (v & 0xFFFFFF))
      : g_strdup_printf ("%010u%08u", (guint) (v >> 24), (guint) (v & 0xFFFFFF));

    return !hexkind ? NULL : text (s);
  }
  case ENC_BIN_BE:
  case ENC_BIN_LE: {
    guint64 v = esn_meid_value (value);
    guint n = (guint) strlen (value) / 2;

    if (!hexkind)
      return NULL;
    out = g_byte_array_new ();
    for (i = 0; i < n; i++) {
      guint8 b = (guint8) (v >> (8 * (e == ENC_BIN_BE ? n - 1 - i : i)));
      g_byte_array_append (out, &b, 1);
    }
    return out;
  }
  case ENC_COUNT:
    break;
  }
  g_assert_not_reached ();
}

/* ---- helpers ---- */

static gboolean
contains (const guint8 *hay,
          gsize         n,
          const guint8 *needle,
          gsize         m)
{
  gsize i;

  for (i = 0; m <= n && i + m <= n; i++)
    if (memcmp (hay + i, needle, m) == 0)
      return TRUE;
  return FALSE;
}

/* Filler that holds no digit, no hex letter, no byte of BCD digits. */
static void
fill (GByteArray *b,
      gsize       n,
      gboolean    binary)
{
  static const gchar alphabet[] = "JKLMNOZjklmnoz:;<=>?,.\r\n";
  gsize i;

  for (i = 0; i < n; i++) {
    guint8 c = binary ? (guint8) (0xAA + g_test_rand_int_range (0, 6) * 0x11)
                      : (guint8) alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
    g_byte_array_append (b, &c, 1);
  }
}

typedef struct {
  IdgKind  kind;
  gchar   *values[IDG_KIND_COUNT];
  IdgTripwire *tw;
} Fixture;

static IdgTripwire *
tripwire_of_all (gchar **values)
{
  IdgTripwire *tw = idg_tripwire_new (TRUE);
  guint k;

  for (k = 0; k < IDG_KIND_COUNT; k++) {
    values[k] = random_value ((IdgKind) k);
    g_assert_true (idg_tripwire_add (tw, (IdgKind) k, values[k]));
  }
  return tw;
}

static void
free_values (gchar **values)
{
  guint k;

  for (k = 0; k < IDG_KIND_COUNT; k++)
    g_free (values[k]);
}

/* ---- tests ---- */

/* Every kind in every encoding that applies, framed by filler: masked in
 * place without consent, untouched with it. */
static void
test_every_encoding (void)
{
  gchar *values[IDG_KIND_COUNT];
  g_autoptr(IdgTripwire) tw = tripwire_of_all (values);
  guint k, e, tested = 0;

  for (k = 0; k < IDG_KIND_COUNT; k++)
    for (e = 0; e < ENC_COUNT; e++) {
      g_autoptr(GByteArray) enc = encode ((Enc) e, (IdgKind) k, values[k]);
      g_autoptr(GByteArray) msg = g_byte_array_new ();
      g_autoptr(GByteArray) orig = NULL;
      IdgTripwireHits hits;
      gsize before = (gsize) g_test_rand_int_range (0, 40), after = (gsize) g_test_rand_int_range (0, 40);
      gboolean binary = !is_text ((Enc) e) && e != ENC_UTF16LE;
      guint32 masked;

      if (enc == NULL)
        continue;
      tested++;
      fill (msg, before, binary);
      g_byte_array_append (msg, enc->data, enc->len);
      fill (msg, after, binary);
      orig = g_byte_array_new ();
      g_byte_array_append (orig, msg->data, msg->len);

      /* consent: nothing changes, the hit is reported (consent for all: a
       * run of another value can turn up in this one's digits by chance, a
       * false hit the docs count) */
      masked = idg_tripwire_scan (tw, IDG_KIND_MASK_ALL, msg->data, msg->len, &hits);
      if (masked != 0)
        g_error ("%s in %s: masked 0x%x", idg_kind_to_string ((IdgKind) k), enc_names[e], masked);
      if (!(hits.found & IDG_KIND_BIT (k)))
        g_error ("%s in %s not found", idg_kind_to_string ((IdgKind) k), enc_names[e]);
      g_assert_cmpmem (msg->data, msg->len, orig->data, orig->len);

      /* no consent: masked, same length, the filler untouched */
      masked = idg_tripwire_scan (tw, IDG_KIND_MASK_ALL & ~IDG_KIND_BIT (k), msg->data, msg->len, &hits);
      g_assert_cmpuint (masked, ==, IDG_KIND_BIT (k));
      g_assert_cmpuint (hits.masked, ==, IDG_KIND_BIT (k));
      g_assert_true (hits.found & IDG_KIND_BIT (k));
      g_assert_cmpuint (msg->len, ==, orig->len);
      g_assert_cmpmem (msg->data, before, orig->data, before);
      g_assert_cmpmem (msg->data + before + enc->len, after, orig->data + before + enc->len, after);
      if (contains (msg->data, msg->len, enc->data, enc->len))
        g_error ("%s in %s still there after masking", idg_kind_to_string ((IdgKind) k), enc_names[e]);
      /* masked again: nothing changes */
      g_byte_array_set_size (orig, 0);
      g_byte_array_append (orig, msg->data, msg->len);
      idg_tripwire_scan (tw, IDG_KIND_MASK_ALL & ~IDG_KIND_BIT (k), msg->data, msg->len, &hits);
      g_assert_cmpmem (msg->data, msg->len, orig->data, orig->len);
    }
  /* ascii, utf16le, ucs2 hex, ascii hex, 4 bcd, 4 hex for 6 digit kinds,
   * 2 EF_IMSI, 9 for ESN/MEID */
  g_assert_cmpuint (tested, ==, 6 * 12 + 2 + 2 * 9);
  free_values (values);
}

/* The masked form keeps the encoding: digits stay digits, the IMSI keeps
 * its MCC+MNC, ICCID and EID their "89", EF_IMSI its length byte and
 * parity nibble, BCD its 0xF padding. */
static void
test_mask_shape (void)
{
  gchar *values[IDG_KIND_COUNT];
  guint k;

  for (k = 0; k < IDG_KIND_COUNT; k++)
    values[k] = random_value ((IdgKind) k);
  for (k = 0; k < IDG_KIND_COUNT; k++) {
    /* one value alone: no other value's run can turn up in it by chance */
    g_autoptr(IdgTripwire) tw = idg_tripwire_new (TRUE);
    g_autoptr(GByteArray) ascii = encode (ENC_ASCII, (IdgKind) k, values[k]);
    g_autoptr(GByteArray) utf16 = encode (ENC_UTF16LE, (IdgKind) k, values[k]);
    gsize keep = kept_prefix ((IdgKind) k), i;

    g_assert_true (idg_tripwire_add (tw, (IdgKind) k, values[k]));
    idg_tripwire_scan (tw, 0, ascii->data, ascii->len, NULL);
    for (i = 0; i < ascii->len; i++) {
      if (!g_ascii_isalnum (values[k][i]))
        g_assert_cmpint (ascii->data[i], ==, values[k][i]);
      else if (i < keep)   /* kept, unless a run of the value's hex forms
                            * happens to match here too (then masked) */
        g_assert_true (ascii->data[i] == (guint8) values[k][i] || ascii->data[i] == '0');
      else
        g_assert_cmpint (ascii->data[i], ==, '0');
    }
    idg_tripwire_scan (tw, 0, utf16->data, utf16->len, NULL);
    for (i = 0; i < utf16->len; i += 2) {
      g_assert_true (g_ascii_isdigit (utf16->data[i]));
      g_assert_cmpint (utf16->data[i + 1], ==, 0);
    }
    if (k == IDG_KIND_IMSI) {
      g_autoptr(GByteArray) ef = encode (ENC_EF_IMSI, IDG_KIND_IMSI, values[k]);
      gchar back[16];
      guint8 len = ef->data[0], parity = ef->data[1] & 0x0F;

      idg_tripwire_scan (tw, 0, ef->data, ef->len, NULL);
      g_assert_cmpint (ef->data[0], ==, len);
      g_assert_cmpint (ef->data[1] & 0x0F, ==, parity);
      g_assert_cmpint (idg_ef_imsi_decode (ef->data, ef->len, back, sizeof back), ==, 15);
      g_assert_cmpstr (back + 5, ==, "0000000000");
    }
    if (k == IDG_KIND_ICCID) {
      g_autoptr(GByteArray) ef = encode (ENC_BCD_SWAP_0, IDG_KIND_ICCID, values[k]);
      gchar back[24];

      g_assert_cmpint (ef->data[ef->len - 1] >> 4, ==, 0xF);
      idg_tripwire_scan (tw, 0, ef->data, ef->len, NULL);
      g_assert_cmpint (ef->data[ef->len - 1] >> 4, ==, 0xF);
      g_assert_cmpint (idg_bcd_decode (ef->data, ef->len, back, sizeof back), ==, 19);
      g_assert_cmpstr (back + 2, ==, "00000000000000000");
    }
  }
  free_values (values);
}

/* Runs of 6 digits of the unique part (text), 4 BCD bytes (binary) and 3
 * BCD bytes as hex text are found alone; one digit or byte less is not. */
static void
test_partial_runs (void)
{
  gchar *values[IDG_KIND_COUNT];
  g_autoptr(IdgTripwire) tw = tripwire_of_all (values);
  guint k;

  for (k = 0; k < IDG_KIND_COUNT; k++) {
    const gchar *d = digits_of ((IdgKind) k, values[k]);
    gsize n = strlen (d), u = unique_start ((IdgKind) k), s, len;

    if (k == IDG_KIND_ESN || k == IDG_KIND_MEID)
      continue;
    for (s = u; s + IDG_TRIPWIRE_RUN <= n; s++)
      for (len = IDG_TRIPWIRE_RUN - 1; len <= IDG_TRIPWIRE_RUN + 1 && s + len <= n; len++) {
        g_autofree gchar *run = g_strndup (d + s, len);
        g_autoptr(GByteArray) msg = text ("x");
        gboolean zeros = !looked_for ((IdgKind) k, d, s, MAX (len, IDG_TRIPWIRE_RUN));
        g_autoptr(GByteArray) wide = encode (ENC_UTF16LE, IDG_KIND_MSISDN, run);
        guint32 m;

        g_byte_array_append (msg, (const guint8 *) run, (guint) len);
        g_byte_array_append (msg, (const guint8 *) "x", 1);
        if (zeros)
          continue;
        m = idg_tripwire_scan (tw, 0, msg->data, msg->len, NULL);
        if (len >= IDG_TRIPWIRE_RUN) {
          g_assert_true (m & IDG_KIND_BIT (k));
          g_assert_false (contains (msg->data, msg->len, (const guint8 *) run, len));
        } else if (m & IDG_KIND_BIT (k)) {
          /* 5 digits alone are never enough (another kind may hold them) */
          g_error ("%s: a run of %" G_GSIZE_FORMAT " digits was masked", idg_kind_to_string ((IdgKind) k), len);
        }
        /* (5 digits in UTF-16LE are 10 bytes: a BCD run of the value may
         * happen to be in them, so only the 6 are asserted) */
        m = idg_tripwire_scan (tw, 0, wide->data, wide->len, NULL);
        if (len >= IDG_TRIPWIRE_RUN)
          g_assert_true (m & IDG_KIND_BIT (k));
        /* the run as UCS2 hex text and as hex text of its ASCII */
        if (len >= IDG_TRIPWIRE_RUN) {
          guint f;

          for (f = 0; f < 2; f++) {
            Enc e = f == 0 ? ENC_UCS2_HEX : ENC_ASCII_HEX;
            g_autoptr(GByteArray) h = encode (e, IDG_KIND_MSISDN, run);
            g_autoptr(GByteArray) orig = encode (e, IDG_KIND_MSISDN, run);

            if (!(idg_tripwire_scan (tw, 0, h->data, h->len, NULL) & IDG_KIND_BIT (k)))
              g_error ("%s: a run of %" G_GSIZE_FORMAT " digits as %s not found",
                       idg_kind_to_string ((IdgKind) k), len, enc_names[e]);
            g_assert_false (contains (h->data, h->len, orig->data, orig->len));
          }
        }
      }
    /* BCD, both orders and alignments: every 4 complete bytes holding a
     * unique digit are found, 3 are not; 3 as hex text are */
    {
      guint v;

      for (v = 0; v < 4; v++) {
        g_autoptr(GByteArray) b = bcd (d, v < 2, v & 1);
        gsize j, first = (v & 1);   /* the bytes start after the unknown nibble */

        for (j = 0; j + IDG_TRIPWIRE_BCD_RUN < b->len; j++) {
          guint8 four[IDG_TRIPWIRE_BCD_RUN];
          g_autofree gchar *hex = NULL;
          gsize last_digit = 2 * j + 2 * IDG_TRIPWIRE_BCD_RUN - 1 + first;
          gsize first_digit = last_digit + 1 - 2 * IDG_TRIPWIRE_BCD_RUN;
          gboolean masks4 = FALSE, masks3 = FALSE;

          if (last_digit < u || last_digit >= n)
            continue;
          /* a run that masking would change in fewer than 3 digits is not
           * looked for (masked values are runs of zeros) */
          masks4 = changed_digits ((IdgKind) k, d, first_digit, last_digit + 1 - first_digit) >= 3;
          masks3 = changed_digits ((IdgKind) k, d, first_digit + 2, last_digit - 1 - first_digit) >= 3;
          memcpy (four, b->data + j, sizeof four);
          if (masks4)
            g_assert_true (idg_tripwire_scan (tw, 0, four, sizeof four, NULL) & IDG_KIND_BIT (k));
          memcpy (four, b->data + j, sizeof four);
          hex = idg_hex_encode_dup (b->data + j + 1, 3);
          if (masks3)
            g_assert_true (idg_tripwire_scan (tw, 0, (guint8 *) hex, 6, NULL) & IDG_KIND_BIT (k));
          g_assert_false (idg_tripwire_scan (tw, 0, four, 3, NULL) & IDG_KIND_BIT (k));
        }
      }
    }
  }
  free_values (values);
}

/* A value at the very start or end of a buffer, and cut by the end: what
 * is inside still holds a run and is masked. */
static void
test_boundaries (void)
{
  gchar *values[IDG_KIND_COUNT];
  g_autoptr(IdgTripwire) tw = tripwire_of_all (values);
  const gchar *imsi = values[IDG_KIND_IMSI];
  gsize n = strlen (imsi), cut;

  for (cut = 5 + IDG_TRIPWIRE_RUN; cut <= n; cut++) {
    g_autofree gchar *head = g_strndup (imsi, cut);
    g_autofree gchar *tail = g_strdup (imsi + n - (cut - 5));
    guint8 buf[32];

    memcpy (buf, head, cut);
    g_assert_cmpuint ((idg_tripwire_scan (tw, 0, buf, cut, NULL) & IDG_KIND_BIT (IDG_KIND_IMSI)) != 0, ==,
                      looked_for (IDG_KIND_IMSI, imsi, 0, cut));
    if (looked_for (IDG_KIND_IMSI, imsi, 5, IDG_TRIPWIRE_RUN))
      g_assert_false (contains (buf, cut, (const guint8 *) imsi + 5, IDG_TRIPWIRE_RUN));
    memcpy (buf, tail, strlen (tail));
    g_assert_cmpuint ((idg_tripwire_scan (tw, 0, buf, strlen (tail), NULL) & IDG_KIND_BIT (IDG_KIND_IMSI)) != 0, ==,
                      looked_for (IDG_KIND_IMSI, imsi, n - strlen (tail), strlen (tail)));
  }
  /* empty and one-byte buffers */
  g_assert_cmpuint (idg_tripwire_scan (tw, 0, (guint8 *) "", 0, NULL), ==, 0);
  g_assert_cmpuint (idg_tripwire_scan (tw, 0, (guint8 *) values[IDG_KIND_IMSI], 1, NULL), ==, 0);
  free_values (values);
}

/* The last SIM's values are still looked for; a value added twice is one
 * set of patterns; bad or short values are refused. */
static void
test_previous_values (void)
{
  g_autoptr(IdgTripwire) tw = idg_tripwire_new (TRUE);
  g_autofree gchar *old_imsi = random_value (IDG_KIND_IMSI);
  g_autofree gchar *new_imsi = random_value (IDG_KIND_IMSI);
  g_autofree gchar *msg = g_strdup_printf ("+CIMI: %s\r\n+X: %s\r\n", old_imsi, new_imsi);
  g_autoptr(IdgTripwire) once = idg_tripwire_new (TRUE);
  IdgTripwireHits hits;

  g_assert_true (idg_tripwire_add (tw, IDG_KIND_IMSI, old_imsi));
  g_assert_true (idg_tripwire_add (tw, IDG_KIND_IMSI, new_imsi));
  g_assert_true (idg_tripwire_add (tw, IDG_KIND_IMSI, new_imsi));
  g_assert_true (idg_tripwire_add (once, IDG_KIND_IMSI, old_imsi));
  g_assert_true (idg_tripwire_add (once, IDG_KIND_IMSI, new_imsi));
  g_assert_false (idg_tripwire_add (tw, IDG_KIND_MSISDN, "+12345"));
  g_assert_false (idg_tripwire_add (tw, IDG_KIND_IMEI, "35x123456789012"));
  g_assert_false (idg_tripwire_add (tw, IDG_KIND_ESN, "1234567"));
  g_assert_false (idg_tripwire_add (tw, IDG_KIND_IMSI, NULL));
  g_assert_cmpuint (idg_tripwire_n_patterns (tw), ==, idg_tripwire_n_patterns (once));

  idg_tripwire_scan (tw, 0, (guint8 *) msg, strlen (msg), &hits);
  g_assert_null (strstr (msg, old_imsi + 5));
  g_assert_null (strstr (msg, new_imsi + 5));
  g_assert_cmpuint (hits.masked, ==, IDG_KIND_BIT (IDG_KIND_IMSI));
  g_assert_cmpuint (idg_tripwire_n_states (tw), >, 1);
}

/* A client with the IMEI but not the IMEISV sees its IMEI whole, though
 * the IMEISV's runs are inside it, and that is no tripwire hit (nothing was
 * masked, so nothing is audited); the IMEISV itself is masked. */
static void
test_shared_digits (void)
{
  g_autoptr(IdgTripwire) tw = idg_tripwire_new (TRUE);
  g_autofree gchar *imei = random_value (IDG_KIND_IMEI);
  /* SV digits of 1..9: a real 0 where the mask writes 0 would leave
   * nothing to mask, and no hit to count */
  g_autofree gchar *imeisv = g_strdup_printf ("%.14s%d%d", imei, g_test_rand_int_range (1, 10),
                                              g_test_rand_int_range (1, 10));
  g_autofree gchar *a = g_strdup (imei);
  guint32 allowed = IDG_KIND_BIT (IDG_KIND_IMEI);

  g_assert_true (idg_tripwire_add (tw, IDG_KIND_IMEI, imei));
  g_assert_true (idg_tripwire_add (tw, IDG_KIND_IMEISV, imeisv));
  g_assert_cmpuint (idg_tripwire_scan (tw, allowed, (guint8 *) a, strlen (a), NULL), ==, 0);
  g_assert_cmpstr (a, ==, imei);
  g_free (a);
  a = g_strdup (imeisv);
  g_assert_cmpuint (idg_tripwire_scan (tw, allowed, (guint8 *) a, strlen (a), NULL), ==,
                    IDG_KIND_BIT (IDG_KIND_IMEISV));
  g_assert_cmpstr (a, !=, imeisv);
  g_free (a);
  a = g_strdup (imei);
  g_assert_cmpuint (idg_tripwire_scan (tw, 0, (guint8 *) a, strlen (a), NULL), !=, 0);
  g_assert_cmpstr (a, ==, "000000000000000");
}

/* While values are unknown: digit runs of 6 masked in ASCII and UTF-16LE,
 * BCD-looking binary runs masked, text, zeros and short runs left; only
 * runs whose length can be a kind the client lacks; the bytes of a value
 * the client may see stay. */
static void
test_unknown (void)
{
  g_autoptr(IdgTripwire) text = idg_tripwire_new (FALSE);
  g_autoptr(IdgTripwire) binary = idg_tripwire_new (TRUE);
  g_autoptr(IdgTripwire) known = idg_tripwire_new (FALSE);
  guint32 sim = IDG_KIND_MASK_SIM, imsi = IDG_KIND_BIT (IDG_KIND_IMSI);
  guint32 iccid = IDG_KIND_BIT (IDG_KIND_ICCID), msisdn = IDG_KIND_BIT (IDG_KIND_MSISDN);
  g_autofree gchar *imei = random_value (IDG_KIND_IMEI);
  gchar new_imsi[16] = { 0 }, new_iccid[20] = { 0 };
  g_autofree gchar *line = NULL, *copy = NULL, *both = NULL;
  guint8 wide[40] = { 0 }, bin[16], letters[10];
  g_autoptr(GByteArray) b = NULL;
  gsize i;

  rand_digits (new_imsi, 15);
  new_imsi[5] = '7';   /* never all zeros */
  memcpy (new_iccid, "8901", 4);
  rand_digits (new_iccid + 4, 15);
  line = g_strdup_printf ("+CSQ: 20,99\r\n+X: \"%s\",12345,000000\r\n", new_imsi);
  copy = g_strdup (line);
  g_assert_cmpuint (idg_tripwire_mask_unknown (text, 0, sim, (guint8 *) line, strlen (line)), ==, 1);
  g_assert_nonnull (strstr (line, "+CSQ: 20,99\r\n+X: \"000000000000000\",12345,000000\r\n"));
  /* nothing unknown, or only what the client may see: untouched */
  g_assert_cmpuint (idg_tripwire_mask_unknown (text, 0, 0, (guint8 *) copy, strlen (copy)), ==, 0);
  g_assert_cmpuint (idg_tripwire_mask_unknown (text, sim, sim, (guint8 *) copy, strlen (copy)), ==, 0);
  g_assert_nonnull (strstr (copy, new_imsi));
  /* 15 digits can be an IMSI or a number, not an ICCID; 19 an ICCID */
  both = g_strdup_printf ("%s,%s", new_imsi, new_iccid);
  g_assert_cmpuint (idg_tripwire_mask_unknown (text, imsi | msisdn, sim, (guint8 *) both, strlen (both)), ==, 1);
  g_assert_true (g_str_has_prefix (both, new_imsi));
  g_assert_cmpstr (both + 16, ==, "0000000000000000000");
  /* a known IMEI the client may see stays, though 15 digits look like an IMSI */
  g_assert_true (idg_tripwire_add (known, IDG_KIND_IMEI, imei));
  g_free (copy);
  copy = g_strdup (imei);
  g_assert_cmpuint (idg_tripwire_mask_unknown (known, IDG_KIND_BIT (IDG_KIND_IMEI), sim,
                                               (guint8 *) copy, strlen (copy)), ==, 1);
  g_assert_cmpstr (copy, ==, imei);
  g_assert_cmpuint (idg_tripwire_mask_unknown (known, 0, sim, (guint8 *) copy, strlen (copy)), ==, 1);
  g_assert_cmpstr (copy, ==, "000000000000000");

  for (i = 0; i < 15; i++)
    wide[1 + 2 * i] = (guint8) new_imsi[i];
  g_assert_cmpuint (idg_tripwire_mask_unknown (text, 0, sim, wide, sizeof wide), ==, 0);
  g_assert_cmpuint (idg_tripwire_mask_unknown (binary, 0, sim, wide, sizeof wide), ==, 1);
  for (i = 0; i < 15; i++)
    g_assert_cmpint (wide[1 + 2 * i], ==, '0');
  b = bcd (new_iccid, TRUE, 0);
  for (i = 0; i < b->len; i++)
    b->data[i] |= (b->data[i] & 0x0F) == 0 ? 1 : 0;   /* no 0x00 byte */
  b->data[1] = 0x94;                                  /* not printable */
  memset (bin, 0xEE, sizeof bin);
  memcpy (bin + 4, b->data, b->len);
  g_assert_cmpuint (idg_tripwire_mask_unknown (text, 0, sim, bin, sizeof bin), ==, 0);
  g_assert_cmpuint (idg_tripwire_mask_unknown (binary, imsi | msisdn, sim, bin, sizeof bin), ==, 1);
  /* the complete bytes become zeros; the 0xF-padded last one and the filler stay */
  for (i = 0; i < sizeof bin; i++) {
    if (i >= 4 && i < 4 + b->len - 1)
      g_assert_cmpint (bin[i], ==, 0);
    else if (i == 4 + b->len - 1)
      g_assert_cmpint (bin[i], ==, b->data[b->len - 1]);
    else
      g_assert_cmpint (bin[i], ==, 0xEE);
  }
  memcpy (bin + 4, b->data, b->len);
  g_assert_cmpuint (idg_tripwire_mask_unknown (binary, iccid, sim, bin, sizeof bin), ==, 0);
  memcpy (letters, "ABCDEFGHIJ", 10);
  g_assert_cmpuint (idg_tripwire_mask_unknown (binary, 0, sim, letters, sizeof letters), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/tripwire/every-encoding", test_every_encoding);
  g_test_add_func ("/common/tripwire/mask-shape", test_mask_shape);
  g_test_add_func ("/common/tripwire/partial-runs", test_partial_runs);
  g_test_add_func ("/common/tripwire/boundaries", test_boundaries);
  g_test_add_func ("/common/tripwire/previous-values", test_previous_values);
  g_test_add_func ("/common/tripwire/shared-digits", test_shared_digits);
  g_test_add_func ("/common/tripwire/unknown", test_unknown);
  return g_test_run ();
}
