/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the simulator's pure parts: identifier file, SIM files,
 * APDUs, QMI/MBIM/AT engines (replies checked with libqmi/libmbim's own
 * parsers where they are public), control commands, bad input. */
#include <string.h>
#include "idg-encoding.h"
#include "sim-apdu.h"
#include "sim-at.h"
#include "sim-control.h"
#include "sim-files.h"
#include "sim-ids.h"
#include "sim-mbim-build.h"
#include "sim-mbim.h"
#include "sim-qmi.h"

/* A fixed, valid identifier set for the unit tests. */
static SimIds *
test_ids (void)
{
  g_autoptr(GError) error = NULL;
  SimIds *ids = sim_ids_parse ("imei=356938035643809\n"
                               "imeisv=3569380356438001\n"
                               "esn=8034A0F2\n"
                               "meid=A10000009296F2\n"
                               "imsi=310260123456789\n"
                               "iccid=8901260123456789012\n"
                               "eid=89049032123451234512345678901235\n"
                               "msisdn=+15551234567\n", &error);
  g_assert_no_error (error);
  return ids;
}

static gchar *
hex (const guint8 *data, gsize len)
{
  return idg_hex_encode_dup (data, len);
}

/* ------------------------------------------------------------------------ */

static void
test_ids_parse (void)
{
  static const struct { const gchar *text; gboolean ok; } t[] = {
    { "imei=356938035643809\n", TRUE },
    { "# comment\n\n imsi = 26201123456789 \n", TRUE },
    { "imei=35693803564380\n", FALSE },         /* 14 digits */
    { "imei=35693803564380x\n", FALSE },
    { "esn=8034A0G2\n", FALSE },
    { "msisdn=+\n", FALSE },
    { "msisdn=5551234\n", TRUE },
    { "iccid=890126012345678901234\n", FALSE }, /* 21 digits */
    { "colour=blue\n", FALSE },
    { "imei\n", FALSE },
    { "", TRUE },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (t); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(SimIds) ids = sim_ids_parse (t[i].text, &error);

    g_test_message ("case %u", i);
    g_assert_cmpint (ids != NULL, ==, t[i].ok);
    if (!t[i].ok) {
      g_assert_nonnull (error);
      /* errors name the key or line, never the value */
      g_assert_null (strstr (error->message, "3569380"));
    }
  }
  {
    g_autoptr(SimIds) ids = sim_ids_parse ("imsi=26201123456789\n", NULL);

    g_assert_cmpstr (sim_ids_get (ids, "imsi"), ==, "26201123456789");
    g_assert_null (sim_ids_get (ids, "imei"));
  }
}

static void
test_files (void)
{
  static const guint16 mf[] = { 0x3F00 };
  static const guint16 usim[] = { 0x3F00, 0x7FFF };
  static const guint16 gsm[] = { 0x3F00, 0x7F20 };
  static const guint16 telecom[] = { 0x3F00, 0x7F10 };
  static const struct {
    guint16 id; const guint16 *path; gsize n; SimFile file;
  } lookups[] = {
    { 0x2FE2, mf, 1, SIM_FILE_ICCID },
    { 0x2FE2, usim, 2, SIM_FILE_NONE },
    { 0x6F07, usim, 2, SIM_FILE_IMSI },
    { 0x6F07, gsm, 2, SIM_FILE_IMSI },
    { 0x6F07, mf, 1, SIM_FILE_NONE },
    { 0x6F40, telecom, 2, SIM_FILE_MSISDN },
    { 0x6F40, NULL, 0, SIM_FILE_MSISDN },
    { 0x6FAD, usim, 2, SIM_FILE_AD },
    { 0x6F46, usim, 2, SIM_FILE_NONE },
  };
  static const struct { SimFile file; const gchar *hex; } contents[] = {
    { SIM_FILE_ICCID,  "981062103254769810F2" },
    { SIM_FILE_IMSI,   "083901621032547698" },
    { SIM_FILE_AD,     "00000003" },
    { SIM_FILE_MSISDN, "FFFFFFFFFFFFFFFFFFFFFFFFFFFF07915155214365F7FFFFFFFFFFFF" },
  };
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimIds) empty = sim_ids_new_empty ();
  guint8 out[SIM_FILE_MAX_LEN];
  guint8 eid[16];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (lookups); i++)
    g_assert_cmpint (sim_files_lookup (lookups[i].id, lookups[i].path, lookups[i].n), ==, lookups[i].file);
  for (i = 0; i < G_N_ELEMENTS (contents); i++) {
    gsize n = sim_files_content (ids, contents[i].file, out);
    g_autofree gchar *h = hex (out, n);

    g_assert_cmpstr (h, ==, contents[i].hex);
  }
  g_assert_cmpuint (sim_files_content (empty, SIM_FILE_ICCID, out), ==, 0);
  g_assert_cmpuint (sim_files_content (empty, SIM_FILE_IMSI, out), ==, 0);
  g_assert_cmpuint (sim_files_mnc_length ("26201123456789"), ==, 2);
  g_assert_true (sim_files_eid_bcd (ids->eid, eid));
  {
    g_autofree gchar *h = hex (eid, sizeof eid);

    g_assert_cmpstr (h, ==, ids->eid);   /* plain BCD reads as the digits */
  }
  g_assert_false (sim_files_eid_bcd ("8904", eid));
}

static void
test_apdu (void)
{
  static const struct { const gchar *apdu; const gchar *resp; } t[] = {
    { "00A40004022FE2", "6111" },
    { "00C0000011", "620F8202412183022FE28002000A8A0105" "9000" },
    { "00B000000A", "981062103254769810F2" "9000" },
    { "00B0000004", "98106210" "9000" },
    { "00A40004026F07", "6A82" },                 /* not under the MF */
    { "00A4040C07A0000000871002", "9000" },       /* the USIM ADF */
    { "00A40004026F07", "6111" },
    { "00B0000009", "083901621032547698" "9000" },
    { "00B2010400", "6981" },
    { "00A40804047FFF6F40", "6114" },
    { "00B201041C", "FFFFFFFFFFFFFFFFFFFFFFFFFFFF07915155214365F7FFFFFFFFFFFF" "9000" },
    { "0020000100", "63C3" },
    { "002C000100", "63CA" },
    { "00FF000000", "6D00" },
    { "FF", "6700" },
    { "F0A4000000", "6E00" },
    { "00A4000402", "6700" },
  };
  g_autoptr(SimIds) ids = test_ids ();
  SimApdu state;
  guint i;

  sim_apdu_init (&state);
  for (i = 0; i < G_N_ELEMENTS (t); i++) {
    guint8 apdu[64], resp[SIM_APDU_MAX_RESPONSE];
    gssize n = idg_hex_decode (t[i].apdu, strlen (t[i].apdu), apdu, sizeof apdu);
    gsize rlen;
    g_autofree gchar *h = NULL;

    g_assert_cmpint (n, >, 0);
    rlen = sim_apdu_process (&state, ids, apdu, (gsize) n, resp);
    h = hex (resp, rlen);
    g_assert_cmpstr (h, ==, t[i].resp);
  }
}

/* Information buffer layout: offsets from the buffer start, UTF-16LE
 * strings padded to 4 bytes, empty values as 0/0, swapped pairs. */
static void
test_mbim_builder (void)
{
  static const struct { const gchar *value; const gchar *hex; } t[] = {
    { NULL,  "2A000000" "00000000" "00000000" },
    { "",    "2A000000" "00000000" "00000000" },
    { "1",   "2A000000" "0C000000" "02000000" "31000000" },
    { "12",  "2A000000" "0C000000" "04000000" "31003200" },
    { "+49", "2A000000" "0C000000" "06000000" "2B00340039000000" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (t); i++) {
    SimMbimBuilder b;
    g_autoptr(GByteArray) info = NULL;
    g_autofree gchar *h = NULL;

    sim_mbim_builder_init (&b);
    sim_mbim_builder_u32 (&b, 42);
    sim_mbim_builder_string (&b, t[i].value);
    info = sim_mbim_builder_finish (&b);
    h = hex (info->data, info->len);
    g_assert_cmpstr (h, ==, t[i].hex);
  }
  {
    static const guint8 data[] = { 0xAA, 0xBB, 0xCC };
    SimMbimBuilder b;
    g_autoptr(GByteArray) info = NULL;
    g_autofree gchar *h = NULL;
    const guint8 *p = NULL;
    guint32 n = 0, v = 0;

    sim_mbim_builder_init (&b);
    sim_mbim_builder_bytes (&b, data, sizeof data);
    sim_mbim_builder_bytes_swapped (&b, data, 2);
    info = sim_mbim_builder_finish (&b);
    h = hex (info->data, info->len);
    g_assert_cmpstr (h, ==, "10000000" "03000000" "02000000" "14000000" "AABBCC00" "AABB0000");
    g_assert_true (sim_mbim_info_ref (info->data, info->len, 0, FALSE, &p, &n));
    g_assert_cmpmem (p, n, data, sizeof data);
    g_assert_true (sim_mbim_info_ref (info->data, info->len, 8, TRUE, &p, &n));
    g_assert_cmpmem (p, n, data, 2);
    /* out of bounds: the pair itself, or the data it points to */
    g_assert_false (sim_mbim_info_ref (info->data, info->len, info->len - 4, FALSE, &p, &n));
    g_assert_false (sim_mbim_info_ref (info->data, 0x12, 0, FALSE, &p, &n));
    g_assert_false (sim_mbim_info_u32 (info->data, info->len, info->len - 3, &v));
    g_assert_true (sim_mbim_info_u32 (info->data, info->len, 4, &v));
    g_assert_cmpuint (v, ==, 3);
  }
}

/* ------------------------------------------------------------------------ */
/* QMI */

static QmiMessage *
qmi_roundtrip (SimQmi *qmi, QmiMessage *req)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize len = 0;
  const guint8 *raw = qmi_message_get_raw (req, &len, NULL);
  QmiMessage *rsp;

  sim_qmi_feed (qmi, raw, len, out);
  if (out->len == 0)
    return NULL;
  rsp = qmi_message_new_from_raw (out, NULL);
  g_assert_nonnull (rsp);
  g_assert_cmpuint (out->len, ==, 0);        /* exactly one message */
  g_assert_true (qmi_message_is_response (rsp));
  g_assert_cmpuint (qmi_message_get_message_id (rsp), ==, qmi_message_get_message_id (req));
  g_assert_cmpuint (qmi_message_get_transaction_id (rsp), ==, qmi_message_get_transaction_id (req));
  return rsp;
}

