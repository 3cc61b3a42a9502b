/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Table tests of issue 12's attack classes on the MBIM filter's request
 * side (idg-mbim-tunnel.c, idg-mbim-uicc.c): what the door forwards is its
 * own re-encoding of what it judged: every line of an AT buffer, after V.250
 * editing, joined into one line; one QMUX frame (a buffer with more, or with
 * trailing bytes, is refused with a well-formed COMMAND_DONE); SIM file reads of
 * identifier files at any offset and length are masked by the file's
 * layout. Identifier values are random per run (g_test_rand_int).
 */
#include <string.h>
#include <libmbim-glib.h>

#include "idg-mbim-filter.h"
#include "idg-encoding.h"

#define CD 0x80000003u

static const guint8 secret[IDG_SECRET_LEN] = { 9, 8, 7 };
static const gchar *intel_at = "da138c64-6515-4893-92b2-a1e1ca7c81ca";
static const gchar *fibocom_at = "ffffffff-abca-4b11-a4e2-f2fc87f94488";

static gchar *
rand_digits (const gchar *prefix,
             guint        n)
{
  GString *s = g_string_new (prefix);

  while (s->len < n)
    g_string_append_c (s, (gchar) ('0' + g_test_rand_int_range (0, 10)));
  return g_string_free (s, FALSE);
}

static void
put_u32 (GByteArray *a,
         guint32     v)
{
  guint8 b[4];

  idg_mbim_write_u32 (b, v);
  g_byte_array_append (a, b, 4);
}

/* A COMMAND (type 3, set) or COMMAND_DONE of uuid/cid around payload. */
static GByteArray *
wrap (guint32       type,
      const gchar  *uuid_text,
      guint32       cid,
      const guint8 *payload,
      gsize         len)
{
  GByteArray *m = g_byte_array_new ();
  MbimUuid uuid;

  g_assert_true (mbim_uuid_from_printable (uuid_text, &uuid));
  put_u32 (m, type);
  put_u32 (m, (guint32) (48 + len));
  put_u32 (m, 7);
  put_u32 (m, 1);
  put_u32 (m, 0);
  g_byte_array_append (m, (const guint8 *) &uuid, 16);
  put_u32 (m, cid);
  put_u32 (m, type == CD ? 0 : 1);
  put_u32 (m, (guint32) len);
  g_byte_array_append (m, payload, (guint) len);
  return m;
}

static void
guard_for (IdgGuard *guard,
           guint32   allowed,
           IdgPolicy policy)
{
  idg_guard_init (guard, allowed, policy, secret, "test");
}

static guint32
status_of (const GByteArray *done)
{
  g_assert_cmpuint (done->len, >=, 48);
  g_assert_cmpuint (idg_mbim_read_u32 (done->data), ==, CD);
  g_assert_cmpuint (idg_mbim_read_u32 (done->data + 4), ==, done->len);
  g_assert_cmpuint (idg_mbim_read_u32 (done->data + 8), ==, 7);
  g_assert_cmpuint (idg_mbim_read_u32 (done->data + 44), ==, done->len - 48);
  return idg_mbim_read_u32 (done->data + 40);
}

/* --- AT tunnels ------------------------------------------------------------ */

typedef struct {
  const gchar *name;
  const gchar *line;        /* the client's buffer (C escapes) */
  gsize        len;         /* 0: strlen */
  const gchar *forwarded;   /* NULL: refused as not understood */
} AtCase;

