/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Table-driven tests of the QMI filter: one row per place an identifier
 * travels in QMI (docs: identifiers.md), each run redacted, pseudonymised
 * and allowed; raw SIM access requests; malformed frames. Messages are
 * built with libqmi's message builders from random identifiers made fresh
 * for every run; one captured vector comes from libqmi's own test suite.
 */
#include <string.h>
#include <glib.h>
#include <libqmi-glib.h>

#include "idg-encoding.h"
#include "idg-guard.h"
#include "idg-qmi-filter.h"

typedef struct {
  gchar imei[16];
  gchar imeisv[17];
  gchar esn[9];
  gchar meid[15];
  gchar imsi[16];
  gchar iccid[20];
  gchar eid[33];
  gchar msisdn[13];
} Ids;

static Ids ids;
static guint8 secret[IDG_SECRET_LEN];

static void
random_digits (gchar *out, gsize n, const gchar *alphabet)
{
  gsize i, m = strlen (alphabet);

  for (i = 0; i < n; i++)
    out[i] = alphabet[g_random_int_range (0, (gint32) m)];
  out[n] = '\0';
}

static void
make_ids (void)
{
  random_digits (ids.imei, 14, "0123456789");
  ids.imei[14] = idg_luhn_check_digit (ids.imei, 14);
  ids.imei[15] = '\0';
  memcpy (ids.imeisv, ids.imei, 14);
  random_digits (ids.imeisv + 14, 2, "0123456789");
  random_digits (ids.esn, 8, "0123456789ABCDEF");
  random_digits (ids.meid, 14, "0123456789ABCDEF");
  memcpy (ids.imsi, "310260", 6);
  random_digits (ids.imsi + 6, 9, "0123456789");
  memcpy (ids.iccid, "8901", 4);
  random_digits (ids.iccid + 4, 14, "0123456789");
  ids.iccid[18] = idg_luhn_check_digit (ids.iccid, 18);
  ids.iccid[19] = '\0';
  memcpy (ids.eid, "89049032", 8);
  random_digits (ids.eid + 8, 24, "0123456789");
  idg_eid_fix_check (ids.eid);
  ids.msisdn[0] = '+';
  ids.msisdn[1] = '1';
  random_digits (ids.msisdn + 2, 10, "0123456789");
}

/*****************************************************************************/
/* Building messages with libqmi */

#define RT 0x0020
#define RR 0x0021

static QmiMessage *
response_new (QmiService service, guint16 message_id)
{
  g_autoptr(QmiMessage) req = qmi_message_new (service, 3, 0x1234, message_id);

  return qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
}

static QmiMessage *
indication_new (QmiService service, guint16 message_id)
{
  QmiMessage *msg = qmi_message_new (service, 0xFF, 0, message_id);

  msg->data[3] = 0x80;   /* from the service */
  msg->data[6] = 0x04;   /* indication */
  return msg;
}

static void
add_string (QmiMessage *msg, guint8 type, const gchar *value)
{
  gsize off = qmi_message_tlv_write_init (msg, type, NULL);

  g_assert_true (qmi_message_tlv_write_string (msg, 0, value, -1, NULL));
  g_assert_true (qmi_message_tlv_write_complete (msg, off, NULL));
}

static void
add_bytes (QmiMessage *msg, guint8 type, gboolean u16_prefix, const guint8 *data, gsize len)
{
  gsize off = qmi_message_tlv_write_init (msg, type, NULL);
  gsize i;

  if (u16_prefix)
    g_assert_true (qmi_message_tlv_write_guint16 (msg, QMI_ENDIAN_LITTLE, (guint16) len, NULL));
  for (i = 0; i < len; i++)
    g_assert_true (qmi_message_tlv_write_guint8 (msg, data[i], NULL));
  g_assert_true (qmi_message_tlv_write_complete (msg, off, NULL));
}

static QmiMessage *
build_get_ids (IdgQmiRequestInfo *req)
{
  QmiMessage *m = response_new (QMI_SERVICE_DMS, 0x0025);

  add_string (m, 0x10, ids.esn);
  add_string (m, 0x11, ids.imei);
  add_string (m, 0x12, ids.meid);
  add_string (m, 0x13, ids.imeisv);
  return m;
}

static QmiMessage *
build_msisdn (IdgQmiRequestInfo *req)
{
  QmiMessage *m = response_new (QMI_SERVICE_DMS, 0x0024);

  add_string (m, 0x01, ids.msisdn);
  add_string (m, 0x10, ids.msisdn + 2);   /* MIN: 10 digits */
  add_string (m, 0x11, ids.imsi);
  return m;
}

static QmiMessage *
build_dms_iccid (IdgQmiRequestInfo *req)
{
  QmiMessage *m = response_new (QMI_SERVICE_DMS, 0x003C);

  add_string (m, 0x01, ids.iccid);
  return m;
}

static QmiMessage *
build_dms_imsi (IdgQmiRequestInfo *req)
{
  QmiMessage *m = response_new (QMI_SERVICE_DMS, 0x0043);

  add_string (m, 0x01, ids.imsi);
  return m;
}

