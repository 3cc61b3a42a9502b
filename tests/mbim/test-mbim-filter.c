/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Table-driven tests of the MBIM filter. Messages are built by hand from
 * the layouts of libmbim's data/mbim-service-*.json, filtered, and parsed
 * back with libmbim's own parsers: a client must still read them, and read
 * no real identifier unless its guard allows the kind. Identifier values
 * are random per run (g_test_rand_int), never fixed.
 */
#include <string.h>
#include <stdarg.h>
#include <libmbim-glib.h>

#include "idg-mbim-filter.h"
#include "idg-encoding.h"

#define CD 0x80000003u
#define IS 0x80000007u

static const guint8 secret[IDG_SECRET_LEN] = { 1, 2, 3 };

/* --- random identifiers -------------------------------------------------- */

static gchar *
rand_digits (const gchar *prefix,
             guint        n,
             gboolean     luhn)
{
  GString *s = g_string_new (prefix);

  while (s->len < n - (luhn ? 1 : 0))
    g_string_append_c (s, (gchar) ('0' + g_test_rand_int_range (0, 10)));
  if (luhn)
    g_string_append_c (s, idg_luhn_check_digit (s->str, s->len));
  return g_string_free (s, FALSE);
}

typedef struct {
  gchar *imei, *meid, *esn, *imsi, *iccid, *msisdn, *msisdn2;
} Ids;

static void
ids_init (Ids *ids)
{
  ids->imei = rand_digits ("35", 15, TRUE);
  ids->meid = g_strdup_printf ("A1%06X%06X", g_test_rand_int_range (0, 0xFFFFFF),
                               g_test_rand_int_range (0, 0xFFFFFF));
  ids->esn = g_strdup_printf ("%08X", (guint) g_test_rand_int ());
  ids->imsi = rand_digits ("310260", 15, FALSE);
  ids->iccid = rand_digits ("8901", 19, TRUE);
  ids->msisdn = rand_digits ("+1", 12, FALSE);
  ids->msisdn2 = rand_digits ("1", 11, FALSE);
}

static void
ids_clear (Ids *ids)
{
  g_free (ids->imei);
  g_free (ids->meid);
  g_free (ids->esn);
  g_free (ids->imsi);
  g_free (ids->iccid);
  g_free (ids->msisdn);
  g_free (ids->msisdn2);
}

/* --- message builders ---------------------------------------------------- */

static void
put_u32 (GByteArray *a,
         guint32     v)
{
  guint8 b[4];

  idg_mbim_write_u32 (b, v);
  g_byte_array_append (a, b, 4);
}

static void
pad4 (GByteArray *a)
{
  static const guint8 zero[4] = { 0 };

  if (a->len % 4)
    g_byte_array_append (a, zero, 4 - a->len % 4);
}

/* An information buffer: fmt 'u' guint32, 'q' guint64, 's' string (pair in
 * the fixed part, UTF-16LE in the data area, NULL = empty), 'b' byte array
 * (const guint8 *, guint length). */
static GByteArray *
ib (const gchar *fmt,
    ...)
{
  GByteArray *fixed = g_byte_array_new ();
  GByteArray *data = g_byte_array_new ();
  gsize fixed_len = 0;
  const gchar *f;
  va_list ap;
  guint i = 0;
  GArray *pairs = g_array_new (FALSE, FALSE, sizeof (guint));

  for (f = fmt; *f; f++)
    fixed_len += (*f == 'u') ? 4 : 8;
  va_start (ap, fmt);
  for (f = fmt; *f; f++) {
    if (*f == 'u') {
      put_u32 (fixed, va_arg (ap, guint32));
    } else if (*f == 'q') {
      guint64 v = va_arg (ap, guint64);

      put_u32 (fixed, (guint32) v);
      put_u32 (fixed, (guint32) (v >> 32));
    } else if (*f == 's' || *f == 'b') {
      const guint8 *bytes = NULL;
      guint len = 0;
      guint8 tmp[256];

      if (*f == 's') {
        const gchar *s = va_arg (ap, const gchar *);

        if (s) {
          len = (guint) idg_utf16le_encode (s, tmp, sizeof tmp);
          bytes = tmp;
        }
      } else {
        bytes = va_arg (ap, const guint8 *);
        len = va_arg (ap, guint);
      }
      put_u32 (fixed, len ? (guint32) (fixed_len + data->len) : 0);
      put_u32 (fixed, len);
      if (len) {
        g_byte_array_append (data, bytes, len);
        pad4 (data);
      }
    }
    i++;
  }
  va_end (ap);
  g_byte_array_append (fixed, data->data, data->len);
  g_byte_array_unref (data);
  g_array_unref (pairs);
  return fixed;
}

static const guint8 *
uuid_of (MbimService service)
{
  return (const guint8 *) mbim_uuid_from_service (service);
}

static GByteArray *
message (guint32       type,
         const guint8 *uuid,
         guint32       cid,
         GByteArray   *buffer)
{
  GByteArray *m = g_byte_array_new ();
  gboolean cd = type == CD;

  put_u32 (m, type);
  put_u32 (m, 0);
  put_u32 (m, 7);
  put_u32 (m, 1);
  put_u32 (m, 0);
  g_byte_array_append (m, uuid, 16);
  put_u32 (m, cid);
  if (cd || type == 3)
    put_u32 (m, cd ? 0 : 0);
  put_u32 (m, buffer->len);
  g_byte_array_append (m, buffer->data, buffer->len);
  idg_mbim_write_u32 (m->data + 4, m->len);
  g_byte_array_unref (buffer);
  return m;
}

static void
guard_for (IdgGuard *guard,
           guint32   allowed)
{
  idg_guard_init (guard, allowed, IDG_POLICY_REDACT, secret, "test");
}

static MbimMessage *
as_mbim (GByteArray *m)
{
  return mbim_message_new (m->data, m->len);
}

/* A value the client sees for an identifier: the real one only if allowed. */
static void
check_value (const gchar *seen,
             const gchar *real,
             gboolean     allowed)
{
  g_assert_nonnull (seen);
  g_assert_cmpuint (strlen (seen), ==, strlen (real));
  if (allowed)
    g_assert_cmpstr (seen, ==, real);
  else
    g_assert_cmpstr (seen, !=, real);
}