static const AtCase at_cases[] = {
  { "one-line",          "AT+CGMR\r", 0, "AT+CGMR\r" },
  { "no-terminator",     "AT+CGMR", 0, "AT+CGMR\r" },
  { "crlf",              "at+cgmr\r\n", 0, "AT+CGMR\r" },
  { "chain",             "AT+CGMR;+CGMM\r", 0, "AT+CGMR;+CGMM\r" },
  /* several lines: every one judged, all sent as one line */
  { "two-lines",         "AT+CGMR\rAT+CGSN\r", 0, "AT+CGMR;+CGSN\r" },
  { "two-lines-crlf",    "AT+CGMR\r\nAT+CIMI\r\n", 0, "AT+CGMR;+CIMI\r" },
  { "repeat-after-line", "AT+CGMR\rA/", 0, "AT+CGMR;+CGMR\r" },
  /* V.250 editing: what the modem would run */
  { "backspace",         "AT+CGMR\b\b\b\bCNUM\r", 0, "AT+CNUM\r" },
  { "backspace-line",    "AT+CGSN\r\b\b\b\b\bAT+CGMR\r", 0, "AT+CGSN;+CGMR\r" },
  { "ctrl-z-ignored",    "AT+CGMR\x1a\r", 0, "AT+CGMR\r" },
  /* refused: the modem would read something nobody can judge */
  { "lf-joins-lines",    "AT+CGMR\nAT+CGSN\r", 0, NULL },
  { "delete",            "AT+CGMR\x7f\x7f\x7f\x7f" "CIMI\r", 0, NULL },
  { "nul",               "AT+CGMR\0+CIMI\r", 14, NULL },
  { "escape",            "AT+CGMR\x1b" "AT+CIMI\r", 0, NULL },
  { "repeat",            "A/", 0, NULL },
  { "repeat-lower",      "a/\r", 0, NULL },
  { "repeat-inside",     "AT+CGMR;A/\r", 0, NULL },
  { "s3-write",          "ATS3=43\r", 0, NULL },
  { "s5-write",          "ATS5=65\r", 0, NULL },
  { "s4-write",          "ATE0S4=13\r", 0, NULL },
  { "no-prefix",         "+CGSN\r", 0, NULL },
  { "empty",             "", 0, NULL },
  { "high-byte",         "AT+CGMR\xc3\xa9\r", 0, NULL },
};

static void
test_at_line (gconstpointer data)
{
  const AtCase *c = data;
  const gchar *uuids[] = { intel_at, fibocom_at };
  gsize len = c->len ? c->len : strlen (c->line);
  guint u;

  for (u = 0; u < G_N_ELEMENTS (uuids); u++) {
    g_autoptr(GByteArray) req = wrap (3, uuids[u], 1, (const guint8 *) c->line, len);
    g_autoptr(GByteArray) forward = g_byte_array_new ();
    IdgMbimNote note;
    IdgGuard guard;
    IdgMbimVerdict v;

    guard_for (&guard, IDG_KIND_MASK_ALL, IDG_POLICY_REDACT);
    v = idg_mbim_filter_request (req->data, req->len, &guard, &note, forward);
    if (c->forwarded) {
      g_assert_cmpint (v, ==, IDG_MBIM_PASS);
      g_assert_cmpuint (forward->len, ==, 48 + strlen (c->forwarded));
      g_assert_cmpmem (forward->data + 48, forward->len - 48, c->forwarded, strlen (c->forwarded));
      g_assert_cmpmem (forward->data + 20, 20, req->data + 20, 20);
      g_assert_cmpuint (idg_mbim_read_u32 (forward->data + 44), ==, strlen (c->forwarded));
      g_assert_cmpmem (note.at_line, note.at_len, c->forwarded, strlen (c->forwarded));
    } else {
      g_autoptr(GByteArray) done = NULL;

      /* even for a client holding every kind: the modem would run
       * what nobody judged */
      g_assert_cmpint (v, ==, IDG_MBIM_REFUSE);
      g_assert_cmpuint (forward->len, ==, 0);
      done = idg_mbim_filter_refusal (req->data, req->len, &note);
      g_assert_cmpuint (status_of (done), ==, MBIM_STATUS_ERROR_INVALID_PARAMETERS);
      g_assert_cmpuint (done->len, ==, 48);
    }
  }
}

/* Identifier commands are judged wherever they hide: alone, in a second
 * line, behind backspaces. Raw SIM access in any line refuses the buffer. */
typedef struct {
  const gchar *name;
  const gchar *line;
  IdgKind      kind;
} AtIdCase;

static const AtIdCase at_id_cases[] = {
  { "alone",       "AT+CGSN\r", IDG_KIND_IMEI },
  { "second-line", "AT+CGMR\rAT+CGSN\r", IDG_KIND_IMEI },
  { "backspaces",  "AT+CGMR\b\b\b\bCIMI\r", IDG_KIND_IMSI },
  { "after-lf",    "AT+CGMR\r\nAT+CIMI\r\n", IDG_KIND_IMSI },
};

