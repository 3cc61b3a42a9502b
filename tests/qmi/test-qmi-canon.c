/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Canonical forwarding and byte-range judgement of QMI requests, one table
 * row per class of issue 12: a frame the modem would read otherwise than the
 * door (trailing bytes, lying lengths, duplicate TLVs, responses posing as
 * requests), several frames in one buffer, two requests with one
 * transaction id, file reads at an offset or a short length. Identifiers
 * are random for every run (GTest's generator: --seed reproduces one).
 */
#include <string.h>
#include <glib.h>
#include <libqmi-glib.h>

#include "idg-encoding.h"
#include "idg-guard.h"
#include "idg-qmi-canon.h"
#include "idg-simfile.h"

#define UIM 0x0B
#define DMS 0x02
#define RT  0x0020
#define RR  0x0021
#define APDU 0x003B

/*****************************************************************************/
/* Frames by hand: what a hostile client can send, libqmi would not build */

typedef struct {
  guint8        type;
  gsize         len;
  const guint8 *value;
} Tlv;

static GByteArray *
frame_new (guint8 flags, guint8 service, guint8 cid, guint8 sdu_type, guint16 trid,
           guint16 msg, const Tlv *tlvs, guint n_tlvs, gsize extra)
{
  GByteArray *f = g_byte_array_new ();
  gsize hlen = service == 0 ? 12 : 13;
  guint8 hdr[13] = { 0x01, 0, 0, flags, service, cid, sdu_type };
  guint i;

  if (service == 0) {
    hdr[7] = (guint8) trid;
    hdr[8] = msg & 0xFF;
    hdr[9] = msg >> 8;
  } else {
    hdr[7] = trid & 0xFF;
    hdr[8] = trid >> 8;
    hdr[9] = msg & 0xFF;
    hdr[10] = msg >> 8;
  }
  g_byte_array_append (f, hdr, (guint) hlen);
  for (i = 0; i < n_tlvs; i++) {
    guint8 th[3] = { tlvs[i].type, tlvs[i].len & 0xFF, tlvs[i].len >> 8 };

    g_byte_array_append (f, th, 3);
    g_byte_array_append (f, tlvs[i].value, (guint) tlvs[i].len);
  }
  f->data[hlen - 2] = (f->len - hlen) & 0xFF;
  f->data[hlen - 1] = (f->len - hlen) >> 8;
  /* bytes past the TLVs, counted in the QMUX length only */
  for (i = 0; i < extra; i++) {
    guint8 junk = 0xA5;

    g_byte_array_append (f, &junk, 1);
  }
  f->data[1] = (f->len - 1) & 0xFF;
  f->data[2] = (f->len - 1) >> 8;
  return f;
}

static const guint8 session[] = { 0x06, 0x00 };

/* UIM Read Transparent / Read Record of file_id under 3F00/7FFF. */
static GByteArray *
read_request (guint16 msg, guint16 trid, guint16 file_id, guint16 a, guint16 b)
{
  guint8 file[7] = { file_id & 0xFF, file_id >> 8, 4, 0x00, 0x3F, 0xFF, 0x7F };
  guint8 info[4] = { a & 0xFF, a >> 8, b & 0xFF, b >> 8 };
  Tlv t[] = { { 0x01, sizeof session, session }, { 0x02, sizeof file, file }, { 0x03, 4, info } };

  return frame_new (0x00, UIM, 3, 0x00, trid, msg, t, G_N_ELEMENTS (t), 0);
}

/* The modem's answer: result TLV, card result, TLV 0x11 u16 length + bytes. */
static GByteArray *
read_response (guint16 msg, guint16 trid, const guint8 *bytes, gsize len)
{
  g_autofree guint8 *v = g_malloc (len + 2);
  static const guint8 ok[] = { 0, 0, 0, 0 };
  static const guint8 card[] = { 0x90, 0x00 };
  Tlv t[] = { { 0x02, 4, ok }, { 0x10, 2, card }, { 0x11, len + 2, v } };

  v[0] = len & 0xFF;
  v[1] = len >> 8;
  memcpy (v + 2, bytes, len);
  return frame_new (0x80, UIM, 3, 0x02, trid, msg, t, G_N_ELEMENTS (t), 0);
}

static guint16
result_error (const guint8 *f, gsize len)
{
  g_autoptr(GByteArray) copy = g_byte_array_new ();
  g_autoptr(QmiMessage) m = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *v;
  guint16 n = 0;

  /* the door's answer must be one libqmi reads as an error response */
  g_byte_array_append (copy, f, (guint) len);
  m = qmi_message_new_from_raw (copy, &error);
  g_assert_no_error (error);
  g_assert_true (qmi_message_is_response (m));
  v = qmi_message_get_raw_tlv (m, 0x02, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpuint (v[0] | (v[1] << 8), ==, 1);
  return (guint16) (v[2] | (v[3] << 8));
}

/*****************************************************************************/
/* One frame at a time (the door's stream) */

static void
test_next_valid (void)
{
  g_autoptr(GByteArray) req = read_request (RT, 0x4242, IDG_SIMFILE_EF_IMSI, 4, 5);
  g_autoptr(GByteArray) two = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize used = 0, i;

  g_assert_cmpint (idg_qmi_canon_next (req->data, req->len, &used, out), ==, IDG_QMI_CANON_OK);
  g_assert_cmpuint (used, ==, req->len);
  g_assert_cmpmem (out->data, out->len, req->data, req->len);

  /* a second frame in the same buffer: the first is taken alone */
  g_byte_array_append (two, req->data, req->len);
  g_byte_array_append (two, req->data, req->len);
  g_assert_cmpint (idg_qmi_canon_next (two->data, two->len, &used, out), ==, IDG_QMI_CANON_OK);
  g_assert_cmpuint (used, ==, req->len);

  /* every prefix: wait for more */
  for (i = 0; i < req->len; i++)
    g_assert_cmpint (idg_qmi_canon_next (req->data, i, &used, out), ==, IDG_QMI_CANON_MORE);

  /* not QMUX */
  g_assert_cmpint (idg_qmi_canon_next ((const guint8 *) "AT+CIMI\r", 8, &used, out), ==,
                   IDG_QMI_CANON_BROKEN);
  g_assert_cmpint (idg_qmi_canon_next ((const guint8 *) "\x01\x04\x00\x00\x02", 5, &used, out), ==,
                   IDG_QMI_CANON_BROKEN);
}

typedef struct {
  const gchar *name;
  guint8       flags;
  guint8       service;
  guint8       cid;
  guint8       sdu_type;
  gsize        extra;         /* bytes after the TLVs */
  gint         tlv_len_delta; /* the last TLV's length lies by this much */
  gboolean     duplicate;     /* the Read Information TLV twice */
} BadRow;

static const BadRow bad_rows[] = {
  { "trailing-garbage",  0x00, UIM, 3, 0x00, 3, 0, FALSE },
  { "trailing-byte",     0x00, UIM, 3, 0x00, 1, 0, FALSE },
  { "tlv-overrun",       0x00, UIM, 3, 0x00, 0, 2, FALSE },
  { "tlv-short",         0x00, UIM, 3, 0x00, 0, -1, FALSE },
  { "duplicate-tlv",     0x00, UIM, 3, 0x00, 0, 0, TRUE },
  { "response-flags",    0x80, UIM, 3, 0x00, 0, 0, FALSE },
  { "response-sdu",      0x00, UIM, 3, 0x02, 0, 0, FALSE },
  { "indication-sdu",    0x00, UIM, 3, 0x04, 0, 0, FALSE },
  { "compound-sdu",      0x00, UIM, 3, 0x01, 0, 0, FALSE },
  { "ctl-with-cid",      0x00, 0x00, 7, 0x00, 0, 0, FALSE },
};

static void
test_next_refused (gconstpointer data)
{
  const BadRow *row = data;
  guint8 file[7] = { 0x07, 0x6F, 4, 0x00, 0x3F, 0xFF, 0x7F };
  guint8 info_imsi[4] = { 0, 0, 0, 0 };
  guint8 info_ad[4] = { 0, 0, 4, 0 };
  Tlv t[] = { { 0x01, sizeof session, session }, { 0x02, sizeof file, file },
              { 0x03, 4, info_imsi }, { 0x03, 4, info_ad } };
  g_autoptr(GByteArray) f = frame_new (row->flags, row->service, row->cid, row->sdu_type, 0x0777, RT,
                                       t, row->duplicate ? 4 : 3, row->extra);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize used = 0;
  IdgQmiRequestInfo info;
  IdgGuard g;

  if (row->tlv_len_delta) {
    gsize last = f->len - row->extra - 4 - 2;

    f->data[last] = (guint8) (4 + row->tlv_len_delta);
  }
  g_assert_cmpint (idg_qmi_canon_next (f->data, f->len, &used, out), ==, IDG_QMI_CANON_REFUSE);
  g_assert_cmpuint (used, ==, f->len);
  g_assert_cmpuint (result_error (out->data, out->len), ==, IDG_QMI_ERROR_MALFORMED_MESSAGE);
  /* answered with the client's own ids */
  g_assert_cmpuint (out->data[4], ==, row->service);
  g_assert_cmpuint (out->data[5], ==, row->cid);
  if (row->service != 0)
    g_assert_cmpuint (out->data[7] | (out->data[8] << 8), ==, 0x0777);

  /* the filter alone (as QMI inside MBIM calls it) never passes it either */
  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "t");
  g_assert_cmpint (idg_qmi_filter_request (f->data, f->len, &g, &info), !=, IDG_QMI_VERDICT_PASS);
}

/*****************************************************************************/
/* Several frames in one buffer (QMI inside MBIM) */

static void
test_buffer_frames (void)
{
  g_autoptr(GByteArray) rt = read_request (RT, 0x0101, 0x6FAD, 0, 0);
  static const guint8 apdu[] = { 0x04, 0x00, 0x00, 0xB0, 0x00, 0x00 };
  Tlv at[] = { { 0x01, 1, session }, { 0x02, sizeof apdu, apdu } };
  g_autoptr(GByteArray) send = frame_new (0x00, UIM, 3, 0x00, 0x0102, APDU, at, 2, 0);
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autoptr(GByteArray) fwd = g_byte_array_new ();
  g_autoptr(GByteArray) ans = g_byte_array_new ();
  g_autoptr(GArray) infos = g_array_new (FALSE, FALSE, sizeof (IdgQmiRequestInfo));
  IdgGuard g;

  /* a harmless read, then a Send APDU: the second frame is judged too */
  g_byte_array_append (buf, rt->data, rt->len);
  g_byte_array_append (buf, send->data, send->len);
  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "t");
  g_assert_true (idg_qmi_canon_judge_buffer (buf->data, buf->len, &g, fwd, ans, infos));
  g_assert_cmpmem (fwd->data, fwd->len, rt->data, rt->len);
  g_assert_cmpuint (infos->len, ==, 1);
  g_assert_cmpuint (result_error (ans->data, ans->len), ==, QMI_PROTOCOL_ERROR_ACCESS_DENIED);
  g_assert_cmpuint (g.tally[IDG_GUARD_SLOT_RAW_SIM][IDG_DECISION_REFUSE], ==, 1);

  /* the same with every SIM kind: both forwarded */
  idg_guard_init (&g, IDG_KIND_MASK_SIM, IDG_POLICY_REDACT, NULL, "t");
  g_assert_true (idg_qmi_canon_judge_buffer (buf->data, buf->len, &g, fwd, ans, infos));
  g_assert_cmpmem (fwd->data, fwd->len, buf->data, buf->len);
  g_assert_cmpuint (infos->len, ==, 2);
  g_assert_cmpuint (ans->len, ==, 0);

  /* trailing bytes after the frames: nothing at all is forwarded */
  g_byte_array_append (buf, (const guint8 *) "\x01\x02", 2);
  g_assert_false (idg_qmi_canon_judge_buffer (buf->data, buf->len, &g, fwd, ans, infos));
  g_assert_cmpuint (fwd->len, ==, 0);
  g_assert_cmpuint (infos->len, ==, 0);
  g_byte_array_set_size (buf, buf->len - 1);
  g_assert_false (idg_qmi_canon_judge_buffer (buf->data, buf->len, &g, fwd, ans, infos));
  g_assert_cmpuint (fwd->len, ==, 0);
}