/* A UIM file read request as a client sends it; the filter fills req. */
static QmiMessage *
file_request (guint16 message_id, guint16 file_id, guint16 a, guint16 b, gboolean token)
{
  QmiMessage *m = qmi_message_new (QMI_SERVICE_UIM, 3, 0x1234, message_id);
  static const guint8 session[] = { 0x06, 0x00 };   /* card slot 1, no AID */
  gsize off;

  add_bytes (m, 0x01, FALSE, session, sizeof session);
  off = qmi_message_tlv_write_init (m, 0x02, NULL);
  g_assert_true (qmi_message_tlv_write_guint16 (m, QMI_ENDIAN_LITTLE, file_id, NULL));
  g_assert_true (qmi_message_tlv_write_guint8 (m, 2, NULL));
  g_assert_true (qmi_message_tlv_write_guint16 (m, QMI_ENDIAN_LITTLE, 0x3F00, NULL));
  g_assert_true (qmi_message_tlv_write_complete (m, off, NULL));
  off = qmi_message_tlv_write_init (m, 0x03, NULL);
  g_assert_true (qmi_message_tlv_write_guint16 (m, QMI_ENDIAN_LITTLE, a, NULL));
  g_assert_true (qmi_message_tlv_write_guint16 (m, QMI_ENDIAN_LITTLE, b, NULL));
  g_assert_true (qmi_message_tlv_write_complete (m, off, NULL));
  if (token) {
    off = qmi_message_tlv_write_init (m, message_id == RT ? 0x10 : 0x11, NULL);
    g_assert_true (qmi_message_tlv_write_guint32 (m, QMI_ENDIAN_LITTLE, 7, NULL));
    g_assert_true (qmi_message_tlv_write_complete (m, off, NULL));
  }
  return m;
}

static void
request_info (guint16 message_id, guint16 file_id, guint16 a, guint16 b, IdgQmiRequestInfo *req)
{
  g_autoptr(QmiMessage) m = file_request (message_id, file_id, a, b, FALSE);
  IdgGuard g;

  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "t");
  g_assert_cmpint (idg_qmi_filter_request (m->data, m->len, &g, req), ==, IDG_QMI_VERDICT_PASS);
  g_assert_true (req->has_file);
  g_assert_cmpuint (req->file_id, ==, file_id);
}

static QmiMessage *
build_ef_iccid (IdgQmiRequestInfo *req)
{
  QmiMessage *m = response_new (QMI_SERVICE_UIM, RT);
  guint8 ef[IDG_EF_ICCID_LEN];
  static const guint8 card_result[] = { 0x90, 0x00 };

  request_info (RT, IDG_QMI_EF_ICCID, 0, 0, req);
  g_assert_true (idg_bcd_encode (ids.iccid, ef, sizeof ef));
  add_bytes (m, 0x10, FALSE, card_result, sizeof card_result);
  add_bytes (m, 0x11, TRUE, ef, sizeof ef);
  return m;
}

static QmiMessage *
build_ef_imsi (IdgQmiRequestInfo *req)
{
  QmiMessage *m = response_new (QMI_SERVICE_UIM, RT);
  guint8 ef[IDG_EF_IMSI_LEN];

  request_info (RT, IDG_QMI_EF_IMSI, 0, 0, req);
  g_assert_true (idg_ef_imsi_encode (ids.imsi, ef));
  add_bytes (m, 0x11, TRUE, ef, sizeof ef);
  return m;
}

#define MSISDN_RECORD 24

static QmiMessage *
build_ef_msisdn (IdgQmiRequestInfo *req)
{
  QmiMessage *m = response_new (QMI_SERVICE_UIM, RR);
  guint8 rec[MSISDN_RECORD];

  /* length 0: the whole record, whose layout is then known */
  request_info (RR, IDG_QMI_EF_MSISDN, 1, 0, req);
  g_assert_cmpuint (req->record_length, ==, 0);
  g_assert_true (idg_ef_msisdn_encode (ids.msisdn, rec, sizeof rec));
  add_bytes (m, 0x11, TRUE, rec, sizeof rec);
  return m;
}