static guint16
qmi_result (QmiMessage *rsp)
{
  guint16 len = 0;
  const guint8 *r = qmi_message_get_raw_tlv (rsp, 0x02, &len);

  g_assert_nonnull (r);
  g_assert_cmpuint (len, ==, 4);
  g_assert_cmpuint (r[0] | (r[1] << 8), ==, (r[2] | (r[3] << 8)) ? 1 : 0);
  return (guint16) (r[2] | (r[3] << 8));
}

static gchar *
qmi_tlv_string (QmiMessage *rsp, guint8 type)
{
  guint16 len = 0;
  const guint8 *v = qmi_message_get_raw_tlv (rsp, type, &len);

  return v ? g_strndup ((const gchar *) v, len) : NULL;
}

static guint8
qmi_alloc (SimQmi *qmi, QmiService service)
{
  g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_CTL, 0, 1, 0x0022);
  g_autoptr(QmiMessage) rsp = NULL;
  gsize ofs = qmi_message_tlv_write_init (req, 0x01, NULL);
  guint16 len = 0;
  const guint8 *v;

  qmi_message_tlv_write_guint8 (req, service, NULL);
  qmi_message_tlv_write_complete (req, ofs, NULL);
  rsp = qmi_roundtrip (qmi, req);
  g_assert_cmpuint (qmi_result (rsp), ==, 0);
  v = qmi_message_get_raw_tlv (rsp, 0x01, &len);
  g_assert_nonnull (v);
  g_assert_cmpuint (len, ==, 2);
  g_assert_cmpuint (v[0], ==, service);
  g_assert_cmpuint (v[1], !=, 0);
  return v[1];
}

static QmiMessage *
qmi_file_request (guint8 cid, guint16 msg, guint16 file_id, const guint16 *path, guint n_path, guint16 a, guint16 b)
{
  QmiMessage *req = qmi_message_new (QMI_SERVICE_UIM, cid, 7, msg);
  gsize ofs;
  guint i;

  ofs = qmi_message_tlv_write_init (req, 0x01, NULL);
  qmi_message_tlv_write_guint8 (req, 0, NULL);
  qmi_message_tlv_write_guint8 (req, 0, NULL);
  qmi_message_tlv_write_complete (req, ofs, NULL);
  ofs = qmi_message_tlv_write_init (req, 0x02, NULL);
  qmi_message_tlv_write_guint16 (req, QMI_ENDIAN_LITTLE, file_id, NULL);
  qmi_message_tlv_write_guint8 (req, (guint8) (2 * n_path), NULL);
  for (i = 0; i < n_path; i++)
    qmi_message_tlv_write_guint16 (req, QMI_ENDIAN_LITTLE, path[i], NULL);
  qmi_message_tlv_write_complete (req, ofs, NULL);
  ofs = qmi_message_tlv_write_init (req, 0x03, NULL);
  qmi_message_tlv_write_guint16 (req, QMI_ENDIAN_LITTLE, a, NULL);
  qmi_message_tlv_write_guint16 (req, QMI_ENDIAN_LITTLE, b, NULL);
  qmi_message_tlv_write_complete (req, ofs, NULL);
  return req;
}

static gchar *
qmi_read_result (QmiMessage *rsp)
{
  guint16 len = 0;
  const guint8 *v = qmi_message_get_raw_tlv (rsp, 0x11, &len);

  g_assert_nonnull (v);
  g_assert_cmpuint (len, >=, 2);
  g_assert_cmpuint (v[0] | (v[1] << 8), ==, len - 2);
  return hex (v + 2, len - 2U);
}

static void
test_qmi_dms (void)
{
  static const struct { guint16 msg; guint8 tlv; gsize field; } strings[] = {
    { 0x0024, 0x01, G_STRUCT_OFFSET (SimIds, msisdn) },
    { 0x003C, 0x01, G_STRUCT_OFFSET (SimIds, iccid) },
    { 0x0043, 0x01, G_STRUCT_OFFSET (SimIds, imsi) },
    { 0x0025, 0x10, G_STRUCT_OFFSET (SimIds, esn) },
    { 0x0025, 0x11, G_STRUCT_OFFSET (SimIds, imei) },
    { 0x0025, 0x12, G_STRUCT_OFFSET (SimIds, meid) },
    { 0x0025, 0x13, G_STRUCT_OFFSET (SimIds, imeisv) },
  };
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimIds) empty = sim_ids_new_empty ();
  g_autoptr(SimQmi) qmi = sim_qmi_new (ids);
  g_autoptr(SimQmi) qmi_empty = sim_qmi_new (empty);
  guint8 cid = qmi_alloc (qmi, QMI_SERVICE_DMS);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (strings); i++) {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_DMS, cid, (guint16) (100 + i), strings[i].msg);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);
    g_autofree gchar *value = qmi_tlv_string (rsp, strings[i].tlv);

    g_assert_cmpuint (qmi_result (rsp), ==, 0);
    g_assert_cmpstr (value, ==, G_STRUCT_MEMBER (gchar *, ids, strings[i].field));
  }
  /* libqmi's own decoder reads the same IMEI */
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_DMS, cid, 9, 0x0025);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);
    g_autofree gchar *printable = NULL;

    qmi_utils_set_show_personal_info (TRUE);
    printable = qmi_message_get_printable_full (rsp, NULL, "");
    g_assert_nonnull (strstr (printable, ids->imei));
    qmi_utils_set_show_personal_info (FALSE);
  }
  /* not provisioned: an error, no value */
  {
    guint8 cid2 = qmi_alloc (qmi_empty, QMI_SERVICE_DMS);
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_DMS, cid2, 3, 0x0043);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi_empty, req);

    g_assert_cmpuint (qmi_result (rsp), ==, QMI_PROTOCOL_ERROR_NOT_PROVISIONED);
  }
  /* unknown command: INVALID_QMI_COMMAND with a valid result TLV */
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_DMS, cid, 4, 0x5555);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);

    g_assert_cmpuint (qmi_result (rsp), ==, QMI_PROTOCOL_ERROR_INVALID_QMI_COMMAND);
  }
}

/* The NAS service (sim-qmi-nas.c): registered on the test network,
 * decoded by libqmi as ModemManager decodes it. */
static void
test_qmi_nas (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimQmi) qmi = sim_qmi_new (ids);
  guint8 cid = qmi_alloc (qmi, QMI_SERVICE_NAS);

  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_NAS, cid, 20, 0x0024);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);
    g_autofree gchar *printable = qmi_message_get_printable_full (rsp, NULL, "");
    const guint8 *v;
    guint16 len = 0;

    g_assert_cmpuint (qmi_result (rsp), ==, 0);
    v = qmi_message_get_raw_tlv (rsp, 0x01, &len);     /* serving system */
    g_assert_nonnull (v);
    g_assert_cmpuint (len, ==, 6);
    g_assert_cmpuint (v[0], ==, QMI_NAS_REGISTRATION_STATE_REGISTERED);
    g_assert_cmpuint (v[2], ==, QMI_NAS_ATTACH_STATE_ATTACHED);
    g_assert_cmpuint (v[4], ==, 1);
    v = qmi_message_get_raw_tlv (rsp, 0x12, &len);     /* current PLMN */
    g_assert_nonnull (v);
    g_assert_cmpuint (len, ==, 5 + strlen ("idguard-net"));
    g_assert_cmpuint (v[0] | v[2], ==, 1);
    /* libqmi's decoder, which ModemManager uses, reads it whole */
    g_assert_nonnull (strstr (printable, "registration_state = 'registered'"));
    g_assert_nonnull (strstr (printable, "idguard-net"));
  }
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_NAS, cid, 21, 0x0025);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);
    guint16 len = 0;

    g_assert_cmpuint (qmi_result (rsp), ==, 0);
    g_assert_nonnull (qmi_message_get_raw_tlv (rsp, 0x01, &len));
    g_assert_cmpuint (len, ==, 5 + strlen ("idguard-net"));
  }
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_NAS, cid, 22, 0x0020);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);
    const guint8 *v;
    guint16 len = 0;

    g_assert_cmpuint (qmi_result (rsp), ==, 0);
    v = qmi_message_get_raw_tlv (rsp, 0x01, &len);
    g_assert_nonnull (v);
    g_assert_cmpuint (len, ==, 2);
    g_assert_cmpint ((gint8) v[0], <, 0);
  }
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_NAS, cid, 23, 0x0003);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);

    g_assert_cmpuint (qmi_result (rsp), ==, 0);
  }
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_NAS, cid, 24, 0x0034);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);

    g_assert_cmpuint (qmi_result (rsp), ==, QMI_PROTOCOL_ERROR_INVALID_QMI_COMMAND);
  }
}

static void
test_qmi_ctl (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimQmi) qmi = sim_qmi_new (ids);
  guint8 a = qmi_alloc (qmi, QMI_SERVICE_UIM);
  guint8 b = qmi_alloc (qmi, QMI_SERVICE_UIM);

  g_assert_cmpuint (a, !=, b);
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_CTL, 0, 2, 0x0021);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);
    guint16 len = 0;
    const guint8 *v = qmi_message_get_raw_tlv (rsp, 0x01, &len);

    g_assert_nonnull (v);
    g_assert_cmpuint (len, ==, 1 + 5 * v[0]);
  }
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_CTL, 0, 3, 0x0023);
    g_autoptr(QmiMessage) rsp = NULL;
    gsize ofs = qmi_message_tlv_write_init (req, 0x01, NULL);

    qmi_message_tlv_write_guint8 (req, QMI_SERVICE_UIM, NULL);
    qmi_message_tlv_write_guint8 (req, a, NULL);
    qmi_message_tlv_write_complete (req, ofs, NULL);
    rsp = qmi_roundtrip (qmi, req);
    g_assert_cmpuint (qmi_result (rsp), ==, 0);
    g_clear_pointer (&rsp, qmi_message_unref);
    rsp = qmi_roundtrip (qmi, req);         /* twice: no such client */
    g_assert_cmpuint (qmi_result (rsp), ==, QMI_PROTOCOL_ERROR_INVALID_CLIENT_ID);
  }
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_CTL, 0, 4, 0x0022);
    g_autoptr(QmiMessage) rsp = NULL;
    gsize ofs = qmi_message_tlv_write_init (req, 0x01, NULL);

    qmi_message_tlv_write_guint8 (req, 0x42, NULL);
    qmi_message_tlv_write_complete (req, ofs, NULL);
    rsp = qmi_roundtrip (qmi, req);
    g_assert_cmpuint (qmi_result (rsp), ==, QMI_PROTOCOL_ERROR_INVALID_SERVICE_TYPE);
  }
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_CTL, 0, 5, 0xFF00);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);

    g_assert_cmpuint (qmi_result (rsp), ==, 0);
  }
}