/* Two requests with one transaction id in one buffer: refused, since their
 * answers could not be told apart. */
static void
test_buffer_same_transaction (void)
{
  g_autoptr(GByteArray) ad = read_request (RT, 0x0055, 0x6FAD, 0, 0);
  g_autoptr(GByteArray) imsi = read_request (RT, 0x0055, IDG_SIMFILE_EF_IMSI, 0, 0);
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autoptr(GByteArray) fwd = g_byte_array_new ();
  g_autoptr(GByteArray) ans = g_byte_array_new ();
  g_autoptr(GArray) infos = g_array_new (FALSE, FALSE, sizeof (IdgQmiRequestInfo));
  IdgGuard g;

  g_byte_array_append (buf, ad->data, ad->len);
  g_byte_array_append (buf, imsi->data, imsi->len);
  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "t");
  g_assert_false (idg_qmi_canon_judge_buffer (buf->data, buf->len, &g, fwd, ans, infos));
  g_assert_cmpuint (fwd->len, ==, 0);
  g_assert_cmpuint (result_error (ans->data, ans->len), ==, QMI_PROTOCOL_ERROR_INVALID_TRANSACTION_ID);
}

static void
random_imsi (gchar out[16])
{
  guint i;

  for (i = 0; i < 15; i++)
    out[i] = (gchar) ('0' + g_test_rand_int_range (0, 10));
  out[15] = '\0';
}

