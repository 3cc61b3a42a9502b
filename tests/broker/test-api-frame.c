// SPDX-License-Identifier: GPL-2.0-or-later
/* The fast path's frames (userspace/common/idg-api-frame.c): what a client
 * builds parses back to the same call; every malformed body is refused. */
#include <gio/gio.h>
#include <string.h>
#include "idg-api-frame.h"

static const IdgFrameMethod methods[] = {
  { "GetIdentifier", "(say)" },
  { "RequestConsent", "(ss)" },
  { "ClaimToken", "(s)" },
};

/* The body of a frame built from ("name", value), copied to an aligned
 * buffer as the broker copies it. */
static GBytes *
body_of (const gchar *name, GVariant *value)
{
  guint64 buf[IDG_FRAME_BUF_WORDS];
  guint8 *frame = NULL;
  gsize len = idg_frame_build (buf, name, value, &frame);

  g_assert_cmpuint (len, >, IDG_FRAME_HEADER_LEN);
  g_assert_cmpuint (idg_frame_body_len (frame), ==, len - IDG_FRAME_HEADER_LEN);
  return g_bytes_new (frame + IDG_FRAME_HEADER_LEN, len - IDG_FRAME_HEADER_LEN);
}

static void
test_round_trip (void)
{
  g_autoptr(GBytes) body = body_of ("GetIdentifier",
                                    g_variant_new ("(s@ay)", "imei", g_variant_new_bytestring ("tok")));
  g_autoptr(GVariant) args = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *kind = NULL;
  g_autoptr(GVariant) tok = NULL;
  gint i;

  i = idg_frame_parse_request (body, methods, G_N_ELEMENTS (methods), &args, &error);
  g_assert_no_error (error);
  g_assert_cmpint (i, ==, 0);
  g_variant_get (args, "(&s@ay)", &kind, &tok);
  g_assert_cmpstr (kind, ==, "imei");
  g_assert_cmpstr (g_variant_get_bytestring (tok), ==, "tok");
}

static void
test_answers (void)
{
  g_autoptr(GBytes) ok = body_of ("", g_variant_new ("(s)", "value"));
  g_autoptr(GBytes) err = body_of ("org.idguard.Error.Refused", g_variant_new ("(s)", "no"));
  g_autoptr(GBytes) wrong = body_of ("", g_variant_new ("(u)", 7));
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *name = NULL, *s = NULL;

  g_assert_true (idg_frame_parse_answer (ok, G_VARIANT_TYPE ("(s)"), &name, &v, &error));
  g_assert_cmpstr (name, ==, "");
  g_variant_get (v, "(&s)", &s);
  g_assert_cmpstr (s, ==, "value");
  g_clear_pointer (&v, g_variant_unref);
  g_assert_true (idg_frame_parse_answer (err, G_VARIANT_TYPE ("(ss)"), &name, &v, &error));
  g_assert_cmpstr (name, ==, "org.idguard.Error.Refused");
  g_variant_get (v, "(&s)", &s);
  g_assert_cmpstr (s, ==, "no");
  g_clear_pointer (&v, g_variant_unref);
  g_assert_false (idg_frame_parse_answer (wrong, G_VARIANT_TYPE ("(s)"), &name, &v, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_null (v);
}

static void
test_header (void)
{
  static const struct {
    guint8 bytes[4];
    gsize  len;
  } cases[] = {
    { { 0, 0, 0, 0 }, 0 },
    { { 1, 0, 0, 0 }, 1 },
    { { 0x00, 0x10, 0, 0 }, IDG_FRAME_BODY_MAX },
    { { 0x01, 0x10, 0, 0 }, 0 },                  /* one byte over */
    { { 0xff, 0xff, 0xff, 0xff }, 0 },
    { { 0x00, 0x00, 0x00, 0x01 }, 0 },            /* big-endian 1 is not 1 */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpuint (idg_frame_body_len (cases[i].bytes), ==, cases[i].len);
}

static void
test_too_long (void)
{
  g_autofree gchar *big = g_strnfill (IDG_FRAME_BODY_MAX, 'x');
  guint64 buf[IDG_FRAME_BUF_WORDS];
  guint8 *frame = (guint8 *) buf;

  g_assert_cmpuint (idg_frame_build (buf, "RequestConsent", g_variant_new ("(ss)", "imei", big), &frame), ==, 0);
  g_assert_null (frame);
}

/* Bodies the broker must refuse, each for its own reason. */
static void
test_refused (void)
{
  const guint8 not_normal[] = { 'G', 'e', 't', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  struct {
    const gchar *what;
    GBytes      *body;
  } cases[] = {
    { "unknown method", body_of ("Grant", g_variant_new ("(s)", "x")) },
    { "admin method", body_of ("FactoryReset", g_variant_new ("()")) },
    { "empty name", body_of ("", g_variant_new ("(s)", "x")) },
    { "wrong argument type", body_of ("GetIdentifier", g_variant_new ("(ss)", "imei", "tok")) },
    { "missing argument", body_of ("GetIdentifier", g_variant_new ("(s)", "imei")) },
    { "extra argument", body_of ("ClaimToken", g_variant_new ("(ss)", "a", "b")) },
    { "args not a tuple", body_of ("ClaimToken", g_variant_new_string ("a")) },
    { "not normal form", g_bytes_new (not_normal, sizeof not_normal) },
    { "empty body", g_bytes_new ("", 0) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GVariant) args = NULL;
    g_autoptr(GError) error = NULL;

    g_test_message ("%s", cases[i].what);
    g_assert_cmpint (idg_frame_parse_request (cases[i].body, methods, G_N_ELEMENTS (methods),
                                              &args, &error), ==, -1);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_null (args);
    g_bytes_unref (cases[i].body);
  }
}

/* Every cut of a valid body is refused or parses to a value of the
 * method's type (never anything else, never a crash). */
static void
test_truncated (void)
{
  g_autoptr(GBytes) body = body_of ("RequestConsent", g_variant_new ("(ss)", "imei,imsi", "a purpose"));
  gsize size = g_bytes_get_size (body);

  for (gsize cut = 0; cut < size; cut++) {
    g_autoptr(GBytes) part = g_bytes_new_from_bytes (body, 0, cut);
    g_autofree guint64 *aligned = g_malloc0 (cut + 8);
    g_autoptr(GBytes) copy = NULL;
    g_autoptr(GVariant) args = NULL;
    g_autoptr(GError) error = NULL;

    memcpy (aligned, g_bytes_get_data (part, NULL), cut);
    copy = g_bytes_new_static (aligned, cut);
    g_assert_cmpint (idg_frame_parse_request (copy, methods, G_N_ELEMENTS (methods), &args, &error), ==, -1);
    g_assert_null (args);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/api-frame/round-trip", test_round_trip);
  g_test_add_func ("/api-frame/answers", test_answers);
  g_test_add_func ("/api-frame/header", test_header);
  g_test_add_func ("/api-frame/too-long", test_too_long);
  g_test_add_func ("/api-frame/refused", test_refused);
  g_test_add_func ("/api-frame/truncated", test_truncated);
  return g_test_run ();
}