static void
test_at_identifier (gconstpointer data)
{
  const AtIdCase *c = data;
  g_autofree gchar *value = c->kind == IDG_KIND_IMEI ? rand_digits ("35", 15) : rand_digits ("310260", 15);
  g_autofree gchar *answer = g_strdup_printf ("\r\n%s\r\n\r\nOK\r\n", value);
  g_autoptr(GByteArray) req = wrap (3, intel_at, 1, (const guint8 *) c->line, strlen (c->line));
  g_autoptr(GByteArray) resp = wrap (CD, intel_at, 1, (const guint8 *) answer, strlen (answer));
  g_autoptr(GByteArray) forward = g_byte_array_new ();
  IdgMbimNote note;
  IdgGuard guard;

  guard_for (&guard, 0, IDG_POLICY_REDACT);
  g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, forward), ==, IDG_MBIM_PASS);
  g_assert_cmpint (idg_mbim_filter_reply (resp->data, resp->len, &note, 0, &guard), ==, IDG_MBIM_PASS);
  g_assert_null (memmem (resp->data, resp->len, value + 8, 6));
  g_assert_cmpuint (guard.tally[c->kind][IDG_DECISION_REWRITE], ==, 1);
}

/* +CPBR reads whatever storage the modem has selected, maybe by another
 * client: the own-number book unless the line itself selects another. */
static void
test_at_phonebook (void)
{
  g_autofree gchar *msisdn = rand_digits ("1", 11);
  struct {
    const gchar *line;
    gboolean     masked;
  } cases[] = {
    { "AT+CPBR=1\r", TRUE },
    { "AT+CPBS=\"ON\";+CPBR=1\r", TRUE },
    { "AT+CPBS=\"SM\";+CPBR=1\r", FALSE },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *answer = g_strdup_printf ("\r\n+CPBR: 1,\"%s\",129,\"Own\"\r\n\r\nOK\r\n", msisdn);
    g_autoptr(GByteArray) req = wrap (3, intel_at, 1, (const guint8 *) cases[i].line, strlen (cases[i].line));
    g_autoptr(GByteArray) resp = wrap (CD, intel_at, 1, (const guint8 *) answer, strlen (answer));
    g_autoptr(GByteArray) forward = g_byte_array_new ();
    IdgMbimNote note;
    IdgGuard guard;

    guard_for (&guard, 0, IDG_POLICY_REDACT);
    g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, forward), ==, IDG_MBIM_PASS);
    g_assert_cmpint (idg_mbim_filter_reply (resp->data, resp->len, &note, 0, &guard), ==, IDG_MBIM_PASS);
    if (cases[i].masked)
      g_assert_null (memmem (resp->data, resp->len, msisdn + 1, 6));
    else
      g_assert_nonnull (memmem (resp->data, resp->len, msisdn, strlen (msisdn)));
  }
}

static void
test_at_raw_sim (void)
{
  const gchar *lines[] = {
    "AT+CSIM=10,\"00B0000009\"\r",
    "AT+CGMR\rAT+CSIM=10,\"00B0000009\"\r",
    "AT+CGMR\b\b\b\bCSIM=10,\"00B0000009\"\r",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (lines); i++) {
    g_autoptr(GByteArray) req = wrap (3, fibocom_at, 1, (const guint8 *) lines[i], strlen (lines[i]));
    g_autoptr(GByteArray) forward = g_byte_array_new ();
    g_autoptr(GByteArray) refusal = NULL;
    IdgMbimNote note;
    IdgGuard guard;

    guard_for (&guard, IDG_KIND_BIT (IDG_KIND_IMEI), IDG_POLICY_REDACT);
    g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, forward), ==, IDG_MBIM_REFUSE);
    g_assert_cmpuint (forward->len, ==, 0);
    refusal = idg_mbim_filter_refusal (req->data, req->len, &note);
    g_assert_cmpuint (status_of (refusal), ==, 0);
    g_assert_nonnull (memmem (refusal->data, refusal->len, "+CME ERROR: 3", 13));
  }
}

/* --- QMI inside MBIM ------------------------------------------------------- */

static const gchar *qmi_uuid = "d1a30bc2-f97a-6e43-bf65-c7e24fb0f0d3";