/* No UTF-16 nor ASCII copy of value anywhere in the bytes. */
static void
assert_absent (const GByteArray *m,
               const gchar      *value)
{
  guint8 u[128];
  gsize n = idg_utf16le_encode (value, u, sizeof u);

  g_assert_null (memmem (m->data, m->len, value, strlen (value)) ? "ascii" : NULL);
  g_assert_true (n > 0);
  g_assert_null (memmem (m->data, m->len, u, n));
}

/* --- Device Caps ------------------------------------------------------------ */

typedef struct {
  const gchar *name;
  guint32      cellular_class;
  gint         which;    /* 0 imei, 1 meid, 2 esn */
  IdgKind      kind;
} CapsCase;

static const CapsCase caps_cases[] = {
  { "gsm-imei",  MBIM_CELLULAR_CLASS_GSM, 0, IDG_KIND_IMEI },
  { "dual-imei", MBIM_CELLULAR_CLASS_GSM | MBIM_CELLULAR_CLASS_CDMA, 0, IDG_KIND_IMEI },
  { "cdma-meid", MBIM_CELLULAR_CLASS_CDMA, 1, IDG_KIND_MEID },
  { "cdma-esn",  MBIM_CELLULAR_CLASS_CDMA, 2, IDG_KIND_ESN },
  { "dual-meid", MBIM_CELLULAR_CLASS_GSM | MBIM_CELLULAR_CLASS_CDMA, 1, IDG_KIND_MEID },
};

static const gchar *
caps_value (const Ids *ids,
            gint       which)
{
  return which == 0 ? ids->imei : which == 1 ? ids->meid : ids->esn;
}

static void
test_device_caps (gconstpointer data)
{
  const CapsCase *c = data;
  guint allowed;

  for (allowed = 0; allowed < 2; allowed++) {
    Ids ids;
    const gchar *value;
    g_autoptr(GByteArray) m = NULL;
    g_autoptr(MbimMessage) parsed = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree gchar *device_id = NULL;
    g_autofree gchar *fw = NULL;
    IdgGuard guard;

    ids_init (&ids);
    value = caps_value (&ids, c->which);
    m = message (CD, uuid_of (MBIM_SERVICE_BASIC_CONNECT), MBIM_CID_BASIC_CONNECT_DEVICE_CAPS,
                 ib ("uuuuuuuussss", 1, c->cellular_class, 1, 2, 0x3f, 3, 1, 8,
                     "custom", value, "FW-1.0", "HW"));
    g_assert_cmpint (idg_mbim_device_id_kind (c->cellular_class, value), ==, c->kind);
    guard_for (&guard, allowed ? IDG_KIND_BIT (c->kind) : 0);
    g_assert_cmpint (idg_mbim_filter_reply (m->data, m->len, NULL, 0, &guard), ==, IDG_MBIM_PASS);
    g_assert_cmpuint (guard.tally[c->kind][allowed ? IDG_DECISION_RELEASE : IDG_DECISION_REWRITE], ==, 1);
    parsed = as_mbim (m);
    g_assert_true (mbim_message_device_caps_response_parse (parsed, NULL, NULL, NULL, NULL, NULL, NULL,
                                                           NULL, NULL, NULL, &device_id, &fw, NULL,
                                                           &error));
    g_assert_no_error (error);
    check_value (device_id, value, allowed);
    g_assert_cmpstr (fw, ==, "FW-1.0");
    if (!allowed)
      assert_absent (m, value);
    ids_clear (&ids);
  }
}

/* MS Basic Connect Extensions Device Caps v2 (strings) and v3 (TLVs). */
static GByteArray *
tlv (GByteArray  *a,
     guint16      type,
     const guint8 *data,
     guint32      len)
{
  guint8 h[8] = { 0 };
  guint8 pad = (guint8) ((4 - len % 4) % 4);

  h[0] = (guint8) type;
  h[1] = (guint8) (type >> 8);
  h[3] = pad;
  idg_mbim_write_u32 (h + 4, len);
  g_byte_array_append (a, h, 8);
  if (len)
    g_byte_array_append (a, data, len);
  pad4 (a);
  return a;
}

static GByteArray *
tlv_str (GByteArray  *a,
         const gchar *s)
{
  guint8 u[256];
  gsize n = idg_utf16le_encode (s, u, sizeof u);

  return tlv (a, MBIM_TLV_TYPE_WCHAR_STR, u, (guint32) n);
}

static GByteArray *
caps_v3 (const gchar *device_id)
{
  static const guint8 bands[] = { 1, 0, 3, 0, 7, 0 };
  GByteArray *b = ib ("uuuuuuuquuu", 1, MBIM_CELLULAR_CLASS_GSM, 1, 2, 0x3f, 3, 1,
                      (guint64) 0, 8, 0, 0);

  g_assert_cmpuint (b->len, ==, 48);
  tlv (b, MBIM_TLV_TYPE_UINT16_TBL, bands, sizeof bands);
  tlv (b, MBIM_TLV_TYPE_UINT16_TBL, bands, 2);
  tlv_str (b, "custom");
  tlv_str (b, device_id);
  tlv_str (b, "FW-3");
  tlv_str (b, "HW-3");
  return b;
}