static void
test_qmi_uim (void)
{
  static const guint16 mf[] = { 0x3F00 };
  static const guint16 usim[] = { 0x3F00, 0x7FFF };
  static const struct {
    guint16 msg; guint16 id; const guint16 *path; guint n; guint16 a, b;
    guint16 error; const gchar *hex;
  } t[] = {
    { 0x0020, 0x2FE2, mf, 1, 0, 0, 0, "981062103254769810F2" },
    { 0x0020, 0x2FE2, mf, 1, 2, 3, 0, "621032" },
    { 0x0020, 0x6F07, usim, 2, 0, 0, 0, "083901621032547698" },
    { 0x0020, 0x6F07, mf, 1, 0, 0, QMI_PROTOCOL_ERROR_SIM_FILE_NOT_FOUND, NULL },
    { 0x0020, 0x2FE2, mf, 1, 11, 0, QMI_PROTOCOL_ERROR_INVALID_ARGUMENT, NULL },
    { 0x0021, 0x6F40, usim, 2, 1, 28, 0, "FFFFFFFFFFFFFFFFFFFFFFFFFFFF07915155214365F7FFFFFFFFFFFF" },
    { 0x0021, 0x6F40, usim, 2, 2, 28, QMI_PROTOCOL_ERROR_INVALID_ARGUMENT, NULL },
    { 0x0021, 0x6F07, usim, 2, 1, 9, QMI_PROTOCOL_ERROR_SIM_FILE_NOT_FOUND, NULL },
  };
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimQmi) qmi = sim_qmi_new (ids);
  guint8 cid = qmi_alloc (qmi, QMI_SERVICE_UIM);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (t); i++) {
    g_autoptr(QmiMessage) req = qmi_file_request (cid, t[i].msg, t[i].id, t[i].path, t[i].n, t[i].a, t[i].b);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);

    g_assert_cmpuint (qmi_result (rsp), ==, t[i].error);
    if (t[i].hex) {
      g_autofree gchar *h = qmi_read_result (rsp);

      g_assert_cmpstr (h, ==, t[i].hex);
    }
  }
  /* slot status: ICCID in swapped BCD, EID in plain BCD */
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_UIM, cid, 8, 0x0047);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);
    guint16 len = 0;
    const guint8 *v = qmi_message_get_raw_tlv (rsp, 0x10, &len);
    g_autofree gchar *iccid = NULL, *eid = NULL;

    g_assert_nonnull (v);
    g_assert_cmpuint (len, ==, 1 + 4 + 4 + 1 + 1 + 10);
    iccid = hex (v + 11, 10);
    g_assert_cmpstr (iccid, ==, "981062103254769810F2");
    v = qmi_message_get_raw_tlv (rsp, 0x12, &len);
    g_assert_nonnull (v);
    g_assert_cmpuint (len, ==, 2 + 16);
    eid = hex (v + 2, 16);
    g_assert_cmpstr (eid, ==, ids->eid);
    g_assert_nonnull (qmi_message_get_raw_tlv (rsp, 0x11, &len));
  }
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_UIM, cid, 9, 0x002F);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);
    guint16 len = 0;

    g_assert_cmpuint (qmi_result (rsp), ==, 0);
    g_assert_nonnull (qmi_message_get_raw_tlv (rsp, 0x10, &len));
  }
}

static void
test_qmi_indications (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimQmi) qmi = sim_qmi_new (ids);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 registered = qmi_alloc (qmi, QMI_SERVICE_UIM);
  guint8 silent = qmi_alloc (qmi, QMI_SERVICE_UIM);
  g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_UIM, registered, 1, 0x002E);
  g_autoptr(QmiMessage) rsp = NULL;
  gsize ofs = qmi_message_tlv_write_init (req, 0x01, NULL);
  guint n = 0;

  (void) silent;
  qmi_message_tlv_write_guint32 (req, QMI_ENDIAN_LITTLE,
                                 QMI_UIM_EVENT_REGISTRATION_FLAG_CARD_STATUS |
                                 QMI_UIM_EVENT_REGISTRATION_FLAG_PHYSICAL_SLOT_STATUS, NULL);
  qmi_message_tlv_write_complete (req, ofs, NULL);
  rsp = qmi_roundtrip (qmi, req);
  g_assert_cmpuint (qmi_result (rsp), ==, 0);
  {
    g_autoptr(QmiMessage) reg = qmi_message_new (QMI_SERVICE_UIM, registered, 2, 0x002A);
    g_autoptr(QmiMessage) ok = NULL;
    gsize o = qmi_message_tlv_write_init (reg, 0x01, NULL);

    qmi_message_tlv_write_guint8 (reg, 0, NULL);
    qmi_message_tlv_write_guint8 (reg, 0, NULL);
    qmi_message_tlv_write_complete (reg, o, NULL);
    o = qmi_message_tlv_write_init (reg, 0x02, NULL);
    qmi_message_tlv_write_guint8 (reg, 1, NULL);    /* register */
    qmi_message_tlv_write_guint8 (reg, 0, NULL);    /* vote for init */
    qmi_message_tlv_write_guint16 (reg, QMI_ENDIAN_LITTLE, 0, NULL);
    qmi_message_tlv_write_complete (reg, o, NULL);
    ok = qmi_roundtrip (qmi, reg);
    g_assert_cmpuint (qmi_result (ok), ==, 0);
  }

  g_free (ids->iccid);
  ids->iccid = g_strdup ("8944123456789012345");
  sim_qmi_sim_changed (qmi, out);
  while (out->len) {
    g_autoptr(QmiMessage) ind = qmi_message_new_from_raw (out, NULL);

    g_assert_nonnull (ind);
    g_assert_true (qmi_message_is_indication (ind));
    g_assert_cmpuint (qmi_message_get_client_id (ind), ==, registered);
    if (qmi_message_get_message_id (ind) == 0x0048) {
      guint16 len = 0;
      const guint8 *v = qmi_message_get_raw_tlv (ind, 0x10, &len);
      g_autofree gchar *h = NULL;

      g_assert_nonnull (v);
      h = hex (v + 11, 10);
      g_assert_cmpstr (h, ==, "984421436587092143F5");
    } else if (qmi_message_get_message_id (ind) == 0x0033) {
      guint16 len = 0;
      const guint8 *v = qmi_message_get_raw_tlv (ind, 0x10, &len);

      g_assert_nonnull (v);
      g_assert_cmpuint (v[0], ==, QMI_UIM_REFRESH_STAGE_START);
      g_assert_cmpuint (v[1], ==, QMI_UIM_REFRESH_MODE_RESET);
      {
        /* libqmi's generated decoder reads it */
        g_autofree gchar *printable = qmi_message_get_printable_full (ind, NULL, "");

        g_assert_nonnull (strstr (printable, "stage = 'start'"));
      }
    } else {
      g_assert_cmpuint (qmi_message_get_message_id (ind), ==, 0x0032);
    }
    n++;
  }
  g_assert_cmpuint (n, ==, 3);
}

static QmiMessage *
qmi_apdu_request (guint8 cid, guint16 txn, gint channel, const gchar *apdu_hex)
{
  QmiMessage *req = qmi_message_new (QMI_SERVICE_UIM, cid, txn, 0x003B);
  guint8 apdu[64];
  gssize n = idg_hex_decode (apdu_hex, strlen (apdu_hex), apdu, sizeof apdu);
  gsize ofs;
  gssize i;

  g_assert_cmpint (n, >, 0);
  ofs = qmi_message_tlv_write_init (req, 0x01, NULL);
  qmi_message_tlv_write_guint8 (req, 1, NULL);
  qmi_message_tlv_write_complete (req, ofs, NULL);
  ofs = qmi_message_tlv_write_init (req, 0x02, NULL);
  qmi_message_tlv_write_guint16 (req, QMI_ENDIAN_LITTLE, (guint16) n, NULL);
  for (i = 0; i < n; i++)
    qmi_message_tlv_write_guint8 (req, apdu[i], NULL);
  qmi_message_tlv_write_complete (req, ofs, NULL);
  if (channel >= 0) {
    ofs = qmi_message_tlv_write_init (req, 0x10, NULL);
    qmi_message_tlv_write_guint8 (req, (guint8) channel, NULL);
    qmi_message_tlv_write_complete (req, ofs, NULL);
  }
  return req;
}

