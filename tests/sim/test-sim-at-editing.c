/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated modem reads command lines as a V.250 modem does, so that
 * attacks on the AT door are tried against a real reader: S5 editing, S3
 * ending a line (and changed by ATS3=), "A/" without S3, ';' chains,
 * concatenated basic commands, S-register writes and reads, Z restoring
 * the framing. Each case is a byte stream and the commands the modem runs
 * ("/" starts a command line), and optionally text its output must hold.
 */
#include <string.h>
#include "sim-at.h"

typedef struct {
  const gchar *path;
  const gchar *input;
  const gchar *ran;
  const gchar *output;   /* NULL: not checked */
} Case;

static const Case cases[] = {
  { "plain", "AT+CGMI\r", "/+CGMI", NULL },
  { "bs-cnum", "AT+CGMR\b\b\bNUM\r", "/+CNUM", NULL },
  { "bs-before-start", "\b\bAT\r", "/", "OK" },
  { "controls", "AT+C\nN\001UM\r", "/+CNUM", NULL },
  { "a-slash", "AT+CIMI\rA/", "/+CIMI/+CIMI", NULL },
  { "a-slash-lower-edited", "AT+CIMI\rAT\b/", "/+CIMI/+CIMI", NULL },
  { "a-slash-none", "A/", "", NULL },
  { "a-slash-mid", "ATA/\r", "/A", NULL },
  { "s3", "ATS3=33\rAT+CNUM!", "/S3=33/+CNUM", NULL },
  { "s3-reply-framing", "ATS3=33\rAT!", "/S3=33/", "!\nOK!\n" },
  { "s5", "ATS5=35\rAT+CGMR###NUM\r", "/S5=35/+CNUM", NULL },
  { "s4-reply-framing", "ATS4=33\rAT\r", "/S4=33/", "\r!OK\r!" },
  { "s-read", "ATS7=60\rATS7?\r", "/S7=60/S7?", "060" },
  { "z-restores", "ATS3=33\rATZ!AT+CGMI\r", "/S3=33/Z/+CGMI", NULL },
  { "chain", "AT+CGMI;+CNUM\r", "/+CGMI/+CNUM", NULL },
  { "chain-quoted", "AT+CPBS=\"O;N\";+CGMI\r", "/+CPBS=\"O;N\"/+CGMI", NULL },
  { "basic-concat", "ATE0Q0V1+CGSN\r", "/E0/Q0/V1/+CGSN", NULL },
  { "not-at", "hello\r", "", NULL },
};

static void
on_trace (const gchar *command,
          gpointer     user_data)
{
  GString *ran = user_data;

  if (!command)
    g_string_append_c (ran, '/');
  else if (ran->len && ran->str[ran->len - 1] != '/')
    g_string_append_printf (ran, "/%s", command);
  else
    g_string_append (ran, command);
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(SimIds) ids = sim_ids_new_default ();
  g_autoptr(SimAt) at = sim_at_new (ids);
  g_autoptr(GString) ran = g_string_new (NULL);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree gchar *text = NULL;

  sim_at_set_trace (at, on_trace, ran);
  sim_at_feed (at, (const guint8 *) c->input, strlen (c->input), out);
  g_assert_cmpstr (ran->str, ==, c->ran);
  text = g_strndup ((const gchar *) out->data, out->len);
  if (c->output)
    g_assert_nonnull (strstr (text, c->output));
}

int
main (int argc, char **argv)
{
  guint k;

  g_test_init (&argc, &argv, NULL);
  for (k = 0; k < G_N_ELEMENTS (cases); k++) {
    g_autofree gchar *path = g_strdup_printf ("/sim/at-editing/%s", cases[k].path);

    g_test_add_data_func (path, &cases[k], test_case);
  }
  return g_test_run ();
}