static void
test_bce_device_caps (void)
{
  guint v, allowed, major;

  for (v = 2; v <= 3; v++)
    for (major = 0; major <= 3; major += 3)
      for (allowed = 0; allowed < 2; allowed++) {
        Ids ids;
        g_autoptr(GByteArray) m = NULL;
        g_autoptr(MbimMessage) parsed = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree gchar *device_id = NULL;
        g_autofree gchar *fw = NULL;
        IdgGuard guard;

        ids_init (&ids);
        if (v == 2)
          m = message (CD, uuid_of (MBIM_SERVICE_MS_BASIC_CONNECT_EXTENSIONS),
                       MBIM_CID_MS_BASIC_CONNECT_EXTENSIONS_DEVICE_CAPS,
                       ib ("uuuuuuuussssu", 1, MBIM_CELLULAR_CLASS_GSM, 1, 2, 0x3f, 3, 1, 8,
                           "custom", ids.imei, "FW-2", "HW-2", 0));
        else
          m = message (CD, uuid_of (MBIM_SERVICE_MS_BASIC_CONNECT_EXTENSIONS),
                       MBIM_CID_MS_BASIC_CONNECT_EXTENSIONS_DEVICE_CAPS, caps_v3 (ids.imei));
        guard_for (&guard, allowed ? IDG_KIND_BIT (IDG_KIND_IMEI) : 0);
        g_assert_cmpint (idg_mbim_filter_reply (m->data, m->len, NULL, major, &guard), ==, IDG_MBIM_PASS);
        g_assert_cmpuint (guard.tally[IDG_KIND_IMEI][allowed ? IDG_DECISION_RELEASE : IDG_DECISION_REWRITE], ==, 1);
        parsed = as_mbim (m);
        if (v == 2)
          g_assert_true (mbim_message_ms_basic_connect_extensions_device_caps_response_parse (
              parsed, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &device_id, &fw, NULL, NULL,
              &error));
        else
          g_assert_true (mbim_message_ms_basic_connect_extensions_v3_device_caps_response_parse (
              parsed, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, &device_id, &fw, NULL, &error));
        g_assert_no_error (error);
        check_value (device_id, ids.imei, allowed);
        g_assert_cmpstr (fw, ==, v == 2 ? "FW-2" : "FW-3");
        if (!allowed)
          assert_absent (m, ids.imei);
        ids_clear (&ids);
      }
}

/* --- Subscriber Ready Status ----------------------------------------------- */

typedef struct {
  const gchar *name;
  guint        layout;    /* 1 or 3 */
  guint32      type;      /* CD or IS */
  guint        major;     /* mbimex hint given to the filter */
} SrsCase;

static const SrsCase srs_cases[] = {
  { "v1-response",            1, CD, 0 },
  { "v1-indication",          1, IS, 0 },
  { "v3-response",            3, CD, 3 },
  { "v3-indication",          3, IS, 3 },
  { "v3-response-no-hint",    3, CD, 0 },
  { "v3-indication-no-hint",  3, IS, 0 },
  { "v1-response-wrong-hint", 1, CD, 3 },
};

static GByteArray *
srs_message (guint        layout,
             guint32      type,
             const Ids   *ids)
{
  GByteArray *b;

  if (layout == 1)
    b = ib ("ussuuss", MBIM_SUBSCRIBER_READY_STATE_INITIALIZED, ids->imsi, ids->iccid, 0, 2,
            ids->msisdn, ids->msisdn2);
  else
    b = ib ("uussuuss", MBIM_SUBSCRIBER_READY_STATE_INITIALIZED, 0, ids->imsi, ids->iccid, 0, 2,
            ids->msisdn, ids->msisdn2);
  return message (type, uuid_of (MBIM_SERVICE_BASIC_CONNECT),
                  MBIM_CID_BASIC_CONNECT_SUBSCRIBER_READY_STATUS, b);
}

static gboolean
srs_parse (GByteArray  *m,
           guint        layout,
           guint32      type,
           gchar      **imsi,
           gchar      **iccid,
           gchar     ***numbers)
{
  g_autoptr(MbimMessage) parsed = as_mbim (m);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (layout == 1 && type == CD)
    ok = mbim_message_subscriber_ready_status_response_parse (parsed, NULL, imsi, iccid, NULL, NULL,
                                                              numbers, &error);
  else if (layout == 1)
    ok = mbim_message_subscriber_ready_status_notification_parse (parsed, NULL, imsi, iccid, NULL,
                                                                  NULL, numbers, &error);
  else if (type == CD)
    ok = mbim_message_ms_basic_connect_v3_subscriber_ready_status_response_parse (
        parsed, NULL, NULL, imsi, iccid, NULL, NULL, numbers, &error);
  else
    ok = mbim_message_ms_basic_connect_v3_subscriber_ready_status_notification_parse (
        parsed, NULL, NULL, imsi, iccid, NULL, NULL, numbers, &error);
  g_assert_no_error (error);
  return ok;
}

static void
test_subscriber_ready_status (gconstpointer data)
{
  const SrsCase *c = data;
  static const guint32 masks[] = {
    0,
    IDG_KIND_BIT (IDG_KIND_IMSI),
    IDG_KIND_BIT (IDG_KIND_ICCID) | IDG_KIND_BIT (IDG_KIND_MSISDN),
    IDG_KIND_MASK_ALL,
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (masks); i++) {
    Ids ids;
    g_autoptr(GByteArray) m = NULL;
    g_autofree gchar *imsi = NULL;
    g_autofree gchar *iccid = NULL;
    g_auto(GStrv) numbers = NULL;
    IdgGuard guard;
    gboolean a_imsi = (masks[i] & IDG_KIND_BIT (IDG_KIND_IMSI)) != 0;
    gboolean a_iccid = (masks[i] & IDG_KIND_BIT (IDG_KIND_ICCID)) != 0;
    gboolean a_msisdn = (masks[i] & IDG_KIND_BIT (IDG_KIND_MSISDN)) != 0;

    ids_init (&ids);
    m = srs_message (c->layout, c->type, &ids);
    guard_for (&guard, masks[i]);
    g_assert_cmpint (idg_mbim_filter_reply (m->data, m->len, NULL, c->major, &guard), ==, IDG_MBIM_PASS);
    g_assert_true (srs_parse (m, c->layout, c->type, &imsi, &iccid, &numbers));
    check_value (imsi, ids.imsi, a_imsi);
    check_value (iccid, ids.iccid, a_iccid);
    g_assert_cmpuint (g_strv_length (numbers), ==, 2);
    check_value (numbers[0], ids.msisdn, a_msisdn);
    check_value (numbers[1], ids.msisdn2, a_msisdn);
    if (!a_msisdn) {
      g_assert_true (numbers[0][0] == '+');
      g_assert_cmpuint (guard.tally[IDG_KIND_MSISDN][IDG_DECISION_REWRITE], ==, 2);
      assert_absent (m, ids.msisdn);
      assert_absent (m, ids.msisdn2);
    }
    if (!a_imsi)
      assert_absent (m, ids.imsi);
    if (!a_iccid)
      assert_absent (m, ids.iccid);
    ids_clear (&ids);
  }
}