static void
test_qmi_raw_sim (void)
{
  static const struct { gint channel; const gchar *apdu; guint16 error; const gchar *resp; } t[] = {
    { -1, "00A40004022FE2", 0, "6111" },
    { -1, "00B000000A", 0, "981062103254769810F2" "9000" },
    { 0, "0020000100", 0, "63C3" },
    { 2, "00B000000A", QMI_PROTOCOL_ERROR_INVALID_ARGUMENT, NULL },   /* not open */
    { 1, "00A40004026F07", 0, "6111" },                             /* USIM ADF */
    { 1, "00B0000009", 0, "083901621032547698" "9000" },
  };
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimQmi) qmi = sim_qmi_new (ids);
  guint8 cid = qmi_alloc (qmi, QMI_SERVICE_UIM);
  guint i;

  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_UIM, cid, 1, 0x0042);
    g_autoptr(QmiMessage) rsp = NULL;
    gsize ofs = qmi_message_tlv_write_init (req, 0x01, NULL);
    guint16 len = 0;
    const guint8 *v;

    qmi_message_tlv_write_guint8 (req, 1, NULL);
    qmi_message_tlv_write_complete (req, ofs, NULL);
    rsp = qmi_roundtrip (qmi, req);
    g_assert_cmpuint (qmi_result (rsp), ==, 0);
    v = qmi_message_get_raw_tlv (rsp, 0x10, &len);
    g_assert_nonnull (v);
    g_assert_cmpuint (v[0], ==, 1);
  }
  for (i = 0; i < G_N_ELEMENTS (t); i++) {
    g_autoptr(QmiMessage) req = qmi_apdu_request (cid, (guint16) (10 + i), t[i].channel, t[i].apdu);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);

    g_assert_cmpuint (qmi_result (rsp), ==, t[i].error);
    if (t[i].resp) {
      guint16 len = 0;
      const guint8 *v = qmi_message_get_raw_tlv (rsp, 0x10, &len);
      g_autofree gchar *h = NULL;

      g_assert_nonnull (v);
      h = hex (v + 2, len - 2U);
      g_assert_cmpstr (h, ==, t[i].resp);
    }
  }
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_UIM, cid, 30, 0x003F);
    g_autoptr(QmiMessage) rsp = NULL;
    gsize ofs = qmi_message_tlv_write_init (req, 0x11, NULL);

    qmi_message_tlv_write_guint8 (req, 1, NULL);
    qmi_message_tlv_write_complete (req, ofs, NULL);
    rsp = qmi_roundtrip (qmi, req);
    g_assert_cmpuint (qmi_result (rsp), ==, 0);
    g_clear_pointer (&rsp, qmi_message_unref);
    rsp = qmi_roundtrip (qmi, req);      /* closed already */
    g_assert_cmpuint (qmi_result (rsp), ==, QMI_PROTOCOL_ERROR_INVALID_ARGUMENT);
  }
}

/* Bad input never crashes and the engine still answers afterwards. */
static void
test_qmi_garbage (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimQmi) qmi = sim_qmi_new (ids);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  static const guint8 truncated[] = { 0x01, 0x0C, 0x00, 0x00, 0x02 };
  static const guint8 bad_tlv[] = { 0x01, 0x0F, 0x00, 0x00, 0x02, 0x01, 0x00, 0x01, 0x00,
                                    0x25, 0x00, 0x03, 0x00, 0x10, 0x40, 0x00 };
  static const guint8 tiny[] = { 0x01, 0x02, 0x00, 0x00, 0x00 };
  static const guint8 unknown_service[] = { 0x01, 0x0C, 0x00, 0x00, 0x77, 0x01, 0x00, 0x01, 0x00,
                                            0x01, 0x00, 0x00, 0x00 };
  guint8 noise[4096];
  guint8 cid;
  guint i;

  for (i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_test_rand_int_range (2, 256);   /* no marker */
  sim_qmi_feed (qmi, noise, sizeof noise, out);
  g_assert_cmpuint (out->len, ==, 0);
  sim_qmi_feed (qmi, bad_tlv, sizeof bad_tlv, out);
  sim_qmi_feed (qmi, tiny, sizeof tiny, out);
  sim_qmi_feed (qmi, unknown_service, sizeof unknown_service, out);
  g_assert_cmpuint (out->len, ==, 0);
  cid = qmi_alloc (qmi, QMI_SERVICE_DMS);
  /* a truncated frame waits; the idle reset drops it */
  sim_qmi_feed (qmi, truncated, sizeof truncated, out);
  g_assert_cmpuint (sim_qmi_pending_input (qmi), >, 0);
  sim_qmi_reset_input (qmi);
  /* a lying length does not swallow the valid request right after it */
  {
    static const guint8 liar[] = { 0x01, 0xF0, 0x0F, 0x00, 0x02, 0x01, 0x00, 0x01, 0x00 };
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_DMS, cid, 76, 0x0043);
    g_autoptr(QmiMessage) rsp = NULL;

    sim_qmi_feed (qmi, liar, sizeof liar, out);
    g_assert_cmpuint (out->len, ==, 0);
    rsp = qmi_roundtrip (qmi, req);
    g_assert_nonnull (rsp);
  }
  for (i = 0; i < 200; i++) {
    guint8 chunk[300];
    guint j;

    for (j = 0; j < sizeof chunk; j++)
      chunk[j] = (guint8) g_test_rand_int_range (0, 256);
    sim_qmi_feed (qmi, chunk, sizeof chunk, out);
    sim_qmi_reset_input (qmi);
  }
  g_byte_array_set_size (out, 0);
  {
    g_autoptr(QmiMessage) req = qmi_message_new (QMI_SERVICE_DMS, cid, 77, 0x0043);
    g_autoptr(QmiMessage) rsp = qmi_roundtrip (qmi, req);
    g_autofree gchar *imsi = qmi_tlv_string (rsp, 0x01);

    g_assert_cmpstr (imsi, ==, ids->imsi);
  }
}

/* ------------------------------------------------------------------------ */
/* MBIM */

static MbimMessage *
mbim_collect (GByteArray *out)
{
  /* joins fragments (MBIM 1.0 9.2) and returns the first whole message */
  g_autoptr(GByteArray) whole = g_byte_array_new ();
  guint32 total = 0, i = 0, pos = 0;

  do {
    guint32 len, t, cur;

    g_assert_cmpuint (out->len - pos, >=, 12);
    memcpy (&len, out->data + pos + 4, 4);
    len = GUINT32_FROM_LE (len);
    g_assert_cmpuint (out->len - pos, >=, len);
    memcpy (&t, out->data + pos, 4);
    if (GUINT32_FROM_LE (t) != MBIM_MESSAGE_TYPE_COMMAND_DONE &&
        GUINT32_FROM_LE (t) != MBIM_MESSAGE_TYPE_INDICATE_STATUS) {
      MbimMessage *m = mbim_message_new (out->data + pos, len);

      g_byte_array_remove_range (out, 0, pos + len);
      return m;
    }
    memcpy (&t, out->data + pos + 12, 4);
    memcpy (&cur, out->data + pos + 16, 4);
    total = GUINT32_FROM_LE (t);
    g_assert_cmpuint (GUINT32_FROM_LE (cur), ==, i);
    if (i == 0)
      g_byte_array_append (whole, out->data + pos, len);
    else
      g_byte_array_append (whole, out->data + pos + 20, len - 20);
    pos += len;
    i++;
  } while (i < total);
  g_byte_array_remove_range (out, 0, pos);
  {
    guint32 le = GUINT32_TO_LE (whole->len), one = GUINT32_TO_LE (1), zero = 0;

    memcpy (whole->data + 4, &le, 4);
    memcpy (whole->data + 12, &one, 4);
    memcpy (whole->data + 16, &zero, 4);
  }
  return mbim_message_new (whole->data, whole->len);
}

static MbimMessage *
mbim_roundtrip (SimMbim *mbim, MbimMessage *req, guint *fragments)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint32 len = 0;
  const guint8 *raw = mbim_message_get_raw (req, &len, NULL);
  MbimMessage *rsp;
  guint32 pos = 0, n = 0;

  sim_mbim_feed (mbim, raw, len, out);
  while (pos + 8 <= out->len) {
    guint32 l;

    memcpy (&l, out->data + pos + 4, 4);
    pos += GUINT32_FROM_LE (l);
    n++;
  }
  if (fragments)
    *fragments = n;
  rsp = mbim_collect (out);
  g_assert_cmpuint (out->len, ==, 0);
  g_assert_cmpuint (mbim_message_get_transaction_id (rsp), ==, mbim_message_get_transaction_id (req));
  return rsp;
}

static void
mbim_open (SimMbim *mbim, guint32 max)
{
  g_autoptr(MbimMessage) req = mbim_message_open_new (1, max);
  g_autoptr(MbimMessage) rsp = mbim_roundtrip (mbim, req, NULL);

  g_assert_true (mbim_message_open_done_get_result (rsp, NULL));
}