static void
add_slots (QmiMessage *m)
{
  guint8 iccid[IDG_EF_ICCID_LEN];
  guint8 eid[16];
  gsize off, i;

  g_assert_true (idg_bcd_encode (ids.iccid, iccid, sizeof iccid));
  /* EID: BCD, high nibble first */
  for (i = 0; i < 16; i++)
    eid[i] = (guint8) (((ids.eid[2 * i] - '0') << 4) | (ids.eid[2 * i + 1] - '0'));

  off = qmi_message_tlv_write_init (m, 0x10, NULL);
  g_assert_true (qmi_message_tlv_write_guint8 (m, 2, NULL));      /* 2 slots */
  /* slot 1: card present, slot active */
  g_assert_true (qmi_message_tlv_write_guint32 (m, QMI_ENDIAN_LITTLE, 2, NULL));
  g_assert_true (qmi_message_tlv_write_guint32 (m, QMI_ENDIAN_LITTLE, 1, NULL));
  g_assert_true (qmi_message_tlv_write_guint8 (m, 1, NULL));
  g_assert_true (qmi_message_tlv_write_guint8 (m, sizeof iccid, NULL));
  for (i = 0; i < sizeof iccid; i++)
    g_assert_true (qmi_message_tlv_write_guint8 (m, iccid[i], NULL));
  /* slot 2: empty */
  g_assert_true (qmi_message_tlv_write_guint32 (m, QMI_ENDIAN_LITTLE, 1, NULL));
  g_assert_true (qmi_message_tlv_write_guint32 (m, QMI_ENDIAN_LITTLE, 0, NULL));
  g_assert_true (qmi_message_tlv_write_guint8 (m, 0, NULL));
  g_assert_true (qmi_message_tlv_write_guint8 (m, 0, NULL));
  g_assert_true (qmi_message_tlv_write_complete (m, off, NULL));

  off = qmi_message_tlv_write_init (m, 0x12, NULL);
  g_assert_true (qmi_message_tlv_write_guint8 (m, 2, NULL));
  g_assert_true (qmi_message_tlv_write_guint8 (m, sizeof eid, NULL));
  for (i = 0; i < sizeof eid; i++)
    g_assert_true (qmi_message_tlv_write_guint8 (m, eid[i], NULL));
  g_assert_true (qmi_message_tlv_write_guint8 (m, 0, NULL));
  g_assert_true (qmi_message_tlv_write_complete (m, off, NULL));
}

static QmiMessage *
build_slot_status (IdgQmiRequestInfo *req)
{
  QmiMessage *m = response_new (QMI_SERVICE_UIM, 0x0047);

  add_slots (m);
  return m;
}

static QmiMessage *
build_slot_status_ind (IdgQmiRequestInfo *req)
{
  QmiMessage *m = indication_new (QMI_SERVICE_UIM, 0x0048);

  add_slots (m);
  return m;
}

/*****************************************************************************/
/* Reading the identifier back out of a (filtered) frame, as a client would */