/* A SIM absent: empty strings, no numbers; the message passes unchanged. */
static void
test_srs_empty (void)
{
  g_autoptr(GByteArray) m = message (CD, uuid_of (MBIM_SERVICE_BASIC_CONNECT),
                                     MBIM_CID_BASIC_CONNECT_SUBSCRIBER_READY_STATUS,
                                     ib ("ussuu", MBIM_SUBSCRIBER_READY_STATE_SIM_NOT_INSERTED,
                                         NULL, NULL, 0, 0));
  g_autoptr(GByteArray) before = g_byte_array_new ();
  IdgGuard guard;

  g_byte_array_append (before, m->data, m->len);
  guard_for (&guard, 0);
  g_assert_cmpint (idg_mbim_filter_reply (m->data, m->len, NULL, 0, &guard), ==, IDG_MBIM_PASS);
  g_assert_cmpmem (m->data, m->len, before->data, before->len);
  g_assert_true (idg_guard_empty (&guard));
}

/* --- UICC low level access ------------------------------------------------- */

typedef struct {
  const gchar *name;
  guint32      cid;
  guint16      file;
  IdgKind      kind;
} UiccCase;

static const UiccCase uicc_cases[] = {
  { "read-binary-iccid",  MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_BINARY, 0x2FE2, IDG_KIND_ICCID },
  { "read-binary-imsi",   MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_BINARY, 0x6F07, IDG_KIND_IMSI },
  { "read-record-msisdn", MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_RECORD, 0x6F40, IDG_KIND_MSISDN },
};

static GByteArray *
uicc_request (guint32        cid,
              const guint8  *path,
              guint          path_len)
{
  static const guint8 app[] = { 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02 };
  GByteArray *b;

  if (cid == MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_BINARY)
    b = ib ("ubbuusb", 1, app, (guint) sizeof app, path, path_len, 0, 0, NULL, NULL, 0);
  else
    b = ib ("ubbusb", 1, app, (guint) sizeof app, path, path_len, 1, NULL, NULL, 0);
  return message (3, uuid_of (MBIM_SERVICE_MS_UICC_LOW_LEVEL_ACCESS), cid, b);
}

static void
test_uicc_read (gconstpointer data)
{
  const UiccCase *c = data;
  guint allowed;

  for (allowed = 0; allowed < 2; allowed++) {
    Ids ids;
    guint8 path[4] = { 0x3F, 0x00, (guint8) (c->file >> 8), (guint8) c->file };
    guint8 file[28];
    gsize flen;
    gchar back[64];
    const gchar *real;
    g_autoptr(GByteArray) req = uicc_request (c->cid, path, sizeof path);
    g_autoptr(GByteArray) m = NULL;
    g_autoptr(MbimMessage) parsed = NULL;
    g_autoptr(GError) error = NULL;
    const guint8 *d = NULL;
    guint32 dlen = 0;
    IdgMbimNote note;
    IdgGuard guard;

    ids_init (&ids);
    memset (file, 0xFF, sizeof file);
    if (c->kind == IDG_KIND_ICCID) {
      real = ids.iccid;
      flen = IDG_EF_ICCID_LEN;
      g_assert_true (idg_bcd_encode (real, file, flen));
    } else if (c->kind == IDG_KIND_IMSI) {
      real = ids.imsi;
      flen = IDG_EF_IMSI_LEN;
      g_assert_true (idg_ef_imsi_encode (real, file));
    } else {
      real = ids.msisdn;
      flen = sizeof file;
      g_assert_true (idg_ef_msisdn_encode (real, file, flen));
    }
    guard_for (&guard, allowed ? IDG_KIND_BIT (c->kind) : 0);
    g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, NULL), ==, IDG_MBIM_PASS);
    m = message (CD, uuid_of (MBIM_SERVICE_MS_UICC_LOW_LEVEL_ACCESS), c->cid,
                 ib ("uuub", 1, 0x90, 0, file, (guint) flen));
    g_assert_cmpint (idg_mbim_filter_reply (m->data, m->len, &note, 0, &guard), ==, IDG_MBIM_PASS);
    g_assert_cmpuint (guard.tally[c->kind][allowed ? IDG_DECISION_RELEASE : IDG_DECISION_REWRITE], ==, 1);
    parsed = as_mbim (m);
    if (c->cid == MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_BINARY)
      g_assert_true (mbim_message_ms_uicc_low_level_access_read_binary_response_parse (
          parsed, NULL, NULL, NULL, &dlen, &d, &error));
    else
      g_assert_true (mbim_message_ms_uicc_low_level_access_read_record_response_parse (
          parsed, NULL, NULL, NULL, &dlen, &d, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (dlen, ==, flen);
    if (c->kind == IDG_KIND_ICCID)
      g_assert_cmpint (idg_bcd_decode (d, dlen, back, sizeof back), ==, (gssize) strlen (real));
    else if (c->kind == IDG_KIND_IMSI)
      g_assert_cmpint (idg_ef_imsi_decode (d, dlen, back, sizeof back), ==, (gssize) strlen (real));
    else
      g_assert_cmpint (idg_ef_msisdn_decode (d, dlen, back, sizeof back), >, 0);
    check_value (back, real, allowed);
    ids_clear (&ids);
  }
}

/* A file without identifiers passes untouched; an unparseable path is raw
 * access. */
