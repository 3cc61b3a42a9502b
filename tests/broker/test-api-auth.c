// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The API's D-Bus authentication conversation (idg-api-auth.c): table of
 * conversations, each a list of client lines with the reply and outcome
 * expected, for a peer whose kernel uid is 1000 (hex of "1000": 31303030).
 */
#include <glib.h>
#include <string.h>
#include "idg-api-auth.h"

#define GUID "0123456789abcdef0123456789abcdef"
#define OK   "OK " GUID "\r\n"
#define REJ  "REJECTED EXTERNAL\r\n"
#define ERR  "ERROR \"unknown command\"\r\n"

typedef struct {
  const gchar      *line;
  const gchar      *reply;   /* NULL: none */
  IdgApiAuthResult  result;
} Step;

typedef struct {
  const gchar *name;
  Step         steps[6];
} Conversation;

static const Conversation conversations[] = {
  { "gdbus-client", {
      { "AUTH EXTERNAL 31303030\r\n", OK, IDG_API_AUTH_MORE },
      { "NEGOTIATE_UNIX_FD\r\n", "ERROR \"no file descriptor passing on this socket\"\r\n", IDG_API_AUTH_MORE },
      { "BEGIN\r\n", NULL, IDG_API_AUTH_BEGIN } } },
  { "no-fd-negotiation", {
      { "AUTH EXTERNAL 31303030\r\n", OK, IDG_API_AUTH_MORE },
      { "BEGIN\r\n", NULL, IDG_API_AUTH_BEGIN } } },
  { "empty-initial-response", {
      { "AUTH EXTERNAL\r\n", "DATA\r\n", IDG_API_AUTH_MORE },
      { "DATA\r\n", OK, IDG_API_AUTH_MORE },
      { "BEGIN\r\n", NULL, IDG_API_AUTH_BEGIN } } },
  { "data-with-identity", {
      { "AUTH EXTERNAL\r\n", "DATA\r\n", IDG_API_AUTH_MORE },
      { "DATA 31303030\r\n", OK, IDG_API_AUTH_MORE },
      { "BEGIN\r\n", NULL, IDG_API_AUTH_BEGIN } } },
  { "claims-root", {
      { "AUTH EXTERNAL 30\r\n", REJ, IDG_API_AUTH_MORE },
      { "BEGIN\r\n", NULL, IDG_API_AUTH_FAIL } } },
  { "claims-root-in-data", {
      { "AUTH EXTERNAL\r\n", "DATA\r\n", IDG_API_AUTH_MORE },
      { "DATA 30\r\n", REJ, IDG_API_AUTH_MORE } } },
  { "bad-hex", {
      { "AUTH EXTERNAL 3g\r\n", REJ, IDG_API_AUTH_MORE },
      { "AUTH EXTERNAL 313\r\n", REJ, IDG_API_AUTH_MORE },
      { "AUTH EXTERNAL 3130303030303030303030303030303030303030303030303030\r\n", REJ, IDG_API_AUTH_MORE } } },
  { "other-mechanisms", {
      { "AUTH\r\n", REJ, IDG_API_AUTH_MORE },
      { "AUTH DBUS_COOKIE_SHA1 31303030\r\n", REJ, IDG_API_AUTH_MORE },
      { "AUTH ANONYMOUS\r\n", REJ, IDG_API_AUTH_MORE },
      { "AUTH EXTERNAL 31303030\r\n", OK, IDG_API_AUTH_MORE },
      { "BEGIN\r\n", NULL, IDG_API_AUTH_BEGIN } } },
  { "begin-before-ok", {
      { "BEGIN\r\n", NULL, IDG_API_AUTH_FAIL } } },
  { "cancel-after-ok", {
      { "AUTH EXTERNAL 31303030\r\n", OK, IDG_API_AUTH_MORE },
      { "CANCEL\r\n", REJ, IDG_API_AUTH_MORE },
      { "BEGIN\r\n", NULL, IDG_API_AUTH_FAIL } } },
  { "unknown-commands", {
      { "HELLO\r\n", ERR, IDG_API_AUTH_MORE },
      { "AUTH EXTERNAL\r\n", "DATA\r\n", IDG_API_AUTH_MORE },
      { "WHAT\r\n", ERR, IDG_API_AUTH_MORE },
      { "ERROR \"oops\"\r\n", REJ, IDG_API_AUTH_MORE } } },
  { "bare-newline", {
      { "AUTH EXTERNAL 31303030\n", NULL, IDG_API_AUTH_FAIL } } },
  { "no-line-end", {
      { "AUTH EXTERNAL 31303030", NULL, IDG_API_AUTH_FAIL } } },
  { "control-byte", {
      { "AUTH EXTERNAL\t31303030\r\n", NULL, IDG_API_AUTH_FAIL } } },
  { "high-byte", {
      { "AUTH EXTERNAL \xc3\xa9\r\n", NULL, IDG_API_AUTH_FAIL } } },
  { "empty-line", {
      { "\r\n", ERR, IDG_API_AUTH_MORE } } },
};