/* A QMUX request frame: service, client id, u16 tid, message, TLVs. */
static void
qmux (GByteArray   *out,
      guint8        service,
      guint8        client,
      guint16       tid,
      guint16       msg,
      const guint8 *tlvs,
      gsize         tlv_len)
{
  guint8 h[13];
  gsize sdu = 7 + tlv_len;
  gsize total = 5 + sdu;

  h[0] = 0x01;
  h[1] = (guint8) total;
  h[2] = (guint8) (total >> 8);
  h[3] = 0x00;
  h[4] = service;
  h[5] = client;
  h[6] = 0x00;
  h[7] = (guint8) tid;
  h[8] = (guint8) (tid >> 8);
  h[9] = (guint8) msg;
  h[10] = (guint8) (msg >> 8);
  h[11] = (guint8) tlv_len;
  h[12] = (guint8) (tlv_len >> 8);
  g_byte_array_append (out, h, sizeof h);
  if (tlv_len)
    g_byte_array_append (out, tlvs, (guint) tlv_len);
}

/* UIM Read Transparent of EF_IMSI (session TLV 0x01, file TLV 0x02, read
 * TLV 0x03). */
static const guint8 read_imsi_tlvs[] = {
  0x01, 0x02, 0x00, 0x00, 0x00,
  0x02, 0x07, 0x00, 0x07, 0x6F, 0x04, 0x00, 0x3F, 0xFF, 0x7F,
  0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
};

typedef enum {
  QMI_ONE,            /* one harmless frame: forwarded */
  QMI_TWO,            /* a harmless frame then a file read */
  QMI_TWO_SAME_TID,   /* the same twice */
  QMI_TRAILING,       /* one frame and a byte */
  QMI_TRUNCATED,      /* a frame cut short */
  QMI_APDU,           /* Send APDU alone: the QMI error inside a success */
} QmiShape;

typedef struct {
  const gchar *name;
  QmiShape     shape;
} QmiCase;

static const QmiCase qmi_cases[] = {
  { "one",           QMI_ONE },
  { "two-frames",    QMI_TWO },
  { "two-same-tid",  QMI_TWO_SAME_TID },
  { "trailing-byte", QMI_TRAILING },
  { "truncated",     QMI_TRUNCATED },
  { "apdu",          QMI_APDU },
};

static void
test_qmi_buffer (gconstpointer data)
{
  static const guint8 apdu_tlvs[] = { 0x01, 1, 0, 1, 0x02, 5, 0, 3, 0, 0x00, 0xB0, 0x00 };
  const QmiCase *c = data;
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autoptr(GByteArray) req = NULL;
  g_autoptr(GByteArray) forward = g_byte_array_new ();
  g_autoptr(GByteArray) done = NULL;
  IdgMbimNote note;
  IdgGuard guard;
  IdgMbimVerdict v;

  switch (c->shape) {
  case QMI_ONE:
  case QMI_TRAILING:
  case QMI_TRUNCATED:
    qmux (b, 0x02, 1, 5, 0x0023, NULL, 0);       /* DMS Get Revision */
    if (c->shape == QMI_TRAILING)
      g_byte_array_append (b, (const guint8 *) "\x01", 1);
    if (c->shape == QMI_TRUNCATED)
      g_byte_array_set_size (b, b->len - 1);
    break;
  case QMI_TWO:
  case QMI_TWO_SAME_TID:
    qmux (b, 0x02, 1, 5, 0x0023, NULL, 0);
    qmux (b, 0x0B, 1, c->shape == QMI_TWO ? 6 : 5, 0x0020, read_imsi_tlvs, sizeof read_imsi_tlvs);
    break;
  case QMI_APDU:
    qmux (b, 0x0B, 1, 5, 0x003B, apdu_tlvs, sizeof apdu_tlvs);
    break;
  }
  req = wrap (3, qmi_uuid, 1, b->data, b->len);
  guard_for (&guard, 0, IDG_POLICY_REDACT);
  v = idg_mbim_filter_request (req->data, req->len, &guard, &note, forward);
  if (c->shape == QMI_ONE) {
    g_assert_cmpint (v, ==, IDG_MBIM_PASS);
    g_assert_cmpmem (forward->data + 48, forward->len - 48, b->data, b->len);
    g_assert_true (note.has_qmi);
    g_assert_cmpuint (note.qmi.message_id, ==, 0x0023);
    return;
  }
  g_assert_cmpint (v, ==, IDG_MBIM_REFUSE);
  g_assert_cmpuint (forward->len, ==, 0);
  done = idg_mbim_filter_refusal (req->data, req->len, &note);
  if (c->shape == QMI_APDU) {
    /* the MBIM command succeeds; the QMI frame inside is the error */
    g_assert_cmpuint (status_of (done), ==, 0);
    g_assert_cmpuint (done->len, >, 48);
    g_assert_cmpuint (done->data[48], ==, 0x01);
    g_assert_cmpuint (done->data[48 + 4], ==, 0x0B);
  } else {
    g_assert_cmpuint (status_of (done), ==, MBIM_STATUS_ERROR_INVALID_PARAMETERS);
    g_assert_cmpuint (done->len, ==, 48);
  }
}