static void
test_uicc_other_file (void)
{
  static const guint8 spn_path[] = { 0x7F, 0xFF, 0x6F, 0x46 };
  static const guint8 odd_path[] = { 0x7F };
  static const guint8 spn[] = { 0x01, 'i', 'd', 'g', 0xFF };
  g_autoptr(GByteArray) req = uicc_request (MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_BINARY,
                                            spn_path, sizeof spn_path);
  g_autoptr(GByteArray) bad = uicc_request (MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_BINARY,
                                            odd_path, sizeof odd_path);
  g_autoptr(GByteArray) m = message (CD, uuid_of (MBIM_SERVICE_MS_UICC_LOW_LEVEL_ACCESS),
                                     MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_BINARY,
                                     ib ("uuub", 1, 0x90, 0, spn, (guint) sizeof spn));
  g_autoptr(GByteArray) before = g_byte_array_new ();
  IdgMbimNote note;
  IdgGuard guard;

  g_byte_array_append (before, m->data, m->len);
  guard_for (&guard, 0);
  g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, NULL), ==, IDG_MBIM_PASS);
  g_assert_cmpint (note.file, ==, IDG_MBIM_FILE_OTHER);
  g_assert_cmpint (idg_mbim_filter_reply (m->data, m->len, &note, 0, &guard), ==, IDG_MBIM_PASS);
  g_assert_cmpmem (m->data, m->len, before->data, before->len);

  g_assert_cmpint (idg_mbim_filter_request (bad->data, bad->len, &guard, &note, NULL), ==, IDG_MBIM_REFUSE);
  g_assert_cmpuint (guard.tally[IDG_GUARD_SLOT_RAW_SIM][IDG_DECISION_REFUSE], ==, 1);
  guard_for (&guard, IDG_KIND_MASK_SIM);
  g_assert_cmpint (idg_mbim_filter_request (bad->data, bad->len, &guard, &note, NULL), ==, IDG_MBIM_PASS);
}

/* --- refusals: raw SIM access and tunnels ----------------------------------- */

typedef struct {
  const gchar *name;
  MbimService  service;     /* MBIM_SERVICE_INVALID: use uuid */
  const gchar *uuid;
  guint32      cid;
  guint32      needs;       /* kinds that let it through */
} RefuseCase;

static const RefuseCase refuse_cases[] = {
  { "uicc-apdu",         MBIM_SERVICE_MS_UICC_LOW_LEVEL_ACCESS, NULL, 4, IDG_KIND_MASK_SIM },
  { "uicc-open-channel", MBIM_SERVICE_MS_UICC_LOW_LEVEL_ACCESS, NULL, 2, IDG_KIND_MASK_SIM },
};

static void
test_refuse (gconstpointer data)
{
  const RefuseCase *c = data;
  static const guint8 payload[] = { 0x00, 0xA4, 0x00, 0x04, 0x02, 0x2F, 0xE2 };
  MbimUuid uuid;
  g_autoptr(GByteArray) req = NULL;
  g_autoptr(GByteArray) done = NULL;
  g_autoptr(GByteArray) reply = NULL;
  g_autoptr(MbimMessage) parsed = NULL;
  g_autoptr(GError) error = NULL;
  IdgGuard guard;

  if (c->uuid)
    g_assert_true (mbim_uuid_from_printable (c->uuid, &uuid));
  else
    uuid = *mbim_uuid_from_service (c->service);
  req = message (3, (const guint8 *) &uuid, c->cid, ib ("b", payload, (guint) sizeof payload));
  idg_mbim_write_u32 (req->data + 40, 1);

  /* without the kinds: refused with OPERATION_NOT_ALLOWED, reply dropped */
  guard_for (&guard, c->needs & ~IDG_KIND_BIT (IDG_KIND_ICCID));
  g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, NULL, NULL), ==, IDG_MBIM_REFUSE);
  g_assert_cmpuint (guard.tally[IDG_GUARD_SLOT_RAW_SIM][IDG_DECISION_REFUSE], ==, 1);
  done = idg_mbim_filter_refusal (req->data, req->len, NULL);
  parsed = as_mbim (done);
  g_assert_false (mbim_message_response_get_result (parsed, MBIM_MESSAGE_TYPE_COMMAND_DONE, &error));
  g_assert_error (error, MBIM_STATUS_ERROR, MBIM_STATUS_ERROR_OPERATION_NOT_ALLOWED);
  g_assert_cmpuint (mbim_message_get_transaction_id (parsed), ==, 7);
  g_assert_true (mbim_uuid_cmp (mbim_message_command_done_get_service_id (parsed), &uuid));
  g_assert_cmpuint (mbim_message_command_done_get_cid (parsed), ==, c->cid);
  reply = message (CD, (const guint8 *) &uuid, c->cid, ib ("b", payload, (guint) sizeof payload));
  g_assert_cmpint (idg_mbim_filter_reply (reply->data, reply->len, NULL, 0, &guard), ==, IDG_MBIM_DROP);

  /* with every kind it needs: through */
  guard_for (&guard, c->needs);
  g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, NULL, NULL), ==, IDG_MBIM_PASS);
  g_assert_cmpint (idg_mbim_filter_reply (reply->data, reply->len, NULL, 0, &guard), ==, IDG_MBIM_PASS);
}

/* --- malformed and lying messages ------------------------------------------- */

typedef enum {
  LIE_HEADER_LONGER,     /* header length > bytes: dropped */
  LIE_HEADER_SHORTER,    /* header length < bytes: dropped */
  LIE_BUFFER_SHORTER,    /* information buffer ends before the strings */
  LIE_BUFFER_LONGER,     /* information buffer past the message: dropped */
  LIE_OFFSET_HUGE,       /* a string offset near 2^32 */
  LIE_OFFSET_FIXED,      /* a string inside the fixed part */
  LIE_COUNT_HUGE,        /* TelephoneNumbersCount 0x7fffffff */
  LIE_FRAGMENT,          /* a partial fragment: dropped */
  LIE_TRUNCATED,         /* cut in the middle, lengths adjusted */
} Lie;

typedef struct {
  const gchar *name;
  Lie          lie;
  gboolean     dropped;
} LieCase;