static const guint8 *
tlv (QmiMessage *m, guint8 type, guint16 *len)
{
  g_autoptr(GByteArray) copy = g_byte_array_sized_new (m->len);
  g_autoptr(QmiMessage) parsed = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *v;

  /* the filtered frame must still be a valid QMI message */
  g_byte_array_append (copy, m->data, m->len);
  parsed = qmi_message_new_from_raw (copy, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  v = qmi_message_get_raw_tlv (m, type, len);
  g_assert_nonnull (v);
  return v;
}

static gchar *
ascii_tlv (QmiMessage *m, guint8 type)
{
  guint16 n = 0;
  const guint8 *v = tlv (m, type, &n);

  return g_strndup ((const gchar *) v, n);
}

static gchar *extract_esn (QmiMessage *m)    { return ascii_tlv (m, 0x10); }
static gchar *extract_imei (QmiMessage *m)   { return ascii_tlv (m, 0x11); }
static gchar *extract_meid (QmiMessage *m)   { return ascii_tlv (m, 0x12); }
static gchar *extract_imeisv (QmiMessage *m) { return ascii_tlv (m, 0x13); }
static gchar *extract_tlv1 (QmiMessage *m)   { return ascii_tlv (m, 0x01); }
static gchar *extract_msisdn_imsi (QmiMessage *m) { return ascii_tlv (m, 0x11); }

static gchar *
extract_ef_iccid (QmiMessage *m)
{
  guint16 n = 0;
  const guint8 *v = tlv (m, 0x11, &n);
  gchar out[32];

  g_assert_cmpuint (n, ==, 2 + IDG_EF_ICCID_LEN);
  g_assert_cmpint (idg_bcd_decode (v + 2, n - 2, out, sizeof out), >, 0);
  return g_strdup (out);
}

typedef gssize (*Decode) (const guint8 *in, gsize len, gchar *out, gsize out_size);

static gchar *
file_value (QmiMessage *m, Decode decode)
{
  guint16 n = 0;
  const guint8 *v = tlv (m, 0x11, &n);
  gchar out[32];
  gssize k;

  g_assert_cmpuint (n, >=, 2);
  k = decode (v + 2, n - 2, out, sizeof out);
  g_assert_cmpint (k, >, 0);
  out[k] = '\0';
  return g_strdup (out);
}

static gchar *extract_ef_imsi (QmiMessage *m)   { return file_value (m, idg_ef_imsi_decode); }
static gchar *extract_ef_msisdn (QmiMessage *m) { return file_value (m, idg_ef_msisdn_decode); }

static gchar *
extract_slot_iccid (QmiMessage *m)
{
  guint16 n = 0;
  const guint8 *v = tlv (m, 0x10, &n);
  gchar out[32];

  g_assert_cmpuint (v[0], ==, 2);
  g_assert_cmpuint (v[10], ==, IDG_EF_ICCID_LEN);
  g_assert_cmpint (idg_bcd_decode (v + 11, v[10], out, sizeof out), >, 0);
  return g_strdup (out);
}

static gchar *
extract_slot_eid (QmiMessage *m)
{
  guint16 n = 0;
  const guint8 *v = tlv (m, 0x12, &n);
  gchar out[33];
  guint i;

  g_assert_cmpuint (v[0], ==, 2);
  g_assert_cmpuint (v[1], ==, 16);
  for (i = 0; i < 16; i++) {
    out[2 * i] = (gchar) ('0' + (v[2 + i] >> 4));
    out[2 * i + 1] = (gchar) ('0' + (v[2 + i] & 0x0F));
  }
  out[32] = '\0';
  return g_strdup (out);
}

typedef struct {
  const gchar  *name;
  IdgKind       kind;
  gsize         real_offset;   /* offsetof (Ids, field) */
  QmiMessage *(*build)   (IdgQmiRequestInfo *req);
  gchar      *(*extract) (QmiMessage *m);
} Row;

#define F(field) G_STRUCT_OFFSET (Ids, field)

static const Row rows[] = {
  { "dms-get-ids/esn",          IDG_KIND_ESN,    F (esn),    build_get_ids,         extract_esn },
  { "dms-get-ids/imei",         IDG_KIND_IMEI,   F (imei),   build_get_ids,         extract_imei },
  { "dms-get-ids/meid",         IDG_KIND_MEID,   F (meid),   build_get_ids,         extract_meid },
  { "dms-get-ids/imeisv",       IDG_KIND_IMEISV, F (imeisv), build_get_ids,         extract_imeisv },
  { "dms-get-msisdn",           IDG_KIND_MSISDN, F (msisdn), build_msisdn,          extract_tlv1 },
  { "dms-get-msisdn/imsi",      IDG_KIND_IMSI,   F (imsi),   build_msisdn,          extract_msisdn_imsi },
  { "dms-uim-get-iccid",        IDG_KIND_ICCID,  F (iccid),  build_dms_iccid,       extract_tlv1 },
  { "dms-uim-get-imsi",         IDG_KIND_IMSI,   F (imsi),   build_dms_imsi,        extract_tlv1 },
  { "uim-read-transparent/iccid", IDG_KIND_ICCID, F (iccid), build_ef_iccid,        extract_ef_iccid },
  { "uim-read-transparent/imsi", IDG_KIND_IMSI,  F (imsi),   build_ef_imsi,         extract_ef_imsi },
  { "uim-read-record/msisdn",   IDG_KIND_MSISDN, F (msisdn), build_ef_msisdn,       extract_ef_msisdn },
  { "uim-get-slot-status/iccid", IDG_KIND_ICCID, F (iccid),  build_slot_status,     extract_slot_iccid },
  { "uim-get-slot-status/eid",  IDG_KIND_EID,    F (eid),    build_slot_status,     extract_slot_eid },
  { "uim-slot-status-ind/iccid", IDG_KIND_ICCID, F (iccid),  build_slot_status_ind, extract_slot_iccid },
  { "uim-slot-status-ind/eid",  IDG_KIND_EID,    F (eid),    build_slot_status_ind, extract_slot_eid },
};

static const gchar *
real_value (const Row *row)
{
  return (const gchar *) &ids + row->real_offset;
}

/* Runs one row through the filter; returns what the client reads. */
static gchar *
run_row (const Row *row, guint32 allowed, IdgPolicy policy, const gchar *service, IdgGuard *g)
{
  IdgQmiRequestInfo req = { 0 };
  g_autoptr(QmiMessage) m = row->build (&req);
  gsize len = m->len;
  g_autofree gchar *before = row->extract (m);

  g_assert_cmpstr (before, ==, real_value (row));
  idg_guard_init (g, allowed, policy, secret, service);
  g_assert_cmpint (idg_qmi_filter_response (m->data, m->len, req.has_file ? &req : NULL, g), ==,
                   IDG_QMI_VERDICT_PASS);
  g_assert_cmpuint (m->len, ==, len);
  return row->extract (m);
}

static void
check_shape (const Row *row, const gchar *out)
{
  const gchar *real = real_value (row);
  gsize n = strlen (real);

  g_assert_cmpuint (strlen (out), ==, n);
  g_assert_cmpstr (out, !=, real);
  if (row->kind == IDG_KIND_IMEI || row->kind == IDG_KIND_ICCID)
    g_assert_true (idg_luhn_valid (out, n));
  if (row->kind == IDG_KIND_EID)
    g_assert_true (idg_eid_valid (out, n));
  if (row->kind == IDG_KIND_MSISDN)
    g_assert_cmpint (out[0], ==, '+');
}

static void
test_redact (gconstpointer data)
{
  const Row *row = data;
  IdgGuard g;
  g_autofree gchar *out = run_row (row, 0, IDG_POLICY_REDACT, "uid:1000", &g);

  check_shape (row, out);
  g_assert_cmpuint (g.tally[row->kind][IDG_DECISION_REWRITE], >=, 1);
  g_assert_cmpuint (g.tally[row->kind][IDG_DECISION_RELEASE], ==, 0);
  /* everything else but the kind: still hidden */
  g_free (g_steal_pointer (&out));
  out = run_row (row, IDG_KIND_MASK_ALL & ~IDG_KIND_BIT (row->kind), IDG_POLICY_REDACT, "uid:1000", &g);
  check_shape (row, out);
}

static void
test_pseudonym (gconstpointer data)
{
  const Row *row = data;
  IdgGuard g;
  g_autofree gchar *a = run_row (row, 0, IDG_POLICY_PSEUDONYM, "unit:a.service", &g);
  g_autofree gchar *b = run_row (row, 0, IDG_POLICY_PSEUDONYM, "unit:a.service", &g);
  g_autofree gchar *c = run_row (row, 0, IDG_POLICY_PSEUDONYM, "unit:b.service", &g);

  check_shape (row, a);
  check_shape (row, c);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
}

static void
test_allowed (gconstpointer data)
{
  const Row *row = data;
  IdgGuard g;
  g_autofree gchar *out = run_row (row, IDG_KIND_BIT (row->kind), IDG_POLICY_REDACT, "uid:0", &g);

  g_assert_cmpstr (out, ==, real_value (row));
  g_assert_cmpuint (g.tally[row->kind][IDG_DECISION_RELEASE], >=, 1);
  g_assert_cmpuint (g.tally[row->kind][IDG_DECISION_REWRITE], ==, 0);
}

/*****************************************************************************/
/* A captured vector: the DMS Get IDs response of a real modem, from libqmi's
 * public test suite (linux-mobile-broadband/libqmi,
 * src/libqmi-glib/test/test-generated.c, test_generated_dms_get_ids). Its
 * values: ESN 80997874, IMEI 359225050039973, MEID 35922505003997, and a
 * one-byte TLV 0x13. */
static const guint8 captured_get_ids[] = {
  0x01,
  0x45, 0x00, 0x80, 0x02, 0x01,
  0x02, 0xFF, 0xFF, 0x25, 0x00, 0x39, 0x00, 0x02,
  0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x01,
  0x00, 0x42, 0x12, 0x0E, 0x00, 0x33, 0x35, 0x39,
  0x32, 0x32, 0x35, 0x30, 0x35, 0x30, 0x30, 0x33,
  0x39, 0x39, 0x37, 0x10, 0x08, 0x00, 0x38, 0x30,
  0x39, 0x39, 0x37, 0x38, 0x37, 0x34, 0x11, 0x0F,
  0x00, 0x33, 0x35, 0x39, 0x32, 0x32, 0x35, 0x30,
  0x35, 0x30, 0x30, 0x33, 0x39, 0x39, 0x37, 0x33
};

static void
test_captured_get_ids (void)
{
  guint8 frame[sizeof captured_get_ids];
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  g_autoptr(QmiMessage) m = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *v;
  guint16 n = 0;
  IdgGuard g;

  memcpy (frame, captured_get_ids, sizeof frame);
  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "uid:1000");
  g_assert_cmpint (idg_qmi_filter_response (frame, sizeof frame, NULL, &g), ==, IDG_QMI_VERDICT_PASS);
  g_byte_array_append (raw, frame, sizeof frame);
  m = qmi_message_new_from_raw (raw, &error);
  g_assert_no_error (error);
  v = qmi_message_get_raw_tlv (m, 0x11, &n);
  g_assert_cmpuint (n, ==, 15);
  g_assert_cmpmem (v, 15, "000000000000000", 15);
  v = qmi_message_get_raw_tlv (m, 0x10, &n);
  g_assert_cmpmem (v, n, "00000000", 8);
  v = qmi_message_get_raw_tlv (m, 0x12, &n);
  g_assert_cmpmem (v, n, "00000000000000", 14);
  /* the one-byte IMEI SV TLV is rewritten too; unknown bytes elsewhere stay */
  v = qmi_message_get_raw_tlv (m, 0x13, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (v[0], !=, 0x42);
  g_assert_cmpmem (frame, 22, captured_get_ids, 22);
  g_assert_cmpuint (g.tally[IDG_KIND_IMEI][IDG_DECISION_REWRITE], ==, 1);

  /* consented: byte for byte what the modem said */
  memcpy (frame, captured_get_ids, sizeof frame);
  idg_guard_init (&g, IDG_KIND_MASK_ALL, IDG_POLICY_REDACT, NULL, "uid:0");
  g_assert_cmpint (idg_qmi_filter_response (frame, sizeof frame, NULL, &g), ==, IDG_QMI_VERDICT_PASS);
  g_assert_cmpmem (frame, sizeof frame, captured_get_ids, sizeof captured_get_ids);
}

/*****************************************************************************/
/* Requests: raw SIM access */

typedef struct {
  const gchar *name;
  guint16      message_id;
} RawRow;

static const RawRow raw_rows[] = {
  { "send-apdu",            0x003B },
  { "logical-channel",      0x003F },
  { "open-logical-channel", 0x0042 },
};

static void
test_raw_refused (gconstpointer data)
{
  const RawRow *row = data;
  g_autoptr(QmiMessage) m = qmi_message_new (QMI_SERVICE_UIM, 5, 0x0BCD, row->message_id);
  static const guint8 apdu[] = { 0x00, 0xB0, 0x00, 0x00, 0x0A };
  g_autoptr(GByteArray) rsp = NULL;
  g_autoptr(QmiMessage) parsed = NULL;
  g_autoptr(GError) error = NULL;
  IdgQmiRequestInfo info;
  const guint8 *v;
  guint16 n = 0;
  IdgGuard g;

  add_bytes (m, 0x01, FALSE, apdu, 1);
  add_bytes (m, 0x02, TRUE, apdu, sizeof apdu);

  /* every kind but one SIM kind: still refused */
  idg_guard_init (&g, IDG_KIND_MASK_ALL & ~IDG_KIND_BIT (IDG_KIND_EID), IDG_POLICY_REDACT, NULL, "uid:1000");
  g_assert_cmpint (idg_qmi_filter_request (m->data, m->len, &g, &info), ==, IDG_QMI_VERDICT_REFUSE);
  g_assert_cmpuint (info.error, ==, QMI_PROTOCOL_ERROR_ACCESS_DENIED);
  g_assert_cmpuint (g.tally[IDG_GUARD_SLOT_RAW_SIM][IDG_DECISION_REFUSE], ==, 1);

  /* the answer: a proper QMI error response with the client's transaction */
  rsp = idg_qmi_filter_error_response (m->data, m->len, info.error);
  g_assert_nonnull (rsp);
  parsed = qmi_message_new_from_raw (rsp, &error);
  g_assert_no_error (error);
  g_assert_true (qmi_message_is_response (parsed));
  g_assert_cmpuint (qmi_message_get_service (parsed), ==, QMI_SERVICE_UIM);
  g_assert_cmpuint (qmi_message_get_client_id (parsed), ==, 5);
  g_assert_cmpuint (qmi_message_get_transaction_id (parsed), ==, 0x0BCD);
  g_assert_cmpuint (qmi_message_get_message_id (parsed), ==, row->message_id);
  v = qmi_message_get_raw_tlv (parsed, 0x02, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpuint (v[0] | (v[1] << 8), ==, 1);
  g_assert_cmpuint (v[2] | (v[3] << 8), ==, QMI_PROTOCOL_ERROR_ACCESS_DENIED);

  /* every SIM kind: let through */
  idg_guard_init (&g, IDG_KIND_MASK_SIM, IDG_POLICY_REDACT, NULL, "uid:0");
  g_assert_cmpint (idg_qmi_filter_request (m->data, m->len, &g, &info), ==, IDG_QMI_VERDICT_PASS);
  g_assert_cmpuint (g.tally[IDG_GUARD_SLOT_RAW_SIM][IDG_DECISION_RELEASE], ==, 1);
}

static void
test_request_files (void)
{
  IdgQmiRequestInfo info;
  IdgGuard g;

  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "uid:1000");
  {
    /* a plain read of any file passes; its EF is remembered */
    g_autoptr(QmiMessage) m = file_request (RT, 0x6FAD, 0, 0, FALSE);

    g_assert_cmpint (idg_qmi_filter_request (m->data, m->len, &g, &info), ==, IDG_QMI_VERDICT_PASS);
    g_assert_true (info.has_file);
    g_assert_cmpuint (info.file_id, ==, 0x6FAD);
    g_assert_cmpuint (info.transaction_id, ==, 0x1234);
    g_assert_cmpuint (info.client_id, ==, 3);
  }
  {
    /* an answer in an indication could not be matched to its file */
    g_autoptr(QmiMessage) m = file_request (RR, IDG_QMI_EF_MSISDN, 1, 24, TRUE);

    g_assert_cmpint (idg_qmi_filter_request (m->data, m->len, &g, &info), ==, IDG_QMI_VERDICT_REFUSE);
    g_assert_cmpuint (info.error, ==, QMI_PROTOCOL_ERROR_ACCESS_DENIED);
  }
  {
    /* no file TLV at all */
    g_autoptr(QmiMessage) m = qmi_message_new (QMI_SERVICE_UIM, 3, 9, RT);

    g_assert_cmpint (idg_qmi_filter_request (m->data, m->len, &g, &info), ==, IDG_QMI_VERDICT_REFUSE);
    g_assert_cmpuint (info.error, ==, QMI_PROTOCOL_ERROR_MALFORMED_MESSAGE);
  }
  {
    /* DMS requests and responses posing as requests */
    g_autoptr(QmiMessage) m = qmi_message_new (QMI_SERVICE_DMS, 3, 9, 0x0025);

    g_assert_cmpint (idg_qmi_filter_request (m->data, m->len, &g, &info), ==, IDG_QMI_VERDICT_PASS);
    m->data[3] = 0x80;
    g_assert_cmpint (idg_qmi_filter_request (m->data, m->len, &g, &info), ==, IDG_QMI_VERDICT_DROP);
  }
}

/* A file read whose request is not known: scrubbed unless every SIM kind is
 * allowed; a non-identifier EF passes untouched. */
static void
test_file_context (void)
{
  IdgQmiRequestInfo req = { 0 };
  g_autoptr(QmiMessage) m = build_ef_iccid (&req);
  g_autoptr(GByteArray) orig = g_byte_array_new ();
  IdgQmiRequestInfo other;
  IdgGuard g;
  guint16 n = 0;
  const guint8 *v;

  g_byte_array_append (orig, m->data, m->len);
  idg_guard_init (&g, IDG_KIND_MASK_SIM, IDG_POLICY_REDACT, NULL, "uid:0");
  g_assert_cmpint (idg_qmi_filter_response (m->data, m->len, NULL, &g), ==, IDG_QMI_VERDICT_PASS);
  g_assert_cmpmem (m->data, m->len, orig->data, orig->len);

  idg_guard_init (&g, IDG_KIND_BIT (IDG_KIND_ICCID), IDG_POLICY_REDACT, NULL, "uid:1000");
  g_assert_cmpint (idg_qmi_filter_response (m->data, m->len, NULL, &g), ==, IDG_QMI_VERDICT_PASS);
  v = qmi_message_get_raw_tlv (m, 0x11, &n);
  g_assert_cmpuint (n, ==, 12);
  g_assert_cmpuint (v[2], ==, 0xFF);
  g_assert_cmpuint (v[11], ==, 0xFF);
  g_assert_cmpuint (g.tally[IDG_GUARD_SLOT_RAW_SIM][IDG_DECISION_REWRITE], ==, 1);

  /* a context for another message does not apply */
  memcpy (m->data, orig->data, orig->len);
  other = req;
  other.message_id = RR;
  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "uid:1000");
  g_assert_cmpint (idg_qmi_filter_response (m->data, m->len, &other, &g), ==, IDG_QMI_VERDICT_PASS);
  v = qmi_message_get_raw_tlv (m, 0x11, &n);
  g_assert_cmpuint (v[2], ==, 0xFF);

  /* EF_AD is not an identifier file: untouched */
  memcpy (m->data, orig->data, orig->len);
  other = req;
  other.file_id = 0x6FAD;
  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "uid:1000");
  g_assert_cmpint (idg_qmi_filter_response (m->data, m->len, &other, &g), ==, IDG_QMI_VERDICT_PASS);
  g_assert_cmpmem (m->data, m->len, orig->data, orig->len);
  g_assert_true (idg_guard_empty (&g));
}