/* --- UICC file reads at any offset and length ------------------------------ */

static const gchar *uicc_uuid = "c2f6588e-f037-4bc9-8665-f4d44bd09367";

static GByteArray *
read_request (guint32       cid,
              guint16       fid,
              guint32       offset,
              guint32       size)
{
  static const guint8 app[] = { 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02 };
  guint8 path[] = { 0x7F, 0xFF, (guint8) (fid >> 8), (guint8) fid };
  g_autoptr(MbimMessage) m = NULL;
  const guint8 *raw;
  guint32 len = 0;
  GByteArray *out = g_byte_array_new ();

  if (cid == 9)
    m = mbim_message_ms_uicc_low_level_access_read_binary_query_new (1, sizeof app, app, sizeof path, path,
                                                                     offset, size, NULL, 0, NULL, NULL);
  else
    m = mbim_message_ms_uicc_low_level_access_read_record_query_new (1, sizeof app, app, sizeof path, path,
                                                                     1, NULL, 0, NULL, NULL);
  g_assert_nonnull (m);
  raw = mbim_message_get_raw (m, &len, NULL);
  g_byte_array_append (out, raw, len);
  idg_mbim_write_u32 (out->data + 8, 7);
  return out;
}

/* The modem's answer: SW 90 00 and the bytes. */
static GByteArray *
read_answer (guint32       cid,
             const guint8 *bytes,
             gsize         len)
{
  g_autoptr(GByteArray) ib = g_byte_array_new ();

  put_u32 (ib, 1);
  put_u32 (ib, 0x90);
  put_u32 (ib, 0);
  put_u32 (ib, len ? 20 : 0);
  put_u32 (ib, (guint32) len);
  g_byte_array_append (ib, bytes, (guint) len);
  while (ib->len % 4)
    g_byte_array_append (ib, (const guint8 *) "\0", 1);
  return wrap (CD, uicc_uuid, cid, ib->data, ib->len);
}

/* Every nibble of bytes, low first then high (swapped BCD order), as hex
 * text: a run of digits of an identifier shows in it whatever the nibble
 * alignment of the read. */
static gchar *
nibbles (const guint8 *bytes,
         gsize         len)
{
  GString *s = g_string_new (NULL);
  gsize i;

  for (i = 0; i < len; i++)
    g_string_append_printf (s, "%x%x", bytes[i] & 0xF, bytes[i] >> 4);
  return g_string_free (s, FALSE);
}

/* No run of 6 digits of unique (the identifier's unique part) in the
 * returned bytes, in either nibble order. */
static void
assert_no_run (const guint8 *bytes,
               gsize         len,
               const gchar  *unique)
{
  g_autofree gchar *swapped = nibbles (bytes, len);
  g_autoptr(GString) plain = g_string_new (NULL);
  gsize i;

  for (i = 0; i < len; i++)
    g_string_append_printf (plain, "%x%x", bytes[i] >> 4, bytes[i] & 0xF);
  for (i = 0; i + 6 <= strlen (unique); i++) {
    g_autofree gchar *run = g_strndup (unique + i, 6);

    g_assert_null (strstr (swapped, run));
    g_assert_null (strstr (plain->str, run));
  }
}

/* The longest run of subscriber digit places (EF_IMSI: the digits after
 * MCC+MNC, nibble by nibble from the byte after the length) where a slice
 * read at offset holds the real digit: what a reader could take as a
 * piece of the IMSI in its place. */