static const LieCase lie_cases[] = {
  { "header-longer",  LIE_HEADER_LONGER,  TRUE },
  { "header-shorter", LIE_HEADER_SHORTER, TRUE },
  { "buffer-shorter", LIE_BUFFER_SHORTER, FALSE },
  { "buffer-longer",  LIE_BUFFER_LONGER,  TRUE },
  { "offset-huge",    LIE_OFFSET_HUGE,    FALSE },
  { "offset-fixed",   LIE_OFFSET_FIXED,   FALSE },
  { "count-huge",     LIE_COUNT_HUGE,     FALSE },
  { "fragment",       LIE_FRAGMENT,       TRUE },
  { "truncated",      LIE_TRUNCATED,      FALSE },
};

static void
lie (GByteArray *m,
     Lie         how)
{
  guint8 *b = m->data + 48;

  switch (how) {
  case LIE_HEADER_LONGER:
    idg_mbim_write_u32 (m->data + 4, m->len + 8);
    break;
  case LIE_HEADER_SHORTER:
    idg_mbim_write_u32 (m->data + 4, m->len - 8);
    break;
  case LIE_BUFFER_SHORTER:
    idg_mbim_write_u32 (m->data + 44, 60);
    break;
  case LIE_BUFFER_LONGER:
    idg_mbim_write_u32 (m->data + 44, m->len);
    break;
  case LIE_OFFSET_HUGE:
    idg_mbim_write_u32 (b + 4, 0xFFFFFFF0u);
    break;
  case LIE_OFFSET_FIXED:
    idg_mbim_write_u32 (b + 12, 8);
    break;
  case LIE_COUNT_HUGE:
    idg_mbim_write_u32 (b + 24, 0x7FFFFFFFu);
    break;
  case LIE_FRAGMENT:
    idg_mbim_write_u32 (m->data + 12, 2);
    break;
  case LIE_TRUNCATED:
    g_byte_array_set_size (m, m->len - 30);
    idg_mbim_write_u32 (m->data + 4, m->len);
    idg_mbim_write_u32 (m->data + 44, m->len - 48);
    break;
  }
}

static void
test_lie (gconstpointer data)
{
  const LieCase *c = data;
  guint allowed;

  for (allowed = 0; allowed < 2; allowed++) {
    Ids ids;
    g_autoptr(GByteArray) m = NULL;
    g_autoptr(GByteArray) before = g_byte_array_new ();
    IdgMbimVerdict v;
    IdgGuard guard;

    ids_init (&ids);
    m = srs_message (1, CD, &ids);
    lie (m, c->lie);
    g_byte_array_append (before, m->data, m->len);
    guard_for (&guard, allowed ? IDG_KIND_MASK_ALL : IDG_KIND_BIT (IDG_KIND_IMSI));
    v = idg_mbim_filter_reply (m->data, m->len, NULL, 0, &guard);
    g_assert_cmpint (v, ==, c->dropped ? IDG_MBIM_DROP : IDG_MBIM_PASS);
    if (v == IDG_MBIM_PASS && !allowed) {
      /* whatever a parser makes of it, the hidden values are not there */
      g_autoptr(MbimMessage) parsed = as_mbim (m);
      g_autofree gchar *iccid = NULL;

      assert_absent (m, ids.iccid);
      assert_absent (m, ids.msisdn);
      assert_absent (m, ids.msisdn2);
      if (mbim_message_subscriber_ready_status_response_parse (parsed, NULL, NULL, &iccid, NULL, NULL,
                                                               NULL, NULL) && iccid)
        g_assert_cmpstr (iccid, !=, ids.iccid);
    }
    if (v == IDG_MBIM_PASS && allowed && c->lie != LIE_BUFFER_SHORTER)
      g_assert_cmpmem (m->data, m->len, before->data, before->len);
    ids_clear (&ids);
  }
}

/* A Device Caps whose DeviceId lies is scrubbed, never failed: the client
 * still parses it (every string empty). */
static void
test_device_caps_scrubbed (void)
{
  Ids ids;
  g_autoptr(GByteArray) m = NULL;
  g_autoptr(MbimMessage) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *device_id = NULL;
  IdgGuard guard;

  ids_init (&ids);
  m = message (CD, uuid_of (MBIM_SERVICE_BASIC_CONNECT), MBIM_CID_BASIC_CONNECT_DEVICE_CAPS,
               ib ("uuuuuuuussss", 1, 1, 1, 2, 0x3f, 3, 1, 8, "c", ids.imei, "FW", "HW"));
  idg_mbim_write_u32 (m->data + 48 + 44, 1000);
  guard_for (&guard, 0);
  g_assert_cmpint (idg_mbim_filter_reply (m->data, m->len, NULL, 0, &guard), ==, IDG_MBIM_PASS);
  g_assert_cmpuint (guard.tally[IDG_KIND_IMEI][IDG_DECISION_REWRITE], ==, 1);
  assert_absent (m, ids.imei);
  parsed = as_mbim (m);
  g_assert_true (mbim_message_device_caps_response_parse (parsed, NULL, NULL, NULL, NULL, NULL, NULL,
                                                         NULL, NULL, NULL, &device_id, NULL, NULL,
                                                         &error));
  g_assert_no_error (error);
  g_assert_true (device_id == NULL || *device_id == 0);
  ids_clear (&ids);
}

/* Bytes after the information buffer never leave, whatever they are. */
static void
test_trailing_bytes (void)
{
  Ids ids;
  g_autoptr(GByteArray) m = NULL;
  guint8 u[64];
  gsize n;
  IdgGuard guard;

  ids_init (&ids);
  m = message (IS, uuid_of (MBIM_SERVICE_BASIC_CONNECT), MBIM_CID_BASIC_CONNECT_SIGNAL_STATE,
               ib ("uuuuu", 10, 0, 5, 0, 0));
  n = idg_utf16le_encode (ids.imsi, u, sizeof u);
  g_byte_array_append (m, u, n);
  idg_mbim_write_u32 (m->data + 4, m->len);
  guard_for (&guard, 0);
  g_assert_cmpint (idg_mbim_filter_reply (m->data, m->len, NULL, 0, &guard), ==, IDG_MBIM_PASS);
  assert_absent (m, ids.imsi);
  ids_clear (&ids);
}

