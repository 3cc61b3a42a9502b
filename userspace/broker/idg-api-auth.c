// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * D-Bus EXTERNAL authentication, server side, one line at a time (see
 * idg-api-auth.h).
 */
#include "idg-api-auth.h"

#include <stdio.h>
#include <string.h>

enum {
  WAIT_AUTH,    /* before AUTH, or after a rejection */
  WAIT_DATA,    /* AUTH EXTERNAL without an identity: DATA next */
  WAIT_BEGIN,   /* OK sent */
};

void
idg_api_auth_init (IdgApiAuth   *auth,
                   uid_t         peer_uid,
                   const gchar  *guid)
{
  memset (auth, 0, sizeof *auth);
  auth->state = WAIT_AUTH;
  g_snprintf (auth->uid, sizeof auth->uid, "%u", (guint) peer_uid);
  g_strlcpy (auth->guid, guid, sizeof auth->guid);
}

/* The identity a client offers: hex of the uid's decimal digits. Empty
 * means "whoever the kernel says I am". */
static gboolean
identity_matches (const IdgApiAuth *auth,
                  const gchar      *hex)
{
  gchar decoded[sizeof auth->uid];
  gsize n = strlen (hex), i;

  if (n == 0)
    return TRUE;
  if (n % 2 != 0 || n / 2 >= sizeof decoded)
    return FALSE;
  for (i = 0; i < n / 2; i++) {
    gint hi = g_ascii_xdigit_value (hex[2 * i]);
    gint lo = g_ascii_xdigit_value (hex[2 * i + 1]);

    if (hi < 0 || lo < 0)
      return FALSE;
    decoded[i] = (gchar) (hi << 4 | lo);
  }
  decoded[n / 2] = '\0';
  return g_str_equal (decoded, auth->uid);
}

static IdgApiAuthResult
reply (IdgApiAuth   *auth,
       const gchar  *text,
       const gchar **out)
{
  g_snprintf (auth->reply, sizeof auth->reply, "%s\r\n", text);
  *out = auth->reply;
  return IDG_API_AUTH_MORE;
}

static IdgApiAuthResult
offer (IdgApiAuth   *auth,
       const gchar  *hex,
       const gchar **out)
{
  g_autofree gchar *ok = NULL;

  if (!identity_matches (auth, hex)) {
    auth->state = WAIT_AUTH;
    return reply (auth, "REJECTED EXTERNAL", out);
  }
  auth->state = WAIT_BEGIN;
  ok = g_strconcat ("OK ", auth->guid, NULL);
  return reply (auth, ok, out);
}

IdgApiAuthResult
idg_api_auth_line (IdgApiAuth   *auth,
                   const gchar  *line,
                   gsize         len,
                   const gchar **out)
{
  gchar buf[IDG_API_AUTH_LINE_MAX];
  const gchar *arg;
  gchar *sp;
  gsize i;

  *out = NULL;
  if (len < 2 || len > sizeof buf || line[len - 2] != '\r' || line[len - 1] != '\n' ||
      ++auth->lines > IDG_API_AUTH_LINES_MAX)
    return IDG_API_AUTH_FAIL;
  for (i = 0; i < len - 2; i++)
    if (line[i] < 0x20 || line[i] > 0x7e)
      return IDG_API_AUTH_FAIL;
  memcpy (buf, line, len - 2);
  buf[len - 2] = '\0';
  sp = strchr (buf, ' ');
  arg = "";
  if (sp != NULL) {
    *sp = '\0';
    arg = sp + 1;
  }

  switch (auth->state) {
  case WAIT_AUTH:
    if (g_str_equal (buf, "AUTH")) {
      g_autofree gchar *mech = g_strdup (arg);
      gchar *msp = strchr (mech, ' ');

      if (msp != NULL)
        *msp = '\0';
      if (!g_str_equal (mech, "EXTERNAL"))
        return reply (auth, "REJECTED EXTERNAL", out);
      if (msp == NULL) {
        auth->state = WAIT_DATA;
        return reply (auth, "DATA", out);
      }
      return offer (auth, msp + 1, out);
    }
    break;
  case WAIT_DATA:
    if (g_str_equal (buf, "DATA"))
      return offer (auth, arg, out);
    break;
  case WAIT_BEGIN:
    if (g_str_equal (buf, "BEGIN"))
      return IDG_API_AUTH_BEGIN;
    if (g_str_equal (buf, "NEGOTIATE_UNIX_FD"))
      return reply (auth, "ERROR \"no file descriptor passing on this socket\"", out);
    break;
  default:
    return IDG_API_AUTH_FAIL;
  }
  if (g_str_equal (buf, "BEGIN"))
    return IDG_API_AUTH_FAIL;   /* before OK */
  if (g_str_equal (buf, "CANCEL") || g_str_equal (buf, "ERROR") || g_str_equal (buf, "AUTH")) {
    auth->state = WAIT_AUTH;
    return reply (auth, "REJECTED EXTERNAL", out);
  }
  return reply (auth, "ERROR \"unknown command\"", out);
}