/* Answers paired with requests: the context comes from the request with
 * the answer's own transaction id, never from another one. */
static void
test_responses_paired (void)
{
  gchar imsi[16];
  guint8 ef[IDG_EF_IMSI_LEN];
  g_autoptr(GByteArray) req_ad = read_request (RT, 0x0010, 0x6FAD, 0, 0);
  g_autoptr(GByteArray) req_imsi = read_request (RT, 0x0011, IDG_SIMFILE_EF_IMSI, 0, 0);
  g_autoptr(GByteArray) rsp_imsi = NULL;
  IdgQmiRequestInfo infos[2];
  IdgGuard g;
  guint8 *bytes;

  random_imsi (imsi);
  g_assert_true (idg_ef_imsi_encode (imsi, ef));
  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "t");
  g_assert_cmpint (idg_qmi_filter_request (req_ad->data, req_ad->len, &g, &infos[0]), ==, IDG_QMI_VERDICT_PASS);
  g_assert_cmpint (idg_qmi_filter_request (req_imsi->data, req_imsi->len, &g, &infos[1]), ==, IDG_QMI_VERDICT_PASS);

  /* the transaction id is the pairing: EF_IMSI's bytes under the id of
   * the EF_AD read are judged as EF_AD's (which is why a door gives every
   * request in flight an id of its own, and refuses a client's duplicate) */
  rsp_imsi = read_response (RT, 0x0010, ef, sizeof ef);
  bytes = rsp_imsi->data + rsp_imsi->len - sizeof ef;
  g_assert_true (idg_qmi_canon_filter_responses (rsp_imsi->data, rsp_imsi->len, infos, 2, &g));
  g_assert_cmpmem (bytes, sizeof ef, ef, sizeof ef);

  /* under its own id: masked */
  g_byte_array_unref (g_steal_pointer (&rsp_imsi));
  rsp_imsi = read_response (RT, 0x0011, ef, sizeof ef);
  bytes = rsp_imsi->data + rsp_imsi->len - sizeof ef;
  g_assert_true (idg_qmi_canon_filter_responses (rsp_imsi->data, rsp_imsi->len, infos, 2, &g));
  g_assert_cmpmem (bytes, 4, ef, 4);                  /* length, parity, MCC, MNC */
  g_assert_cmpmem (bytes + 4, 5, "\0\0\0\0\0", 5);    /* the subscriber */

  /* under an id no request had: of unknown origin, scrubbed */
  g_byte_array_unref (g_steal_pointer (&rsp_imsi));
  rsp_imsi = read_response (RT, 0x0099, ef, sizeof ef);
  bytes = rsp_imsi->data + rsp_imsi->len - sizeof ef;
  g_assert_true (idg_qmi_canon_filter_responses (rsp_imsi->data, rsp_imsi->len, infos, 2, &g));
  g_assert_cmpmem (bytes, sizeof ef, "\xff\xff\xff\xff\xff\xff\xff\xff\xff", sizeof ef);
}