static void
test_conversation (gconstpointer data)
{
  const Conversation *c = data;
  IdgApiAuth auth;
  guint i;

  idg_api_auth_init (&auth, 1000, GUID);
  for (i = 0; i < G_N_ELEMENTS (c->steps) && c->steps[i].line != NULL; i++) {
    const gchar *reply = (const gchar *) 0x1;
    IdgApiAuthResult r = idg_api_auth_line (&auth, c->steps[i].line, strlen (c->steps[i].line), &reply);

    g_test_message ("%s step %u", c->name, i);
    g_assert_cmpint (r, ==, c->steps[i].result);
    g_assert_cmpstr (reply, ==, c->steps[i].reply);
  }
}

/* A line at the cap is taken; one past it is not. */
static void
test_line_cap (void)
{
  gchar line[IDG_API_AUTH_LINE_MAX + 1];
  const gchar *reply;
  IdgApiAuth auth;

  idg_api_auth_init (&auth, 1000, GUID);
  memset (line, 'X', sizeof line);
  line[IDG_API_AUTH_LINE_MAX - 2] = '\r';
  line[IDG_API_AUTH_LINE_MAX - 1] = '\n';
  g_assert_cmpint (idg_api_auth_line (&auth, line, IDG_API_AUTH_LINE_MAX, &reply), ==, IDG_API_AUTH_MORE);
  g_assert_cmpstr (reply, ==, ERR);
  line[IDG_API_AUTH_LINE_MAX - 2] = 'X';
  line[IDG_API_AUTH_LINE_MAX - 1] = '\r';
  line[IDG_API_AUTH_LINE_MAX] = '\n';
  g_assert_cmpint (idg_api_auth_line (&auth, line, IDG_API_AUTH_LINE_MAX + 1, &reply), ==, IDG_API_AUTH_FAIL);
}

/* A conversation ends after IDG_API_AUTH_LINES_MAX lines, whatever they are. */
static void
test_lines_cap (void)
{
  const gchar *reply;
  IdgApiAuth auth;
  guint i;

  idg_api_auth_init (&auth, 1000, GUID);
  for (i = 0; i < IDG_API_AUTH_LINES_MAX; i++)
    g_assert_cmpint (idg_api_auth_line (&auth, "AUTH\r\n", 6, &reply), ==, IDG_API_AUTH_MORE);
  g_assert_cmpint (idg_api_auth_line (&auth, "AUTH EXTERNAL 31303030\r\n", 24, &reply), ==,
                   IDG_API_AUTH_FAIL);
}

/* Root's identity is hex of "0". */
static void
test_root (void)
{
  const gchar *reply;
  IdgApiAuth auth;

  idg_api_auth_init (&auth, 0, GUID);
  g_assert_cmpint (idg_api_auth_line (&auth, "AUTH EXTERNAL 30\r\n", 18, &reply), ==, IDG_API_AUTH_MORE);
  g_assert_cmpstr (reply, ==, OK);
  idg_api_auth_init (&auth, 0, GUID);
  g_assert_cmpint (idg_api_auth_line (&auth, "AUTH EXTERNAL 31303030\r\n", 24, &reply), ==, IDG_API_AUTH_MORE);
  g_assert_cmpstr (reply, ==, REJ);
}

int
main (int argc, char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (conversations); i++) {
    g_autofree gchar *path = g_strdup_printf ("/broker/api-auth/%s", conversations[i].name);

    g_test_add_data_func (path, &conversations[i], test_conversation);
  }
  g_test_add_func ("/broker/api-auth/line-cap", test_line_cap);
  g_test_add_func ("/broker/api-auth/lines-cap", test_lines_cap);
  g_test_add_func ("/broker/api-auth/root", test_root);
  return g_test_run ();
}