static void
test_unknown_passes (void)
{
  g_autoptr(QmiMessage) m = response_new (QMI_SERVICE_DMS, 0x0025);
  g_autoptr(QmiMessage) nas = response_new (QMI_SERVICE_NAS, 0x0024);
  g_autoptr(GByteArray) orig = g_byte_array_new ();
  IdgGuard g;

  add_string (m, 0x11, ids.imei);
  add_string (m, 0x20, ids.imsi);     /* unknown TLV: left alone */
  g_byte_array_append (orig, m->data, m->len);
  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "uid:1000");
  g_assert_cmpint (idg_qmi_filter_response (m->data, m->len, NULL, &g), ==, IDG_QMI_VERDICT_PASS);
  g_assert_cmpmem (m->data + m->len - 18, 18, orig->data + orig->len - 18, 18);
  g_assert_true (memcmp (m->data, orig->data, orig->len) != 0);

  add_string (nas, 0x10, "operator");
  g_byte_array_set_size (orig, 0);
  g_byte_array_append (orig, nas->data, nas->len);
  g_assert_cmpint (idg_qmi_filter_response (nas->data, nas->len, NULL, &g), ==, IDG_QMI_VERDICT_PASS);
  g_assert_cmpmem (nas->data, nas->len, orig->data, orig->len);
}