/*****************************************************************************/
/* Reads at an offset and short lengths, through the filter */

/* Digit d of the IMSI (0-based) lies in EF_IMSI byte 1 + (d + 1) / 2. */
static void
test_imsi_offsets (void)
{
  guint policy;

  for (policy = IDG_POLICY_REDACT; policy <= IDG_POLICY_PSEUDONYM; policy++) {
    gchar imsi[16];
    guint8 ef[IDG_EF_IMSI_LEN];
    guint off, len;

    random_imsi (imsi);
    g_assert_true (idg_ef_imsi_encode (imsi, ef));
    for (off = 0; off < IDG_EF_IMSI_LEN; off++) {
      for (len = 0; off + len <= IDG_EF_IMSI_LEN; len++) {
        g_autoptr(GByteArray) req = read_request (RT, 0x0200, IDG_SIMFILE_EF_IMSI, off, len);
        gsize got = len ? len : IDG_EF_IMSI_LEN - off;
        g_autoptr(GByteArray) rsp = read_response (RT, 0x0200, ef + off, got);
        guint8 *bytes = rsp->data + rsp->len - got;
        IdgQmiRequestInfo info;
        guint same = 0, msin = 0, d;
        IdgGuard g;

        idg_guard_init (&g, IDG_KIND_MASK_ALL & ~IDG_KIND_BIT (IDG_KIND_IMSI), policy,
                        (const guint8 *) "0123456789abcdef0123456789abcdef", "unit:x.service");
        g_assert_cmpint (idg_qmi_filter_request (req->data, req->len, &g, &info), ==, IDG_QMI_VERDICT_PASS);
        g_assert_cmpuint (info.offset, ==, off);
        g_assert_cmpint (idg_qmi_filter_response (rsp->data, rsp->len, &info, &g), ==, IDG_QMI_VERDICT_PASS);
        for (d = 0; d < 15; d++) {
          guint byte = 1 + (d + 1) / 2;
          guint8 nib;

          if (byte < off || byte >= off + got)
            continue;
          nib = ((d + 1) & 1) ? bytes[byte - off] >> 4 : bytes[byte - off] & 0x0F;
          if (d < 5) {
            g_assert_cmpint (nib, ==, imsi[d] - '0');   /* MCC + MNC, at their place */
          } else {
            msin++;
            same += nib == imsi[d] - '0';
            if (policy == IDG_POLICY_REDACT)
              g_assert_cmpint (nib, ==, 0);
          }
        }
        if (msin >= 6)
          g_assert_cmpuint (same, <, msin);
      }
    }
  }
}