static guint
imsi_placed_run (const guint8 *file,
                 guint32       offset,
                 const guint8 *data,
                 gsize         len)
{
  guint best = 0, cur = 0;
  gsize i;

  for (i = 0; i < 2 * len; i++) {
    gsize j = 2 * offset + i;
    gsize b = j / 2;
    guint got = (i % 2) ? data[i / 2] >> 4 : data[i / 2] & 0xF;
    guint want = (j % 2) ? file[b] >> 4 : file[b] & 0xF;

    /* digit index: nibble 0 of byte 1 is the parity, then digit 0 */
    if (b < 1 || (b - 1) * 2 + (j % 2) < 1 + 5 || want > 9)
      continue;
    cur = got == want ? cur + 1 : 0;
    best = MAX (best, cur);
  }
  return best;
}

/* Masks the bytes [offset, offset+len) of a file as the door would, given
 * the modem's answer to a Read Binary of that range. */
static GByteArray *
read_through (guint16       fid,
              const guint8 *file,
              gsize         file_len,
              guint32       offset,
              guint32       len,
              guint32       allowed,
              IdgPolicy     policy)
{
  g_autoptr(GByteArray) req = read_request (9, fid, offset, len);
  g_autoptr(GByteArray) forward = g_byte_array_new ();
  g_autoptr(GByteArray) answer = NULL;
  gsize n = offset < file_len ? MIN (len, file_len - offset) : 0;
  GByteArray *out = g_byte_array_new ();
  IdgMbimNote note;
  IdgGuard guard;

  guard_for (&guard, allowed, policy);
  g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, forward), ==, IDG_MBIM_PASS);
  /* what goes to the modem asks for the same file and range */
  g_assert_cmpmem (forward->data + 48, forward->len - 48, req->data + 48, req->len - 48);
  answer = read_answer (9, file + offset, n);
  g_assert_cmpint (idg_mbim_filter_reply (answer->data, answer->len, &note, 0, &guard), ==, IDG_MBIM_PASS);
  g_assert_cmpuint (idg_mbim_read_u32 (answer->data + 48 + 16), ==, n);
  g_byte_array_append (out, answer->data + 48 + 20, (guint) n);
  return out;
}

static void
test_read_binary_imsi (gconstpointer data)
{
  IdgPolicy policy = GPOINTER_TO_INT (data);
  g_autofree gchar *imsi = rand_digits ("310260", 15);
  guint8 file[IDG_EF_IMSI_LEN];
  guint32 offset, len;

  g_assert_true (idg_ef_imsi_encode (imsi, file));
  for (offset = 0; offset <= 8; offset++) {
    for (len = 1; offset + len <= sizeof file; len++) {
      g_autoptr(GByteArray) denied = read_through (0x6F07, file, sizeof file, offset, len, 0, policy);
      g_autoptr(GByteArray) granted = read_through (0x6F07, file, sizeof file, offset, len,
                                                    IDG_KIND_BIT (IDG_KIND_IMSI), policy);

      assert_no_run (denied->data, denied->len, imsi + 5);
      g_assert_cmpuint (imsi_placed_run (file, offset, denied->data, denied->len), <, 6);
      g_assert_cmpmem (granted->data, granted->len, file + offset, len);
    }
  }
}

static void
test_read_binary_iccid (gconstpointer data)
{
  IdgPolicy policy = GPOINTER_TO_INT (data);
  g_autofree gchar *iccid = rand_digits ("8901", 20);
  guint8 file[IDG_EF_ICCID_LEN];
  guint32 offset, len;

  g_assert_true (idg_bcd_encode (iccid, file, sizeof file));
  for (offset = 0; offset < sizeof file; offset++) {
    for (len = 1; offset + len <= sizeof file; len++) {
      g_autoptr(GByteArray) denied = read_through (0x2FE2, file, sizeof file, offset, len, 0, policy);

      assert_no_run (denied->data, denied->len, iccid + 6);
    }
  }
}

/* EF_MSISDN records of every length the layout allows (no alpha id up to
 * a long one): the number never comes back. */