/*****************************************************************************/
/* Malformed frames: dropped, never delivered, never a crash */

static void
check_dropped (const guint8 *data, gsize len)
{
  g_autofree guint8 *copy = g_memdup2 (data, len);
  IdgQmiRequestInfo info;
  IdgGuard g;

  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "uid:1000");
  g_assert_cmpint (idg_qmi_filter_response (copy, len, NULL, &g), ==, IDG_QMI_VERDICT_DROP);
  g_assert_cmpint (idg_qmi_filter_request (data, len, &g, &info), ==, IDG_QMI_VERDICT_DROP);
}

/* the tail of build_slot_status(): TLV 0x10 (count, a slot with an ICCID,
 * an empty slot), TLV 0x12 (count, a 16-byte EID, an empty one) */
#define SLOTS_VALUE (1 + (4 + 4 + 1 + 1 + IDG_EF_ICCID_LEN) + (4 + 4 + 1 + 1))
#define EID_TLV     (3 + 1 + 1 + 16 + 1)

static void
test_malformed (void)
{
  IdgQmiRequestInfo req = { 0 };
  g_autoptr(QmiMessage) ids_msg = build_get_ids (&req);
  g_autoptr(QmiMessage) ef = build_ef_iccid (&req);
  g_autoptr(QmiMessage) slots = build_slot_status (&req);
  g_autoptr(GByteArray) b = g_byte_array_new ();
  static const guint8 tiny[] = { 0x01, 0x05, 0x00 };
  IdgGuard g;
  gsize i;

  check_dropped (tiny, 0);
  check_dropped (tiny, 1);
  check_dropped (tiny, sizeof tiny);

  /* every truncation of a Get IDs response */
  for (i = 0; i < ids_msg->len; i++)
    check_dropped (ids_msg->data, i);

  /* a lying QMUX length */
  g_byte_array_append (b, ids_msg->data, ids_msg->len);
  b->data[1]++;
  check_dropped (b->data, b->len);
  /* a lying TLV length: the IMEI TLV claims more than there is */
  g_byte_array_set_size (b, 0);
  g_byte_array_append (b, ids_msg->data, ids_msg->len);
  b->data[b->len - 3 - strlen (ids.imeisv) + 1] = 0xFF;
  check_dropped (b->data, b->len);
  /* a compound SDU */
  g_byte_array_set_size (b, 0);
  g_byte_array_append (b, ids_msg->data, ids_msg->len);
  b->data[6] |= 0x01;
  check_dropped (b->data, b->len);
  /* wrong marker */
  g_byte_array_set_size (b, 0);
  g_byte_array_append (b, ids_msg->data, ids_msg->len);
  b->data[0] = 0x02;
  check_dropped (b->data, b->len);

  /* the file bytes' own length lies */
  g_byte_array_set_size (b, 0);
  g_byte_array_append (b, ef->data, ef->len);
  b->data[b->len - IDG_EF_ICCID_LEN - 2] = IDG_EF_ICCID_LEN + 1;
  idg_guard_init (&g, 0, IDG_POLICY_REDACT, NULL, "uid:1000");
  g_assert_cmpint (idg_qmi_filter_response (b->data, b->len, &req, &g), ==, IDG_QMI_VERDICT_DROP);

  /* slot status: one slot more than there is; an ICCID longer than the TLV */
  g_byte_array_set_size (b, 0);
  g_byte_array_append (b, slots->data, slots->len);
  b->data[slots->len - EID_TLV - SLOTS_VALUE] = 3;
  g_assert_cmpint (idg_qmi_filter_response (b->data, b->len, NULL, &g), ==, IDG_QMI_VERDICT_DROP);
  g_byte_array_set_size (b, 0);
  g_byte_array_append (b, slots->data, slots->len);
  b->data[slots->len - EID_TLV - SLOTS_VALUE + 1 + 9] = 200;
  g_assert_cmpint (idg_qmi_filter_response (b->data, b->len, NULL, &g), ==, IDG_QMI_VERDICT_DROP);
  /* EID length lies */
  g_byte_array_set_size (b, 0);
  g_byte_array_append (b, slots->data, slots->len);
  b->data[slots->len - EID_TLV + 3 + 1] = 17;
  g_assert_cmpint (idg_qmi_filter_response (b->data, b->len, NULL, &g), ==, IDG_QMI_VERDICT_DROP);

  g_assert_null (idg_qmi_filter_error_response (tiny, sizeof tiny, 0x52));
}

