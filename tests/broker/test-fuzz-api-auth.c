// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the API's authentication conversation on arbitrary
 * bytes, cut into lines as idg-api.c cuts them (at '\n', at most
 * IDG_API_AUTH_LINE_MAX bytes a line). */
#include <glib.h>
#include <string.h>
#include "idg-api-auth.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  IdgApiAuth auth;
  gsize off = 0;

  idg_api_auth_init (&auth, 1000, "0123456789abcdef0123456789abcdef");
  while (off < size) {
    const guint8 *nl = memchr (data + off, '\n', size - off);
    gsize len = nl != NULL ? (gsize) (nl - (data + off)) + 1 : size - off;
    const gchar *reply = NULL;
    IdgApiAuthResult r;

    if (len > IDG_API_AUTH_LINE_MAX)
      break;
    r = idg_api_auth_line (&auth, (const gchar *) data + off, len, &reply);
    g_assert (reply == NULL || (strlen (reply) < sizeof auth.reply && g_str_has_suffix (reply, "\r\n")));
    if (r != IDG_API_AUTH_MORE)
      break;
    off += len;
  }
  return 0;
}