/* EF_MSISDN records read whole (length 0: the layout is known) or with a
 * short length (the record length is then unknown: nothing but padding
 * survives). */
static void
test_msisdn_records (void)
{
  gchar number[14] = "+1";
  guint8 rec[28];
  guint len, i;

  for (i = 2; i < 13; i++)
    number[i] = (gchar) ('0' + g_test_rand_int_range (0, 10));
  number[13] = '\0';
  g_assert_true (idg_ef_msisdn_encode (number, rec, sizeof rec));
  for (len = 0; len <= sizeof rec; len++) {
    g_autoptr(GByteArray) req = read_request (RR, 0x0300, IDG_SIMFILE_EF_MSISDN, 1, len);
    gsize got = len ? len : sizeof rec;
    g_autoptr(GByteArray) rsp = read_response (RR, 0x0300, rec, got);
    guint8 *bytes = rsp->data + rsp->len - got;
    IdgQmiRequestInfo info;
    IdgGuard g;

    idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "t");
    g_assert_cmpint (idg_qmi_filter_request (req->data, req->len, &g, &info), ==, IDG_QMI_VERDICT_PASS);
    g_assert_cmpint (idg_qmi_filter_response (rsp->data, rsp->len, &info, &g), ==, IDG_QMI_VERDICT_PASS);
    for (i = 0; i < got; i++) {
      gboolean number_byte = i >= sizeof rec - 12 && i < sizeof rec - 2;

      if (len == 0 && !number_byte) {
        g_assert_cmpint (bytes[i], ==, rec[i]);          /* alpha, lengths, TON/NPI */
      } else {
        g_assert_cmpint (bytes[i] & 0x0F, ==, (rec[i] & 0x0F) == 0x0F ? 0x0F : 0);
        g_assert_cmpint (bytes[i] >> 4, ==, (rec[i] >> 4) == 0x0F ? 0x0F : 0);
      }
    }
    g_assert_cmpuint (g.tally[IDG_KIND_MSISDN][IDG_DECISION_REWRITE], ==, 1);
  }
}

/* File reads with a TLV the filter does not know, or an answer in an
 * indication, or encrypted, or a path naming an EF: not judged, not
 * forwarded. */