static void
test_read_record_msisdn (gconstpointer data)
{
  IdgPolicy policy = GPOINTER_TO_INT (data);
  g_autofree gchar *msisdn = rand_digits ("+1", 12);
  gsize record_len;

  for (record_len = IDG_EF_MSISDN_FIXED_LEN; record_len <= 40; record_len++) {
    g_autofree guint8 *record = g_malloc (record_len);
    g_autoptr(GByteArray) req = read_request (10, 0x6F40, 0, 0);
    g_autoptr(GByteArray) answer = NULL;
    g_autoptr(GByteArray) forward = g_byte_array_new ();
    IdgMbimNote note;
    IdgGuard guard;

    g_assert_true (idg_ef_msisdn_encode (msisdn, record, record_len));
    answer = read_answer (10, record, record_len);
    guard_for (&guard, 0, policy);
    g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, forward), ==, IDG_MBIM_PASS);
    g_assert_cmpint (idg_mbim_filter_reply (answer->data, answer->len, &note, 0, &guard), ==, IDG_MBIM_PASS);
    g_assert_cmpuint (idg_mbim_read_u32 (answer->data + 48 + 16), ==, record_len);
    assert_no_run (answer->data + 68, record_len, msisdn + 2);
    g_assert_cmpuint (guard.tally[IDG_KIND_MSISDN][IDG_DECISION_REWRITE], >=, 1);
  }
}

/* A read whose fields lie (an offset into the fixed part, a path pair past
 * the buffer) is refused, never forwarded. */
static void
test_read_malformed (void)
{
  g_autoptr(GByteArray) req = read_request (9, 0x6F07, 4, 5);
  g_autoptr(GByteArray) forward = g_byte_array_new ();
  g_autoptr(GByteArray) done = NULL;
  IdgMbimNote note;
  IdgGuard guard;

  guard_for (&guard, IDG_KIND_MASK_ALL, IDG_POLICY_REDACT);
  idg_mbim_write_u32 (req->data + 48 + 12, 8);      /* FilePath inside the fixed part */
  g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, forward), ==, IDG_MBIM_REFUSE);
  g_assert_cmpuint (forward->len, ==, 0);
  done = idg_mbim_filter_refusal (req->data, req->len, &note);
  g_assert_cmpuint (status_of (done), ==, MBIM_STATUS_ERROR_INVALID_PARAMETERS);
}

int
main (int    argc,
      char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (at_cases); i++) {
    g_autofree gchar *p = g_strdup_printf ("/mbim/tunnel/at/%s", at_cases[i].name);

    g_test_add_data_func (p, &at_cases[i], test_at_line);
  }
  for (i = 0; i < G_N_ELEMENTS (at_id_cases); i++) {
    g_autofree gchar *p = g_strdup_printf ("/mbim/tunnel/at/identifier/%s", at_id_cases[i].name);

    g_test_add_data_func (p, &at_id_cases[i], test_at_identifier);
  }
  g_test_add_func ("/mbim/tunnel/at/raw-sim", test_at_raw_sim);
  g_test_add_func ("/mbim/tunnel/at/phonebook", test_at_phonebook);
  for (i = 0; i < G_N_ELEMENTS (qmi_cases); i++) {
    g_autofree gchar *p = g_strdup_printf ("/mbim/tunnel/qmi/%s", qmi_cases[i].name);

    g_test_add_data_func (p, &qmi_cases[i], test_qmi_buffer);
  }
  g_test_add_data_func ("/mbim/uicc/read-binary/imsi/redact", GINT_TO_POINTER (IDG_POLICY_REDACT), test_read_binary_imsi);
  g_test_add_data_func ("/mbim/uicc/read-binary/imsi/pseudonym", GINT_TO_POINTER (IDG_POLICY_PSEUDONYM), test_read_binary_imsi);
  g_test_add_data_func ("/mbim/uicc/read-binary/iccid/redact", GINT_TO_POINTER (IDG_POLICY_REDACT), test_read_binary_iccid);
  g_test_add_data_func ("/mbim/uicc/read-binary/iccid/pseudonym", GINT_TO_POINTER (IDG_POLICY_PSEUDONYM), test_read_binary_iccid);
  g_test_add_data_func ("/mbim/uicc/read-record/msisdn/redact", GINT_TO_POINTER (IDG_POLICY_REDACT), test_read_record_msisdn);
  g_test_add_data_func ("/mbim/uicc/read-record/msisdn/pseudonym", GINT_TO_POINTER (IDG_POLICY_PSEUDONYM), test_read_record_msisdn);
  g_test_add_func ("/mbim/uicc/read-binary/malformed", test_read_malformed);
  return g_test_run ();
}