/* Messages that carry no identifier pass byte for byte. */
static void
test_passthrough (void)
{
  g_autoptr(GByteArray) m = message (CD, uuid_of (MBIM_SERVICE_BASIC_CONNECT),
                                     MBIM_CID_BASIC_CONNECT_RADIO_STATE, ib ("uu", 1, 1));
  g_autoptr(GByteArray) before = g_byte_array_new ();
  IdgGuard guard;

  g_byte_array_append (before, m->data, m->len);
  guard_for (&guard, 0);
  g_assert_cmpint (idg_mbim_filter_reply (m->data, m->len, NULL, 0, &guard), ==, IDG_MBIM_PASS);
  g_assert_cmpmem (m->data, m->len, before->data, before->len);
  g_assert_true (idg_guard_empty (&guard));
  g_assert_cmpint (idg_mbim_filter_request (m->data, m->len, &guard, NULL, NULL), ==, IDG_MBIM_PASS);
}

/* Every prefix of a valid message, with its lengths rewritten or not:
 * never a crash, never an IMSI out. */
static void
test_prefixes (void)
{
  Ids ids;
  g_autoptr(GByteArray) full = NULL;
  gsize cut;

  ids_init (&ids);
  full = srs_message (3, IS, &ids);
  for (cut = 0; cut <= full->len; cut++) {
    g_autoptr(GByteArray) m = g_byte_array_new ();
    IdgGuard guard;

    g_byte_array_append (m, full->data, cut);
    if (cut >= 44) {
      idg_mbim_write_u32 (m->data + 4, cut);
      idg_mbim_write_u32 (m->data + 40, cut - 44);
    }
    guard_for (&guard, 0);
    if (idg_mbim_filter_reply (m->data, m->len, NULL, 3, &guard) == IDG_MBIM_PASS)
      assert_absent (m, ids.imsi);
  }
  ids_clear (&ids);
}

/* --- tunnels ---------------------------------------------------------------- */

/* A QMUX frame: service, flags, SDU type, message id, TLVs. */
static GByteArray *
qmux (guint8        service,
      guint8        flags,
      guint8        type,
      guint16       msg_id,
      const guint8 *tlvs,
      guint16       tlv_len)
{
  GByteArray *f = g_byte_array_new ();
  guint8 h[13] = { 0x01, 0, 0, flags, service, 1, type, 5, 0,
                   (guint8) msg_id, (guint8) (msg_id >> 8), (guint8) tlv_len, (guint8) (tlv_len >> 8) };
  guint16 len = (guint16) (sizeof h - 1 + tlv_len);

  h[1] = (guint8) len;
  h[2] = (guint8) (len >> 8);
  g_byte_array_append (f, h, sizeof h);
  g_byte_array_append (f, tlvs, tlv_len);
  return f;
}

static GByteArray *
wrap (guint32     type,
      const gchar *uuid_str,
      MbimService  service,
      GByteArray  *payload)
{
  MbimUuid uuid;
  GByteArray *m;

  if (uuid_str)
    g_assert_true (mbim_uuid_from_printable (uuid_str, &uuid));
  else
    uuid = *mbim_uuid_from_service (service);
  m = message (type, (const guint8 *) &uuid, 1,
               ib ("b", payload->data, payload->len));
  /* the tunnels carry the payload as the whole buffer, no offset pair */
  g_byte_array_remove_range (m, 48, 8);
  idg_mbim_write_u32 (m->data + 4, m->len);
  idg_mbim_write_u32 (m->data + 44, m->len - 48);
  g_byte_array_set_size (m, 48 + payload->len);
  memcpy (m->data + 48, payload->data, payload->len);
  idg_mbim_write_u32 (m->data + 4, m->len);
  idg_mbim_write_u32 (m->data + 44, payload->len);
  g_byte_array_unref (payload);
  if (type == 3)
    idg_mbim_write_u32 (m->data + 40, 1);
  return m;
}

static void
test_qmi_over_mbim (void)
{
  guint allowed;

  for (allowed = 0; allowed < 2; allowed++) {
    Ids ids;
    guint8 tlvs[7 + 3 + 15] = { 0x02, 4, 0, 0, 0, 0, 0, 0x11, 15, 0 };
    g_autoptr(GByteArray) req = NULL;
    g_autoptr(GByteArray) resp = NULL;
    IdgMbimNote note;
    IdgGuard guard;

    ids_init (&ids);
    memcpy (tlvs + 10, ids.imei, 15);
    req = wrap (3, NULL, MBIM_SERVICE_QMI, qmux (0x02, 0x00, 0x00, 0x0025, NULL, 0));
    resp = wrap (CD, NULL, MBIM_SERVICE_QMI, qmux (0x02, 0x80, 0x02, 0x0025, tlvs, sizeof tlvs));
    guard_for (&guard, allowed ? IDG_KIND_BIT (IDG_KIND_IMEI) : 0);
    g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, NULL), ==, IDG_MBIM_PASS);
    g_assert_true (note.has_qmi);
    g_assert_cmpint (idg_mbim_filter_reply (resp->data, resp->len, &note, 0, &guard), ==, IDG_MBIM_PASS);
    if (allowed)
      g_assert_nonnull (memmem (resp->data, resp->len, ids.imei, strlen (ids.imei)));
    else
      assert_absent (resp, ids.imei);
    g_assert_cmpuint (guard.tally[IDG_KIND_IMEI][allowed ? IDG_DECISION_RELEASE : IDG_DECISION_REWRITE], ==, 1);
    ids_clear (&ids);
  }
}