int
main (int argc, char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  make_ids ();
  for (i = 0; i < sizeof secret; i++)
    secret[i] = (guint8) g_random_int ();

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autofree gchar *redact = g_strdup_printf ("/qmi/filter/redact/%s", rows[i].name);
    g_autofree gchar *pseudo = g_strdup_printf ("/qmi/filter/pseudonym/%s", rows[i].name);
    g_autofree gchar *allowed = g_strdup_printf ("/qmi/filter/allowed/%s", rows[i].name);

    g_test_add_data_func (redact, &rows[i], test_redact);
    g_test_add_data_func (pseudo, &rows[i], test_pseudonym);
    g_test_add_data_func (allowed, &rows[i], test_allowed);
  }
  for (i = 0; i < G_N_ELEMENTS (raw_rows); i++) {
    g_autofree gchar *path = g_strdup_printf ("/qmi/filter/raw-sim/%s", raw_rows[i].name);

    g_test_add_data_func (path, &raw_rows[i], test_raw_refused);
  }
  g_test_add_func ("/qmi/filter/captured/dms-get-ids", test_captured_get_ids);
  g_test_add_func ("/qmi/filter/request/files", test_request_files);
  g_test_add_func ("/qmi/filter/file-context", test_file_context);
  g_test_add_func ("/qmi/filter/unknown-passes", test_unknown_passes);
  g_test_add_func ("/qmi/filter/malformed", test_malformed);
  return g_test_run ();
}
