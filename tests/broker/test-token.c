// SPDX-License-Identifier: GPL-2.0-or-later
#include <glib.h>
#include <string.h>
#include "idg-token.h"

static void
test_shape (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint i;

  for (i = 0; i < 1000; i++) {
    gchar *t = idg_token_new (NULL);

    g_assert_nonnull (t);
    g_assert_true (g_str_has_prefix (t, "idg1_"));
    g_assert_cmpuint (strlen (t), ==, IDG_TOKEN_STRLEN);
    g_assert_true (idg_token_is_valid (t));
    g_assert_false (g_hash_table_contains (seen, t));
    g_hash_table_add (seen, g_strdup (t));
    idg_token_free (t);
  }
}

static void
test_hash (void)
{
  gchar *t = idg_token_new (NULL);
  g_autofree gchar *h1 = idg_token_hash (t);
  g_autofree gchar *h2 = idg_token_hash (t);
  g_autofree gchar *ref = g_compute_checksum_for_string (G_CHECKSUM_SHA256, t, -1);

  g_assert_cmpuint (strlen (h1), ==, IDG_TOKEN_HASH_LEN);
  g_assert_cmpstr (h1, ==, h2);
  g_assert_cmpstr (h1, ==, ref);
  g_assert_null (strstr (h1, t + 5));
  idg_token_free (t);
}

static const struct {
  const gchar *s;
  gboolean     valid;
} shapes[] = {
  { "idg1_0000000000000000000000000000000000000000000000000000000000000000", TRUE },
  { "idg1_000000000000000000000000000000000000000000000000000000000000000", FALSE },
  { "idg1_00000000000000000000000000000000000000000000000000000000000000000", FALSE },
  { "idg2_0000000000000000000000000000000000000000000000000000000000000000", FALSE },
  { "idg1_000000000000000000000000000000000000000000000000000000000000000G", FALSE },
  { "idg1_000000000000000000000000000000000000000000000000000000000000000A", FALSE },
  { "", FALSE },
  { NULL, FALSE },
};

static void
test_valid (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (shapes); i++)
    g_assert_cmpint (idg_token_is_valid (shapes[i].s), ==, shapes[i].valid);
}

static void
test_equal (void)
{
  g_assert_true (idg_token_equal ("abc", "abc"));
  g_assert_false (idg_token_equal ("abc", "abd"));
  g_assert_false (idg_token_equal ("abc", "ab"));
  g_assert_false (idg_token_equal (NULL, "ab"));
  g_assert_true (idg_token_equal ("", ""));
}

static void
test_wipe (void)
{
  guint8 buf[16];

  memset (buf, 0xAB, sizeof buf);
  idg_wipe (buf, sizeof buf);
  for (guint i = 0; i < sizeof buf; i++)
    g_assert_cmpuint (buf[i], ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/token/shape", test_shape);
  g_test_add_func ("/broker/token/hash", test_hash);
  g_test_add_func ("/broker/token/valid", test_valid);
  g_test_add_func ("/broker/token/equal", test_equal);
  g_test_add_func ("/broker/token/wipe", test_wipe);
  return g_test_run ();
}
