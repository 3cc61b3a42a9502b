// SPDX-License-Identifier: GPL-2.0-or-later
#include "idg-token.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <gio/gio.h>

void
idg_wipe (gpointer data,
          gsize    len)
{
  if (data != NULL && len > 0)
    explicit_bzero (data, len);
}

gboolean
idg_random_bytes (guint8  *buf,
                  gsize    len,
                  GError **error)
{
  gsize done = 0;

  while (done < len) {
    ssize_t n = getrandom (buf + done, len - done, 0);

    if (n < 0) {
      int saved = errno;

      if (saved == EINTR)
        continue;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "getrandom failed: %s", g_strerror (saved));
      return FALSE;
    }
    done += (gsize) n;
  }
  return TRUE;
}

gchar *
idg_token_new (GError **error)
{
  static const gchar hex[] = "0123456789abcdef";
  guint8 raw[IDG_TOKEN_BYTES];
  gchar *token;
  gsize i;

  if (!idg_random_bytes (raw, sizeof raw, error))
    return NULL;
  token = g_malloc (IDG_TOKEN_STRLEN + 1);
  memcpy (token, IDG_TOKEN_PREFIX, strlen (IDG_TOKEN_PREFIX));
  for (i = 0; i < IDG_TOKEN_BYTES; i++) {
    token[5 + 2 * i] = hex[raw[i] >> 4];
    token[5 + 2 * i + 1] = hex[raw[i] & 0xf];
  }
  token[IDG_TOKEN_STRLEN] = '\0';
  idg_wipe (raw, sizeof raw);
  return token;
}

gboolean
idg_token_is_valid (const gchar *str)
{
  gsize i;

  if (str == NULL || strlen (str) != IDG_TOKEN_STRLEN)
    return FALSE;
  if (strncmp (str, IDG_TOKEN_PREFIX, strlen (IDG_TOKEN_PREFIX)) != 0)
    return FALSE;
  for (i = strlen (IDG_TOKEN_PREFIX); i < IDG_TOKEN_STRLEN; i++)
    if (!((str[i] >= '0' && str[i] <= '9') || (str[i] >= 'a' && str[i] <= 'f')))
      return FALSE;
  return TRUE;
}

gchar *
idg_token_hash (const gchar *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

gboolean
idg_token_equal (const gchar *a,
                 const gchar *b)
{
  gsize len, i;
  guint8 diff = 0;

  if (a == NULL || b == NULL)
    return FALSE;
  len = strlen (a);
  if (len != strlen (b))
    return FALSE;
  for (i = 0; i < len; i++)
    diff |= (guint8) (a[i] ^ b[i]);
  return diff == 0;
}

gboolean
idg_token_bytes_equal (const guint8 *a,
                       const guint8 *b,
                       gsize         len)
{
  guint8 diff = 0;
  gsize i;

  for (i = 0; i < len; i++)
    diff |= (guint8) (a[i] ^ b[i]);
  return diff == 0;
}

void
idg_token_free (gchar *token)
{
  if (token == NULL)
    return;
  idg_wipe (token, strlen (token));
  g_free (token);
}

typedef struct {
  gsize len;
  gchar data[];
} Secret;

static void
secret_free (gpointer data)
{
  Secret *secret = data;

  idg_wipe (secret->data, secret->len);
  g_free (secret);
}

GVariant *
idg_secret_variant_new (const gchar *str)
{
  gsize len = strlen (str) + 1;
  Secret *secret = g_malloc (sizeof *secret + len);

  secret->len = len;
  memcpy (secret->data, str, len);
  return g_variant_new_from_data (G_VARIANT_TYPE_STRING, secret->data, len, TRUE,
                                  secret_free, secret);
}