static void
test_qmi_over_mbim_apdu (void)
{
  static const guint8 tlvs[] = { 0x01, 1, 0, 1, 0x02, 9, 0, 7, 0, 0x00, 0xA4, 0x00, 0x04, 0x02, 0x2F, 0xE2 };
  g_autoptr(GByteArray) req = wrap (3, NULL, MBIM_SERVICE_QMI, qmux (0x0B, 0x00, 0x00, 0x003B, tlvs, sizeof tlvs));
  g_autoptr(GByteArray) refusal = NULL;
  g_autoptr(MbimMessage) parsed = NULL;
  static const guint8 denied[] = { 0x02, 4, 0, 1, 0, 0x52, 0 };
  IdgMbimNote note;
  IdgGuard guard;

  guard_for (&guard, IDG_KIND_BIT (IDG_KIND_IMSI));
  g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, NULL), ==, IDG_MBIM_REFUSE);
  refusal = idg_mbim_filter_refusal (req->data, req->len, &note);
  parsed = as_mbim (refusal);
  /* the MBIM command succeeds; the QMI inside says ACCESS_DENIED */
  g_assert_true (mbim_message_response_get_result (parsed, MBIM_MESSAGE_TYPE_COMMAND_DONE, NULL));
  g_assert_nonnull (memmem (refusal->data, refusal->len, denied, sizeof denied));
  guard_for (&guard, IDG_KIND_MASK_ALL);
  g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, NULL), ==, IDG_MBIM_PASS);
}

static GByteArray *
text (const gchar *s)
{
  GByteArray *a = g_byte_array_new ();

  g_byte_array_append (a, (const guint8 *) s, (guint) strlen (s));
  return a;
}

static void
test_at_tunnel (gconstpointer data)
{
  const gchar *uuid = data;
  guint allowed;

  for (allowed = 0; allowed < 2; allowed++) {
    Ids ids;
    g_autofree gchar *answer = NULL;
    g_autoptr(GByteArray) req = wrap (3, uuid, 0, text ("AT+CGSN\r"));
    g_autoptr(GByteArray) resp = NULL;
    g_autoptr(GByteArray) csim = wrap (3, uuid, 0, text ("AT+CSIM=14,\"00A40004022FE2\"\r"));
    g_autoptr(GByteArray) refusal = NULL;
    IdgMbimNote note;
    IdgGuard guard;

    ids_init (&ids);
    answer = g_strdup_printf ("\r\n%s\r\n\r\nOK\r\n", ids.imei);
    resp = wrap (CD, uuid, 0, text (answer));
    guard_for (&guard, allowed ? IDG_KIND_MASK_ALL : 0);
    g_assert_cmpint (idg_mbim_filter_request (req->data, req->len, &guard, &note, NULL), ==, IDG_MBIM_PASS);
    g_assert_cmpint (idg_mbim_filter_reply (resp->data, resp->len, &note, 0, &guard), ==, IDG_MBIM_PASS);
    if (allowed)
      g_assert_nonnull (memmem (resp->data, resp->len, ids.imei, strlen (ids.imei)));
    else
      assert_absent (resp, ids.imei);
    g_assert_nonnull (memmem (resp->data, resp->len, "OK", strlen ("OK")));

    g_assert_cmpint (idg_mbim_filter_request (csim->data, csim->len, &guard, &note, NULL), ==,
                     allowed ? IDG_MBIM_PASS : IDG_MBIM_REFUSE);
    if (!allowed) {
      refusal = idg_mbim_filter_refusal (csim->data, csim->len, &note);
      g_assert_nonnull (memmem (refusal->data, refusal->len, "+CME ERROR: 3", strlen ("+CME ERROR: 3")));
    }
    /* an unsolicited tunnel message is raw access */
    g_assert_cmpint (idg_mbim_filter_reply (resp->data, resp->len, NULL, 0, &guard), ==,
                     allowed ? IDG_MBIM_PASS : IDG_MBIM_DROP);
    ids_clear (&ids);
  }
}

int
main (int    argc,
      char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (caps_cases); i++) {
    g_autofree gchar *p = g_strdup_printf ("/mbim/filter/device-caps/%s", caps_cases[i].name);
    g_test_add_data_func (p, &caps_cases[i], test_device_caps);
  }
  g_test_add_func ("/mbim/filter/device-caps/scrubbed", test_device_caps_scrubbed);
  g_test_add_func ("/mbim/filter/bce-device-caps/v2-v3", test_bce_device_caps);
  for (i = 0; i < G_N_ELEMENTS (srs_cases); i++) {
    g_autofree gchar *p = g_strdup_printf ("/mbim/filter/subscriber-ready-status/%s", srs_cases[i].name);
    g_test_add_data_func (p, &srs_cases[i], test_subscriber_ready_status);
  }
  g_test_add_func ("/mbim/filter/subscriber-ready-status/empty", test_srs_empty);
  for (i = 0; i < G_N_ELEMENTS (uicc_cases); i++) {
    g_autofree gchar *p = g_strdup_printf ("/mbim/filter/uicc/%s", uicc_cases[i].name);
    g_test_add_data_func (p, &uicc_cases[i], test_uicc_read);
  }
  g_test_add_func ("/mbim/filter/uicc/other-file", test_uicc_other_file);
  for (i = 0; i < G_N_ELEMENTS (refuse_cases); i++) {
    g_autofree gchar *p = g_strdup_printf ("/mbim/filter/refuse/%s", refuse_cases[i].name);
    g_test_add_data_func (p, &refuse_cases[i], test_refuse);
  }
  for (i = 0; i < G_N_ELEMENTS (lie_cases); i++) {
    g_autofree gchar *p = g_strdup_printf ("/mbim/filter/malformed/%s", lie_cases[i].name);
    g_test_add_data_func (p, &lie_cases[i], test_lie);
  }
  g_test_add_func ("/mbim/filter/malformed/trailing-bytes", test_trailing_bytes);
  g_test_add_func ("/mbim/filter/malformed/prefixes", test_prefixes);
  g_test_add_func ("/mbim/filter/passthrough", test_passthrough);
  g_test_add_func ("/mbim/filter/qmi-over-mbim/get-ids", test_qmi_over_mbim);
  g_test_add_func ("/mbim/filter/qmi-over-mbim/apdu", test_qmi_over_mbim_apdu);
  g_test_add_data_func ("/mbim/filter/at-tunnel/intel", "da138c64-6515-4893-92b2-a1e1ca7c81ca", test_at_tunnel);
  g_test_add_data_func ("/mbim/filter/at-tunnel/fibocom", "ffffffff-abca-4b11-a4e2-f2fc87f94488", test_at_tunnel);
  return g_test_run ();
}