static void
test_mbim_basic (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimMbim) mbim = sim_mbim_new (ids);
  g_autoptr(GError) error = NULL;

  /* before OPEN: a NOT_OPENED function error */
  {
    g_autoptr(MbimMessage) req = mbim_message_device_caps_query_new (NULL);
    g_autoptr(MbimMessage) rsp = NULL;

    mbim_message_set_transaction_id (req, 5);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_cmpuint (mbim_message_get_message_type (rsp), ==, MBIM_MESSAGE_TYPE_FUNCTION_ERROR);
    g_assert_cmpuint (mbim_message_error_get_error_status_code (rsp), ==, MBIM_PROTOCOL_ERROR_NOT_OPENED);
  }
  mbim_open (mbim, 4096);
  g_assert_true (sim_mbim_is_open (mbim));
  {
    g_autoptr(MbimMessage) req = mbim_message_device_caps_query_new (NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    g_autofree gchar *device_id = NULL;

    mbim_message_set_transaction_id (req, 6);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_response_get_result (rsp, MBIM_MESSAGE_TYPE_COMMAND_DONE, &error));
    g_assert_true (mbim_message_device_caps_response_parse (rsp, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                                            NULL, &device_id, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (device_id, ==, ids->imei);
  }
  {
    g_autoptr(MbimMessage) req = mbim_message_subscriber_ready_status_query_new (NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    g_autofree gchar *imsi = NULL, *iccid = NULL;
    g_auto(GStrv) numbers = NULL;
    MbimSubscriberReadyState state = 0;
    guint32 count = 0;

    mbim_message_set_transaction_id (req, 7);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_subscriber_ready_status_response_parse (rsp, &state, &imsi, &iccid, NULL,
                                                                        &count, &numbers, &error));
    g_assert_no_error (error);
    g_assert_cmpint (state, ==, MBIM_SUBSCRIBER_READY_STATE_INITIALIZED);
    g_assert_cmpstr (imsi, ==, ids->imsi);
    g_assert_cmpstr (iccid, ==, ids->iccid);
    g_assert_cmpuint (count, ==, 1);
    g_assert_cmpstr (numbers[0], ==, ids->msisdn);
  }
  {
    g_autoptr(MbimMessage) req = mbim_message_ms_basic_connect_extensions_device_caps_query_new (NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    g_autofree gchar *device_id = NULL;

    mbim_message_set_transaction_id (req, 8);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_ms_basic_connect_extensions_device_caps_response_parse (
                     rsp, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &device_id, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (device_id, ==, ids->imei);
  }
  {
    g_autoptr(MbimMessage) req = mbim_message_device_services_query_new (NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    MbimDeviceServiceElement **services = NULL;
    guint32 count = 0;

    mbim_message_set_transaction_id (req, 9);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_device_services_response_parse (rsp, &count, NULL, &services, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (count, ==, 6);
    g_assert_cmpuint (mbim_uuid_to_service (&services[0]->device_service_id), ==, MBIM_SERVICE_BASIC_CONNECT);
    g_assert_cmpuint (mbim_uuid_to_service (&services[2]->device_service_id), ==, MBIM_SERVICE_QMI);
    /* the Intel and Fibocom AT tunnels, CID 1 each */
    g_assert_cmpuint (services[4]->cids_count, ==, 1);
    g_assert_cmpuint (services[5]->cids_count, ==, 1);
    g_assert_cmpuint (services[5]->device_service_id.a[0], ==, 0xff);
    mbim_device_service_element_array_free (services);
  }
  {
    MbimEventEntry entry = { .cids_count = 1 };
    guint32 cid = MBIM_CID_BASIC_CONNECT_SUBSCRIBER_READY_STATUS;
    const MbimEventEntry *entries[] = { &entry, NULL };
    g_autoptr(MbimMessage) req = NULL;
    g_autoptr(MbimMessage) rsp = NULL;

    memcpy (&entry.device_service_id, MBIM_UUID_BASIC_CONNECT, sizeof (MbimUuid));
    entry.cids = &cid;
    req = mbim_message_device_service_subscribe_list_set_new (1, entries, NULL);
    mbim_message_set_transaction_id (req, 10);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_response_get_result (rsp, MBIM_MESSAGE_TYPE_COMMAND_DONE, &error));
    g_assert_no_error (error);
  }
  /* unsupported: NO_DEVICE_SUPPORT, never silence */
  {
    g_autoptr(MbimMessage) req = mbim_message_visible_providers_query_new (MBIM_VISIBLE_PROVIDERS_ACTION_FULL_SCAN, NULL);
    g_autoptr(MbimMessage) rsp = NULL;

    mbim_message_set_transaction_id (req, 11);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_cmpuint (mbim_message_command_done_get_status_code (rsp), ==, MBIM_STATUS_ERROR_NO_DEVICE_SUPPORT);
  }
  {
    g_autoptr(MbimMessage) req = mbim_message_close_new (12);
    g_autoptr(MbimMessage) rsp = mbim_roundtrip (mbim, req, NULL);

    g_assert_true (mbim_message_close_done_get_result (rsp, NULL));
    g_assert_false (sim_mbim_is_open (mbim));
  }
}

static void
test_mbim_qmi_and_uicc (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimMbim) mbim = sim_mbim_new (ids);
  g_autoptr(GError) error = NULL;

  mbim_open (mbim, 4096);
  /* QMI carried in MBIM: a CTL Allocate CID, then DMS UIM Get IMSI */
  {
    g_autoptr(QmiMessage) alloc = qmi_message_new (QMI_SERVICE_CTL, 0, 1, 0x0022);
    gsize ofs = qmi_message_tlv_write_init (alloc, 0x01, NULL);
    gsize qlen = 0;
    const guint8 *qraw;
    g_autoptr(MbimMessage) req = NULL;
    g_autoptr(MbimMessage) rsp = NULL;
    const guint8 *qmux = NULL;
    guint32 qmux_len = 0;
    g_autoptr(GByteArray) frame = g_byte_array_new ();
    g_autoptr(QmiMessage) qrsp = NULL;
    guint16 len = 0;
    const guint8 *v;
    guint8 cid;

    qmi_message_tlv_write_guint8 (alloc, QMI_SERVICE_DMS, NULL);
    qmi_message_tlv_write_complete (alloc, ofs, NULL);
    qraw = qmi_message_get_raw (alloc, &qlen, NULL);
    req = mbim_message_qmi_msg_set_new ((guint32) qlen, qraw, NULL);
    mbim_message_set_transaction_id (req, 20);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_qmi_msg_response_parse (rsp, &qmux_len, &qmux, &error));
    g_assert_no_error (error);
    g_byte_array_append (frame, qmux, qmux_len);
    qrsp = qmi_message_new_from_raw (frame, NULL);
    g_assert_nonnull (qrsp);
    g_assert_cmpuint (qmi_result (qrsp), ==, 0);
    v = qmi_message_get_raw_tlv (qrsp, 0x01, &len);
    g_assert_nonnull (v);
    cid = v[1];
    {
      g_autoptr(QmiMessage) get = qmi_message_new (QMI_SERVICE_DMS, cid, 2, 0x0043);
      g_autoptr(MbimMessage) req2 = NULL;
      g_autoptr(MbimMessage) rsp2 = NULL;
      g_autoptr(QmiMessage) qrsp2 = NULL;
      g_autofree gchar *imsi = NULL;

      qraw = qmi_message_get_raw (get, &qlen, NULL);
      req2 = mbim_message_qmi_msg_set_new ((guint32) qlen, qraw, NULL);
      mbim_message_set_transaction_id (req2, 21);
      rsp2 = mbim_roundtrip (mbim, req2, NULL);
      g_assert_true (mbim_message_qmi_msg_response_parse (rsp2, &qmux_len, &qmux, NULL));
      g_byte_array_set_size (frame, 0);
      g_byte_array_append (frame, qmux, qmux_len);
      qrsp2 = qmi_message_new_from_raw (frame, NULL);
      g_assert_nonnull (qrsp2);
      imsi = qmi_tlv_string (qrsp2, 0x01);
      g_assert_cmpstr (imsi, ==, ids->imsi);
    }
  }
  /* MS UICC low level access: read binary of EF_ICCID, an APDU */
  {
    static const guint8 aid[] = { 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02 };
    static const guint8 path[] = { 0x3F, 0x00, 0x2F, 0xE2 };
    g_autoptr(MbimMessage) req = mbim_message_ms_uicc_low_level_access_read_binary_query_new (
      1, sizeof aid, aid, sizeof path, path, 0, 10, "", 0, NULL, NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    guint32 sw1 = 0, sw2 = 0, n = 0;
    const guint8 *data = NULL;
    g_autofree gchar *h = NULL;

    mbim_message_set_transaction_id (req, 22);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_ms_uicc_low_level_access_read_binary_response_parse (
                     rsp, NULL, &sw1, &sw2, &n, &data, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (sw1, ==, 0x90);
    g_assert_cmpuint (sw2, ==, 0x00);
    h = hex (data, n);
    g_assert_cmpstr (h, ==, "981062103254769810F2");
  }
  {
    static const guint8 verify[] = { 0x00, 0x20, 0x00, 0x01, 0x00 };
    g_autoptr(MbimMessage) req = mbim_message_ms_uicc_low_level_access_apdu_set_new (
      0, MBIM_UICC_SECURE_MESSAGING_NONE, MBIM_UICC_CLASS_BYTE_TYPE_INTER_INDUSTRY, sizeof verify, verify, NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    guint32 status = 0, n = 0;
    const guint8 *data = NULL;

    mbim_message_set_transaction_id (req, 23);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_ms_uicc_low_level_access_apdu_response_parse (rsp, &status, &n, &data, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (status, ==, 0x63C3);
    g_assert_cmpuint (n, ==, 2);
  }
}

/* The Intel AT tunnel answers AT command lines without echo. */
static void
test_mbim_at_tunnel (void)
{
  static const MbimUuid tunnel = {
    .a = { 0xda, 0x13, 0x8c, 0x64 }, .b = { 0x65, 0x15 }, .c = { 0x48, 0x93 },
    .d = { 0x92, 0xb2 }, .e = { 0xa1, 0xe1, 0xca, 0x7c, 0x81, 0xca },
  };
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimMbim) mbim = sim_mbim_new (ids);
  guint service = mbim_register_custom_service (&tunnel, "idg-test-at-tunnel");
  g_autoptr(MbimMessage) req = mbim_message_command_new (40, service, 1, MBIM_MESSAGE_COMMAND_TYPE_SET);
  g_autoptr(MbimMessage) rsp = NULL;
  g_autofree gchar *expect = g_strdup_printf ("\r\n%s\r\n%s\r\n\r\nOK\r\n", ids->imei, ids->imsi);
  const guint8 *info;
  guint32 len = 0;

  mbim_open (mbim, 4096);
  mbim_message_command_append (req, (const guint8 *) "AT+CGSN;+CIMI", 13);
  rsp = mbim_roundtrip (mbim, req, NULL);
  g_assert_true (mbim_message_response_get_result (rsp, MBIM_MESSAGE_TYPE_COMMAND_DONE, NULL));
  info = mbim_message_command_done_get_raw_information_buffer (rsp, &len);
  g_assert_cmpmem (info, len, expect, strlen (expect));
  mbim_unregister_custom_service (service);
}

/* MBIMEx 3.0 negotiated with the Version CID changes the layouts. */
static void
test_mbim_v3 (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimMbim) mbim = sim_mbim_new (ids);
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();

  mbim_open (mbim, 4096);
  {
    g_autoptr(MbimMessage) req = mbim_message_ms_basic_connect_extensions_v2_version_query_new (0x0100, 0x0400, NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    guint16 version = 0, ext = 0;

    mbim_message_set_transaction_id (req, 30);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_ms_basic_connect_extensions_v2_version_response_parse (rsp, &version, &ext, &error));
    g_assert_no_error (error);
    g_assert_cmphex (version, ==, 0x0100);
    g_assert_cmphex (ext, ==, 0x0300);           /* capped at what we speak */
  }
  {
    g_autoptr(MbimMessage) req = mbim_message_subscriber_ready_status_query_new (NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    g_autofree gchar *imsi = NULL, *iccid = NULL;
    g_auto(GStrv) numbers = NULL;

    mbim_message_set_transaction_id (req, 31);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_ms_basic_connect_v3_subscriber_ready_status_response_parse (
                     rsp, NULL, NULL, &imsi, &iccid, NULL, NULL, &numbers, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (imsi, ==, ids->imsi);
    g_assert_cmpstr (iccid, ==, ids->iccid);
    g_assert_cmpstr (numbers[0], ==, ids->msisdn);
  }
  {
    g_autoptr(MbimMessage) req = mbim_message_ms_basic_connect_extensions_device_caps_query_new (NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    g_autofree gchar *device_id = NULL, *hw = NULL;
    g_autofree guint16 *lte = NULL, *nr = NULL;
    guint32 n_lte = 0, n_nr = 0;

    mbim_message_set_transaction_id (req, 32);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_ms_basic_connect_extensions_v3_device_caps_response_parse (
                     rsp, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                     &n_lte, &lte, &n_nr, &nr, NULL, &device_id, NULL, &hw, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (device_id, ==, ids->imei);
    g_assert_cmpstr (hw, ==, "idguard-modem-sim");
    g_assert_cmpuint (n_lte, ==, 4);
  }
  /* the swap indication uses the v3 layout too */
  {
    g_autoptr(MbimMessage) gone = NULL, fresh = NULL;
    g_autofree gchar *imsi = NULL;

    sim_mbim_sim_changed (mbim, out);
    gone = mbim_collect (out);
    fresh = mbim_collect (out);
    g_assert_true (mbim_message_ms_basic_connect_v3_subscriber_ready_status_notification_parse (
                     fresh, NULL, NULL, &imsi, NULL, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (imsi, ==, ids->imsi);
  }
  /* a new OPEN starts again at MBIM 1.0 */
  mbim_open (mbim, 4096);
  {
    g_autoptr(MbimMessage) req = mbim_message_subscriber_ready_status_query_new (NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    g_autofree gchar *imsi = NULL;

    mbim_message_set_transaction_id (req, 33);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_subscriber_ready_status_response_parse (rsp, NULL, &imsi, NULL, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (imsi, ==, ids->imsi);
  }
}

/* The network side (sim-mbim-net.c) as ModemManager reads it: libmbim's
 * parsers of each MBIMEx version accept every answer. */
static void
test_mbim_network (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  guint16 versions[] = { 0x0100, 0x0200, 0x0300 };
  guint v;

  for (v = 0; v < G_N_ELEMENTS (versions); v++) {
    g_autoptr(SimMbim) mbim = sim_mbim_new (ids);
    g_autoptr(GError) error = NULL;
    guint32 tid = 40;

    mbim_open (mbim, 4096);
    if (versions[v] > 0x0100) {
      g_autoptr(MbimMessage) req = mbim_message_ms_basic_connect_extensions_v2_version_query_new (0x0100, versions[v], NULL);
      g_autoptr(MbimMessage) rsp = NULL;

      mbim_message_set_transaction_id (req, tid++);
      rsp = mbim_roundtrip (mbim, req, NULL);
      g_assert_true (mbim_message_response_get_result (rsp, MBIM_MESSAGE_TYPE_COMMAND_DONE, &error));
    }
    {
      g_autoptr(MbimMessage) req = mbim_message_pin_query_new (NULL);
      g_autoptr(MbimMessage) rsp = NULL;
      MbimPinType type = 99;
      MbimPinState state = 99;

      mbim_message_set_transaction_id (req, tid++);
      rsp = mbim_roundtrip (mbim, req, NULL);
      g_assert_true (mbim_message_pin_response_parse (rsp, &type, &state, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (type, ==, MBIM_PIN_TYPE_UNKNOWN);
      g_assert_cmpint (state, ==, MBIM_PIN_STATE_UNLOCKED);
    }
    {
      g_autoptr(MbimMessage) req = mbim_message_radio_state_set_new (MBIM_RADIO_SWITCH_STATE_ON, NULL);
      g_autoptr(MbimMessage) rsp = NULL;
      MbimRadioSwitchState hw = 0, sw = 0;

      mbim_message_set_transaction_id (req, tid++);
      rsp = mbim_roundtrip (mbim, req, NULL);
      g_assert_true (mbim_message_radio_state_response_parse (rsp, &hw, &sw, &error));
      g_assert_no_error (error);
      g_assert_cmpint (hw, ==, MBIM_RADIO_SWITCH_STATE_ON);
      g_assert_cmpint (sw, ==, MBIM_RADIO_SWITCH_STATE_ON);
    }
    {
      g_autoptr(MbimMessage) req = mbim_message_home_provider_query_new (NULL);
      g_autoptr(MbimMessage) rsp = NULL;
      g_autoptr(MbimProvider) provider = NULL;

      mbim_message_set_transaction_id (req, tid++);
      rsp = mbim_roundtrip (mbim, req, NULL);
      g_assert_true (mbim_message_home_provider_response_parse (rsp, &provider, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (provider->provider_id, ==, "00101");
    }
    {
      g_autoptr(MbimMessage) req = mbim_message_register_state_query_new (NULL);
      g_autoptr(MbimMessage) rsp = NULL;
      MbimRegisterState state = 0;
      g_autofree gchar *provider_id = NULL;

      mbim_message_set_transaction_id (req, tid++);
      rsp = mbim_roundtrip (mbim, req, NULL);
      if (versions[v] >= 0x0200)
        g_assert_true (mbim_message_ms_basic_connect_v2_register_state_response_parse (
                         rsp, NULL, &state, NULL, NULL, NULL, &provider_id, NULL, NULL, NULL, NULL, &error));
      else
        g_assert_true (mbim_message_register_state_response_parse (
                         rsp, NULL, &state, NULL, NULL, NULL, &provider_id, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (state, ==, MBIM_REGISTER_STATE_HOME);
      g_assert_cmpstr (provider_id, ==, "00101");
    }
    {
      g_autoptr(MbimMessage) req = mbim_message_packet_service_query_new (NULL);
      g_autoptr(MbimMessage) rsp = NULL;
      MbimPacketServiceState state = 0;

      mbim_message_set_transaction_id (req, tid++);
      rsp = mbim_roundtrip (mbim, req, NULL);
      if (versions[v] >= 0x0300) {
        g_autoptr(MbimTai) tai = NULL;

        g_assert_true (mbim_message_ms_basic_connect_v3_packet_service_response_parse (
                         rsp, NULL, &state, NULL, NULL, NULL, NULL, NULL, &tai, &error));
        g_assert_no_error (error);
        g_assert_cmpuint (tai->plmn_mcc, ==, 1);
      } else if (versions[v] == 0x0200) {
        g_assert_true (mbim_message_ms_basic_connect_v2_packet_service_response_parse (
                         rsp, NULL, &state, NULL, NULL, NULL, NULL, &error));
      } else {
        g_assert_true (mbim_message_packet_service_response_parse (rsp, NULL, &state, NULL, NULL, NULL, &error));
      }
      g_assert_no_error (error);
      g_assert_cmpint (state, ==, MBIM_PACKET_SERVICE_STATE_ATTACHED);
    }
    {
      g_autoptr(MbimMessage) req = mbim_message_signal_state_query_new (NULL);
      g_autoptr(MbimMessage) rsp = NULL;
      guint32 rssi = 0;

      mbim_message_set_transaction_id (req, tid++);
      rsp = mbim_roundtrip (mbim, req, NULL);
      if (versions[v] >= 0x0200) {
        MbimRsrpSnrInfo **rsrp = NULL;
        guint32 count = 1;

        g_assert_true (mbim_message_ms_basic_connect_v2_signal_state_response_parse (
                         rsp, &rssi, NULL, NULL, NULL, NULL, &count, &rsrp, &error));
        g_assert_cmpuint (count, ==, 0);
        mbim_rsrp_snr_info_array_free (rsrp);
      } else {
        g_assert_true (mbim_message_signal_state_response_parse (rsp, &rssi, NULL, NULL, NULL, NULL, &error));
      }
      g_assert_no_error (error);
      g_assert_cmpuint (rssi, <=, 31);
    }
  }
}

static void
test_mbim_fragments (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimMbim) mbim = sim_mbim_new (ids);
  g_autoptr(MbimMessage) req = mbim_message_device_caps_query_new (NULL);
  g_autoptr(MbimMessage) rsp = NULL;
  g_autofree gchar *device_id = NULL;
  guint fragments = 0;

  sim_mbim_set_max_transfer (mbim, 64);
  mbim_open (mbim, 4096);
  mbim_message_set_transaction_id (req, 2);
  rsp = mbim_roundtrip (mbim, req, &fragments);
  g_assert_cmpuint (fragments, >, 3);
  g_assert_true (mbim_message_device_caps_response_parse (rsp, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                                          NULL, &device_id, NULL, NULL, NULL));
  g_assert_cmpstr (device_id, ==, ids->imei);

  /* a fragmented host command is reassembled, and answered */
  {
    guint32 cids[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    MbimEventEntry entry = { .cids_count = G_N_ELEMENTS (cids), .cids = cids };
    const MbimEventEntry *entries[] = { &entry, &entry, NULL };
    g_autoptr(MbimMessage) q = NULL;
    g_autoptr(GByteArray) frags = g_byte_array_new ();
    g_autoptr(GByteArray) out = g_byte_array_new ();
    g_autoptr(MbimMessage) r = NULL;
    const guint8 *sent, *echoed;
    guint32 sent_len = 0, echoed_len = 0;

    memcpy (&entry.device_service_id, MBIM_UUID_BASIC_CONNECT, sizeof (MbimUuid));
    q = mbim_message_device_service_subscribe_list_set_new (2, entries, NULL);
    mbim_message_set_transaction_id (q, 3);
    sim_mbim_append_fragmented (frags, q, 64);
    g_assert_cmpuint (frags->len, >, mbim_message_get_message_length (q));
    sim_mbim_feed (mbim, frags->data, frags->len, out);
    r = mbim_collect (out);
    g_assert_true (mbim_message_response_get_result (r, MBIM_MESSAGE_TYPE_COMMAND_DONE, NULL));
    sent = mbim_message_command_get_raw_information_buffer (q, &sent_len);
    echoed = mbim_message_command_done_get_raw_information_buffer (r, &echoed_len);
    g_assert_cmpmem (sent, sent_len, echoed, echoed_len);
  }
}

static void
test_mbim_indication (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimMbim) mbim = sim_mbim_new (ids);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(MbimMessage) gone = NULL;
  g_autoptr(MbimMessage) fresh = NULL;
  g_autofree gchar *imsi = NULL;
  MbimSubscriberReadyState state = 0;

  sim_mbim_sim_changed (mbim, out);
  g_assert_cmpuint (out->len, ==, 0);       /* closed: nothing */
  mbim_open (mbim, 4096);
  g_free (ids->imsi);
  ids->imsi = g_strdup ("26201987654321");
  sim_mbim_sim_changed (mbim, out);
  gone = mbim_collect (out);
  fresh = mbim_collect (out);
  g_assert_cmpuint (out->len, ==, 0);
  g_assert_true (mbim_message_subscriber_ready_status_notification_parse (gone, &state, NULL, NULL, NULL, NULL, NULL, NULL));
  g_assert_cmpint (state, ==, MBIM_SUBSCRIBER_READY_STATE_SIM_NOT_INSERTED);
  g_assert_true (mbim_message_subscriber_ready_status_notification_parse (fresh, &state, &imsi, NULL, NULL, NULL, NULL, NULL));
  g_assert_cmpint (state, ==, MBIM_SUBSCRIBER_READY_STATE_INITIALIZED);
  g_assert_cmpstr (imsi, ==, "26201987654321");

  /* a subscribe list without Subscriber Ready Status silences it; one with
   * it (or with all CIDs of Basic Connect) brings it back */
  {
    static const guint32 cid_list[][2] = {
      { MBIM_CID_BASIC_CONNECT_SIGNAL_STATE, 0 },
      { MBIM_CID_BASIC_CONNECT_SIGNAL_STATE, MBIM_CID_BASIC_CONNECT_SUBSCRIBER_READY_STATUS },
    };
    static const guint n_cids[] = { 1, 2, 0 };
    static const guint expect[] = { 0, 2, 2 };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (n_cids); i++) {
      guint32 cids[2] = { 0, 0 };
      MbimEventEntry entry = { .cids_count = n_cids[i], .cids = cids };
      const MbimEventEntry *entries[] = { &entry, NULL };
      g_autoptr(MbimMessage) req = NULL;
      g_autoptr(MbimMessage) rsp = NULL;
      guint n = 0;

      if (i < G_N_ELEMENTS (cid_list))
        memcpy (cids, cid_list[i], sizeof cids);
      memcpy (&entry.device_service_id, MBIM_UUID_BASIC_CONNECT, sizeof (MbimUuid));
      req = mbim_message_device_service_subscribe_list_set_new (1, entries, NULL);
      mbim_message_set_transaction_id (req, 50 + i);
      rsp = mbim_roundtrip (mbim, req, NULL);
      g_assert_true (mbim_message_response_get_result (rsp, MBIM_MESSAGE_TYPE_COMMAND_DONE, NULL));
      sim_mbim_sim_changed (mbim, out);
      while (out->len) {
        g_autoptr(MbimMessage) ind = mbim_collect (out);

        g_assert_cmpuint (mbim_message_get_message_type (ind), ==, MBIM_MESSAGE_TYPE_INDICATE_STATUS);
        n++;
      }
      g_assert_cmpuint (n, ==, expect[i]);
    }
  }
}

static void
test_mbim_garbage (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimMbim) mbim = sim_mbim_new (ids);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  /* COMMAND whose info buffer length lies */
  static const guint8 lying[] = {
    0x03, 0, 0, 0, 0x30, 0, 0, 0, 0x09, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0,
    0xa2, 0x89, 0xcc, 0x33, 0xbc, 0xbb, 0x8b, 0x4f, 0xb6, 0xb0, 0x13, 0x3e, 0xc2, 0xaa, 0xe6, 0xdf,
    0x01, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0,
  };
  /* a fragment out of sequence */
  static const guint8 stray[] = {
    0x03, 0, 0, 0, 0x18, 0, 0, 0, 0x0a, 0, 0, 0, 0x03, 0, 0, 0, 0x02, 0, 0, 0, 1, 2, 3, 4,
  };
  guint i;

  mbim_open (mbim, 4096);
  for (i = 0; i < 300; i++) {
    guint8 chunk[257];
    guint j;

    for (j = 0; j < sizeof chunk; j++)
      chunk[j] = (guint8) g_test_rand_int_range (0, 256);
    sim_mbim_feed (mbim, chunk, sizeof chunk, out);
    sim_mbim_reset_input (mbim);
  }
  g_byte_array_set_size (out, 0);
  mbim_open (mbim, 4096);   /* random bytes may have closed it */
  sim_mbim_feed (mbim, lying, sizeof lying, out);
  {
    g_autoptr(MbimMessage) err = mbim_collect (out);

    g_assert_cmpuint (mbim_message_get_message_type (err), ==, MBIM_MESSAGE_TYPE_FUNCTION_ERROR);
    g_assert_cmpuint (mbim_message_error_get_error_status_code (err), ==, MBIM_PROTOCOL_ERROR_LENGTH_MISMATCH);
  }
  /* a lying length does not swallow the command right after it */
  {
    static const guint8 liar[] = { 0x03, 0, 0, 0, 0x00, 0x80, 0, 0, 0x0b, 0, 0, 0 };
    g_autoptr(MbimMessage) req = mbim_message_subscriber_ready_status_query_new (NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    g_autofree gchar *imsi = NULL;

    sim_mbim_feed (mbim, liar, sizeof liar, out);
    g_assert_cmpuint (out->len, ==, 0);
    mbim_message_set_transaction_id (req, 12);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_subscriber_ready_status_response_parse (rsp, NULL, &imsi, NULL, NULL, NULL, NULL, NULL));
    g_assert_cmpstr (imsi, ==, ids->imsi);
  }
  /* a subscribe list whose count lies */
  {
    static const guint8 five[] = { 5, 0, 0, 0 };
    g_autoptr(MbimMessage) req = mbim_message_command_new (13, MBIM_SERVICE_BASIC_CONNECT,
                                                           MBIM_CID_BASIC_CONNECT_DEVICE_SERVICE_SUBSCRIBE_LIST,
                                                           MBIM_MESSAGE_COMMAND_TYPE_SET);
    g_autoptr(MbimMessage) rsp = NULL;

    mbim_message_command_append (req, five, sizeof five);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_cmpuint (mbim_message_command_done_get_status_code (rsp), ==, MBIM_STATUS_ERROR_INVALID_PARAMETERS);
  }
  sim_mbim_feed (mbim, stray, sizeof stray, out);
  {
    g_autoptr(MbimMessage) err = mbim_collect (out);

    g_assert_cmpuint (mbim_message_error_get_error_status_code (err), ==, MBIM_PROTOCOL_ERROR_FRAGMENT_OUT_OF_SEQUENCE);
  }
  {
    g_autoptr(MbimMessage) req = mbim_message_device_caps_query_new (NULL);
    g_autoptr(MbimMessage) rsp = NULL;
    g_autofree gchar *device_id = NULL;

    mbim_message_set_transaction_id (req, 99);
    rsp = mbim_roundtrip (mbim, req, NULL);
    g_assert_true (mbim_message_device_caps_response_parse (rsp, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                                            NULL, &device_id, NULL, NULL, NULL));
    g_assert_cmpstr (device_id, ==, ids->imei);
  }
}

/* ------------------------------------------------------------------------ */
/* AT */

static void
test_at_commands (void)
{
  static const struct { const gchar *line; const gchar *expect; } t[] = {
    { "", "\r\nOK\r\n" },
    { "E0", "\r\nOK\r\n" },
    { "+CGSN", "\r\n356938035643809\r\n\r\nOK\r\n" },
    { "+GSN", "\r\n356938035643809\r\n\r\nOK\r\n" },
    { "+CGSN=1", "\r\n+CGSN: \"356938035643809\"\r\n\r\nOK\r\n" },
    { "+CGSN=2", "\r\n+CGSN: \"3569380356438001\"\r\n\r\nOK\r\n" },
    { "+CGSN=3", "\r\n+CGSN: \"01\"\r\n\r\nOK\r\n" },
    { "+CGSN=?", "\r\n+CGSN: (0-3)\r\n\r\nOK\r\n" },
    { "+CIMI", "\r\n310260123456789\r\n\r\nOK\r\n" },
    { "+CGSN;+CIMI", "\r\n356938035643809\r\n310260123456789\r\n\r\nOK\r\n" },
    { "+CNUM", "\r\n+CNUM: \"\",\"+15551234567\",145\r\n\r\nOK\r\n" },
    { "+CRSM=176,12258,0,0,10", "\r\n+CRSM: 144,0,\"981062103254769810F2\"\r\n\r\nOK\r\n" },
    { "+CRSM=176,28423,0,0,9", "\r\n+CRSM: 144,0,\"083901621032547698\"\r\n\r\nOK\r\n" },
    { "+CRSM=178,28480,1,4,28",
      "\r\n+CRSM: 144,0,\"FFFFFFFFFFFFFFFFFFFFFFFFFFFF07915155214365F7FFFFFFFFFFFF\"\r\n\r\nOK\r\n" },
    { "+CRSM=176,28486,0,0,17", "\r\n+CRSM: 106,130\r\n\r\nOK\r\n" },
    { "+CSIM=10,\"0020000100\"", "\r\n+CSIM: 4,\"63C3\"\r\n\r\nOK\r\n" },
    { "+CSIM=9,\"0020000100\"", "\r\nERROR\r\n" },
    { "+CCHO=\"A0000000871002\"", "\r\n+CCHO: 1\r\n\r\nOK\r\n" },
    { "+CGLA=1,14,\"01A40004026F07\"", "\r\n+CGLA: 4,\"6111\"\r\n\r\nOK\r\n" },
    { "+CGLA=1,10,\"01B0000009\"", "\r\n+CGLA: 22,\"0839016210325476989000\"\r\n\r\nOK\r\n" },
    { "+CGLA=2,10,\"01B0000009\"", "\r\nERROR\r\n" },
    { "+CCHC=1", "\r\nOK\r\n" },
    { "+CCHC=1", "\r\nERROR\r\n" },
    { "+CCID", "\r\n+CCID: 8901260123456789012\r\n\r\nOK\r\n" },
    { "+ICCID", "\r\n+ICCID: 8901260123456789012\r\n\r\nOK\r\n" },
    { "+CICCID", "\r\n+CICCID: 8901260123456789012\r\n\r\nOK\r\n" },
    { "^ICCID?", "\r\n^ICCID: 8901260123456789012\r\n\r\nOK\r\n" },
    { "!ICCID?", "\r\nICCID: 8901260123456789012\r\n\r\nOK\r\n" },
    { "+QCCID", "\r\n+QCCID: 8901260123456789012\r\n\r\nOK\r\n" },
    { "#CCID", "\r\n#CCID: 8901260123456789012\r\n\r\nOK\r\n" },
    { "+EGMR=0,7", "\r\n+EGMR: \"356938035643809\"\r\n\r\nOK\r\n" },
    { "+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n" },
    { "+CREG?", "\r\n+CREG: 0,1\r\n\r\nOK\r\n" },
    { "+CEREG=2;+CEREG?", "\r\n+CEREG: 2,1,\"00C3\",\"0001A2B3\",7\r\n\r\nOK\r\n" },
    { "+COPS=3,2;+COPS?", "\r\n+COPS: 0,2,\"310260\",7\r\n\r\nOK\r\n" },
    { "+CSQ", "\r\n+CSQ: 20,99\r\n\r\nOK\r\n" },
    { "+CFUN?", "\r\n+CFUN: 1\r\n\r\nOK\r\n" },
    { "+CMGF=0", "\r\nOK\r\n" },
    { "+NOSUCH", "\r\nERROR\r\n" },
    { "+CGSN=7", "\r\nERROR\r\n" },
    { "+CMEE=1;+CGSN=7", "\r\n+CME ERROR: 50\r\n" },
    { "+EGMR=1,7,\"123\"", "\r\n+CME ERROR: 3\r\n" },
    { "K", "\r\nERROR\r\n" },
    { "D*99#", "\r\nNO CARRIER\r\n" },
    { "V0", "0\r" },
    { "+CIMI", "310260123456789\r\n0\r" },
    { "V1", "\r\nOK\r\n" },
  };
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimAt) at = sim_at_new (ids);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (t); i++) {
    g_autofree gchar *resp = sim_at_run_line (at, t[i].line);

    g_assert_cmpstr (resp, ==, t[i].expect);
  }
}

static void
test_at_feed (void)
{
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimAt) at = sim_at_new (ids);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 noise[5000];
  gchar *text;
  guint i;

  /* echo on by default, then off */
  sim_at_feed (at, (const guint8 *) "ATE0\r", 5, out);
  g_byte_array_append (out, (const guint8 *) "", 1);
  g_assert_cmpstr ((gchar *) out->data, ==, "ATE0\r\r\nOK\r\n");
  g_byte_array_set_size (out, 0);
  /* ATI carries the IMEI line */
  sim_at_feed (at, (const guint8 *) "ATI\r\n", 5, out);
  g_byte_array_append (out, (const guint8 *) "", 1);
  text = g_strdup_printf ("IMEI: %s\r\n", ids->imei);
  g_assert_nonnull (strstr ((gchar *) out->data, text));
  g_free (text);
  g_byte_array_set_size (out, 0);
  /* an over-long garbage line is dropped, the next command answered */
  for (i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_test_rand_int_range (0x20, 0x7f);
  sim_at_feed (at, noise, sizeof noise, out);
  sim_at_feed (at, (const guint8 *) "\rAT+CIMI\r", 9, out);
  g_byte_array_append (out, (const guint8 *) "", 1);
  text = g_strdup_printf ("\r\n%s\r\n\r\nOK\r\n", ids->imsi);
  g_assert_true (g_str_has_suffix ((gchar *) out->data, text));
  g_free (text);
}

/* A SIM swap on AT: +CPIN unsolicited codes, never inside an echo or a
 * reply; in the format of the port's V setting; none under Q1. */
static void
test_at_urc (void)
{
  static const gchar *const both = "\r\n+CPIN: NOT READY\r\n\r\n+CPIN: READY\r\n";
  g_autoptr(SimIds) ids = test_ids ();
  g_autoptr(SimAt) at = sim_at_new (ids);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree gchar *expect = NULL;

  /* idle: at once */
  sim_at_sim_changed (at, out);
  g_byte_array_append (out, (const guint8 *) "", 1);
  g_assert_cmpstr ((gchar *) out->data, ==, both);
  g_byte_array_set_size (out, 0);
  /* half a command line in: held until its reply is out (echo on) */
  sim_at_feed (at, (const guint8 *) "AT+CI", 5, out);
  sim_at_sim_changed (at, out);
  g_byte_array_append (out, (const guint8 *) "", 1);
  g_assert_cmpstr ((gchar *) out->data, ==, "AT+CI");
  g_byte_array_set_size (out, 0);
  sim_at_feed (at, (const guint8 *) "MI\r", 3, out);
  g_byte_array_append (out, (const guint8 *) "", 1);
  expect = g_strdup_printf ("MI\r\r\n%s\r\n\r\nOK\r\n%s", ids->imsi, both);
  g_assert_cmpstr ((gchar *) out->data, ==, expect);
  g_byte_array_set_size (out, 0);
  /* sent once: the next reply comes alone */
  sim_at_feed (at, (const guint8 *) "AT\r", 3, out);
  g_byte_array_append (out, (const guint8 *) "", 1);
  g_assert_cmpstr ((gchar *) out->data, ==, "AT\r\r\nOK\r\n");
  g_byte_array_set_size (out, 0);
  /* V0: text and CR LF, no header */
  sim_at_feed (at, (const guint8 *) "ATE0V0\r", 7, out);
  g_byte_array_set_size (out, 0);
  sim_at_sim_changed (at, out);
  g_byte_array_append (out, (const guint8 *) "", 1);
  g_assert_cmpstr ((gchar *) out->data, ==, "+CPIN: NOT READY\r\n+CPIN: READY\r\n");
  g_byte_array_set_size (out, 0);
  /* Q1: no result codes at all */
  sim_at_feed (at, (const guint8 *) "ATQ1\r", 5, out);
  g_byte_array_set_size (out, 0);
  sim_at_sim_changed (at, out);
  g_assert_cmpuint (out->len, ==, 0);
}

/* ------------------------------------------------------------------------ */

static void
test_control (void)
{
  static const struct { const gchar *line; gboolean ok; SimControlVerb verb; } t[] = {
    { "swap", TRUE, SIM_CONTROL_SWAP },
    { "  ping ", TRUE, SIM_CONTROL_PING },
    { "set imsi=001011234567890", TRUE, SIM_CONTROL_SET },
    { "set imsi", FALSE, 0 },
    { "set =1", FALSE, 0 },
    { "fault qmi garbage", TRUE, SIM_CONTROL_FAULT },
    { "fault all normal", TRUE, SIM_CONTROL_FAULT },
    { "fault mbim loud", FALSE, 0 },
    { "fault usb silent", FALSE, 0 },
    { "fault qmi", FALSE, 0 },
    { "swap now", FALSE, 0 },
    { "swap quiet", TRUE, SIM_CONTROL_SWAP },
    { "swap quiet now", FALSE, 0 },
    { "", FALSE, 0 },
    { "reboot", FALSE, 0 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (t); i++) {
    SimControlCommand cmd;
    g_autoptr(GError) error = NULL;
    gboolean ok = sim_control_parse (t[i].line, &cmd, &error);

    g_assert_cmpint (ok, ==, t[i].ok);
    if (ok)
      g_assert_cmpint (cmd.verb, ==, t[i].verb);
    else
      g_assert_nonnull (error);
    sim_control_clear (&cmd);
  }
  {
    SimControlCommand cmd;

    g_assert_true (sim_control_parse ("swap", &cmd, NULL));
    g_assert_false (cmd.quiet);
    g_assert_true (sim_control_parse ("swap quiet", &cmd, NULL));
    g_assert_true (cmd.quiet);
    g_assert_true (sim_control_parse ("fault at silent", &cmd, NULL));
    g_assert_cmpuint (cmd.protos, ==, 1u << SIM_PROTO_AT);
    g_assert_cmpint (cmd.fault, ==, SIM_FAULT_SILENT);
    g_assert_true (sim_control_parse ("set msisdn=+4930123", &cmd, NULL));
    g_assert_cmpstr (cmd.key, ==, "msisdn");
    g_assert_cmpstr (cmd.value, ==, "+4930123");
    sim_control_clear (&cmd);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/ids/parse", test_ids_parse);
  g_test_add_func ("/sim/files/content", test_files);
  g_test_add_func ("/sim/apdu/commands", test_apdu);
  g_test_add_func ("/sim/qmi/ctl", test_qmi_ctl);
  g_test_add_func ("/sim/qmi/dms", test_qmi_dms);
  g_test_add_func ("/sim/qmi/uim", test_qmi_uim);
  g_test_add_func ("/sim/qmi/nas", test_qmi_nas);
  g_test_add_func ("/sim/qmi/indications", test_qmi_indications);
  g_test_add_func ("/sim/qmi/raw-sim", test_qmi_raw_sim);
  g_test_add_func ("/sim/qmi/garbage", test_qmi_garbage);
  g_test_add_func ("/sim/mbim/builder", test_mbim_builder);
  g_test_add_func ("/sim/mbim/basic", test_mbim_basic);
  g_test_add_func ("/sim/mbim/qmi-and-uicc", test_mbim_qmi_and_uicc);
  g_test_add_func ("/sim/mbim/mbimex-v3", test_mbim_v3);
  g_test_add_func ("/sim/mbim/network", test_mbim_network);
  g_test_add_func ("/sim/mbim/at-tunnel", test_mbim_at_tunnel);
  g_test_add_func ("/sim/mbim/fragments", test_mbim_fragments);
  g_test_add_func ("/sim/mbim/indication", test_mbim_indication);
  g_test_add_func ("/sim/mbim/garbage", test_mbim_garbage);
  g_test_add_func ("/sim/at/commands", test_at_commands);
  g_test_add_func ("/sim/at/feed", test_at_feed);
  g_test_add_func ("/sim/at/urc", test_at_urc);
  g_test_add_func ("/sim/control/parse", test_control);
  return g_test_run ();
}