static void
test_read_extras (void)
{
  guint8 file[7] = { 0x07, 0x6F, 4, 0x00, 0x3F, 0xFF, 0x7F };
  guint8 info4[4] = { 0, 0, 0, 0 };
  guint8 token[4] = { 1, 0, 0, 0 };
  guint8 one = 1;
  Tlv vendor[] = { { 0x01, sizeof session, session }, { 0x02, sizeof file, file },
                   { 0x03, 4, info4 }, { 0x20, 1, &one } };
  Tlv encrypt[] = { { 0x01, sizeof session, session }, { 0x02, sizeof file, file },
                    { 0x03, 4, info4 }, { 0x11, 1, &one } };
  Tlv ind[] = { { 0x01, sizeof session, session }, { 0x02, sizeof file, file },
                { 0x03, 4, info4 }, { 0x10, 4, token } };
  Tlv odd_path[] = { { 0x01, sizeof session, session }, { 0x02, 6, (const guint8 *) "\x07\x6f\x03\x00\x3f\xff" },
                     { 0x03, 4, info4 } };
  Tlv no_info[] = { { 0x01, sizeof session, session }, { 0x02, sizeof file, file } };
  Tlv ef_in_path[] = { { 0x01, sizeof session, session },
                       { 0x02, 7, (const guint8 *) "\xad\x6f\x04\x00\x3f\x07\x6f" },
                       { 0x03, 4, info4 } };
  g_autoptr(GByteArray) a = frame_new (0, UIM, 3, 0, 1, RT, vendor, 4, 0);
  g_autoptr(GByteArray) b = frame_new (0, UIM, 3, 0, 1, RT, encrypt, 4, 0);
  g_autoptr(GByteArray) c = frame_new (0, UIM, 3, 0, 1, RT, ind, 4, 0);
  g_autoptr(GByteArray) d = frame_new (0, UIM, 3, 0, 1, RT, odd_path, 3, 0);
  g_autoptr(GByteArray) e = frame_new (0, UIM, 3, 0, 1, RT, no_info, 2, 0);
  g_autoptr(GByteArray) f = frame_new (0, UIM, 3, 0, 1, RT, ef_in_path, 3, 0);
  IdgQmiRequestInfo info;
  IdgGuard g;

  idg_guard_init (&g, IDG_KIND_MASK_ALL & ~IDG_KIND_BIT (IDG_KIND_EID), IDG_POLICY_REDACT, NULL, "t");
  g_assert_cmpint (idg_qmi_filter_request (a->data, a->len, &g, &info), ==, IDG_QMI_VERDICT_REFUSE);
  g_assert_cmpuint (info.error, ==, IDG_QMI_ERROR_MALFORMED_MESSAGE);
  g_assert_cmpint (idg_qmi_filter_request (b->data, b->len, &g, &info), ==, IDG_QMI_VERDICT_REFUSE);
  g_assert_cmpuint (info.error, ==, IDG_QMI_ERROR_ACCESS_DENIED);
  g_assert_cmpint (idg_qmi_filter_request (c->data, c->len, &g, &info), ==, IDG_QMI_VERDICT_REFUSE);
  g_assert_cmpuint (info.error, ==, IDG_QMI_ERROR_ACCESS_DENIED);
  g_assert_cmpint (idg_qmi_filter_request (d->data, d->len, &g, &info), ==, IDG_QMI_VERDICT_REFUSE);
  g_assert_cmpint (idg_qmi_filter_request (e->data, e->len, &g, &info), ==, IDG_QMI_VERDICT_REFUSE);
  /* EF_IMSI named in the path of an EF_AD read */
  g_assert_cmpint (idg_qmi_filter_request (f->data, f->len, &g, &info), ==, IDG_QMI_VERDICT_REFUSE);
  g_assert_cmpuint (info.error, ==, IDG_QMI_ERROR_MALFORMED_MESSAGE);
}

int
main (int argc, char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qmi/canon/next/valid", test_next_valid);
  for (i = 0; i < G_N_ELEMENTS (bad_rows); i++) {
    g_autofree gchar *path = g_strdup_printf ("/qmi/canon/next/refused/%s", bad_rows[i].name);

    g_test_add_data_func (path, &bad_rows[i], test_next_refused);
  }
  g_test_add_func ("/qmi/canon/buffer/frames", test_buffer_frames);
  g_test_add_func ("/qmi/canon/buffer/same-transaction", test_buffer_same_transaction);
  g_test_add_func ("/qmi/canon/responses/paired", test_responses_paired);
  g_test_add_func ("/qmi/canon/read/imsi-offsets", test_imsi_offsets);
  g_test_add_func ("/qmi/canon/read/msisdn-records", test_msisdn_records);
  g_test_add_func ("/qmi/canon/read/extras", test_read_extras);
  return g_test_run ();
}
