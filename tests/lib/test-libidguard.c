/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libidguard without a broker: argument checks, error codes and messages,
 * an unreachable broker. The end-to-end behaviour is in tests/api.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "idguard.h"

static void
test_strerror (void)
{
  static const int codes[] = {
    IDGUARD_OK, IDGUARD_E_REFUSED, IDGUARD_E_NOT_AUTHORIZED, IDGUARD_E_INVALID,
    IDGUARD_E_UNAVAILABLE, IDGUARD_E_NOT_FOUND, IDGUARD_E_PENDING,
    IDGUARD_E_NO_BROKER, IDGUARD_E_RANGE, IDGUARD_E_PROTOCOL,
  };
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++) {
    const char *s = idguard_strerror (codes[i]);

    g_assert_nonnull (s);
    g_assert_cmpstr (s, !=, "unknown error");
    g_assert_false (g_hash_table_contains (seen, s));
    g_hash_table_add (seen, (gpointer) s);
    if (i > 0)
      g_assert_cmpint (codes[i], <, 0);
  }
  g_assert_cmpstr (idguard_strerror (-1000), ==, "unknown error");
  g_assert_cmpstr (idguard_strerror (5), ==, "unknown error");
}

static void
test_arguments (void)
{
  char out[IDGUARD_VALUE_MAX], grant[IDGUARD_ID_MAX], token[IDGUARD_TOKEN_MAX];
  g_autofree char *long_token = g_strnfill (IDGUARD_TOKEN_MAX, 'a');
  g_autofree char *long_purpose = g_strnfill (300, 'p');

  g_assert_cmpint (idguard_get ("imei", "t", NULL, 10), ==, IDGUARD_E_RANGE);
  g_assert_cmpint (idguard_get ("imei", "t", out, 0), ==, IDGUARD_E_RANGE);
  g_assert_cmpint (idguard_get (NULL, "t", out, sizeof out), ==, IDGUARD_E_INVALID);
  g_assert_cmpint (idguard_get ("", "t", out, sizeof out), ==, IDGUARD_E_INVALID);
  g_assert_cmpstr (idguard_last_message (), ==, "kind is empty");
  g_assert_cmpint (idguard_get ("imei", NULL, out, sizeof out), ==, IDGUARD_E_INVALID);
  g_assert_cmpint (idguard_get ("imei", "", out, sizeof out), ==, IDGUARD_E_INVALID);
  g_assert_cmpint (idguard_get ("imei", long_token, out, sizeof out), ==, IDGUARD_E_INVALID);
  /* the message never repeats the token */
  g_assert_null (strstr (idguard_last_message (), "aaaa"));
  g_assert_cmpint (idguard_request ("imei", "", out, sizeof out), ==, IDGUARD_E_INVALID);
  g_assert_cmpint (idguard_request ("imei", long_purpose, out, sizeof out), ==, IDGUARD_E_INVALID);
  g_assert_cmpint (idguard_request ("", "x", out, sizeof out), ==, IDGUARD_E_INVALID);
  g_assert_cmpint (idguard_claim ("", grant, sizeof grant, token, sizeof token), ==, IDGUARD_E_INVALID);
  g_assert_cmpint (idguard_claim ("r-1", NULL, 0, token, sizeof token), ==, IDGUARD_E_RANGE);
}

static void
test_no_broker (void)
{
  char out[IDGUARD_VALUE_MAX], id[IDGUARD_ID_MAX], token[IDGUARD_TOKEN_MAX];
  g_autofree char *dir = g_dir_make_tmp ("idguard-lib-XXXXXX", NULL);
  g_autofree char *sock = g_build_filename (dir, "absent.sock", NULL);

  g_setenv ("IDGUARD_SOCKET", sock, TRUE);
  g_setenv ("IDGUARD_TRANSPORT", "broker", TRUE);
  g_assert_cmpint (idguard_get ("imei", "idg1_00", out, sizeof out), ==, IDGUARD_E_NO_BROKER);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (idguard_last_message (), "cannot reach the broker"));
  g_assert_cmpint (idguard_request ("imei", "x", id, sizeof id), ==, IDGUARD_E_NO_BROKER);
  g_assert_cmpint (idguard_claim ("r-1", id, sizeof id, token, sizeof token), ==, IDGUARD_E_NO_BROKER);
  g_rmdir (dir);
}

/* IDGUARD_TRANSPORT=kernel without the module: no broker, and no silent
 * fallback to the broker's socket. */
static void
test_kernel_forced (void)
{
  char out[IDGUARD_VALUE_MAX];

  if (g_file_test ("/dev/idguard", G_FILE_TEST_EXISTS)) {
    g_test_skip ("/dev/idguard exists here");
    return;
  }
  g_setenv ("IDGUARD_TRANSPORT", "kernel", TRUE);
  g_unsetenv ("IDGUARD_SOCKET");
  g_assert_cmpint (idguard_get ("imei", "idg1_00", out, sizeof out), ==, IDGUARD_E_NO_BROKER);
  g_assert_nonnull (strstr (idguard_last_message (), "/dev/idguard"));
  g_assert_cmpint (idguard_get ("nokind", "idg1_00", out, sizeof out), ==, IDGUARD_E_INVALID);
  g_unsetenv ("IDGUARD_TRANSPORT");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lib/strerror", test_strerror);
  g_test_add_func ("/lib/arguments", test_arguments);
  g_test_add_func ("/lib/no-broker", test_no_broker);
  g_test_add_func ("/lib/kernel-forced", test_kernel_forced);
  return g_test_run ();
}
