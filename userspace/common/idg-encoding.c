/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "idg-encoding.h"

#include <string.h>

gchar
idg_luhn_check_digit (const gchar *digits,
                      gsize        n)
{
  guint sum = 0;
  gsize i;

  /* Walk from the right: the digit next to the check digit is doubled. */
  for (i = 0; i < n; i++) {
    guint d = (guint) (digits[n - 1 - i] - '0') % 10;

    if ((i & 1) == 0) {
      d *= 2;
      if (d > 9)
        d -= 9;
    }
    sum += d;
  }
  return (gchar) ('0' + (10 - sum % 10) % 10);
}

gboolean
idg_luhn_valid (const gchar *digits,
                gsize        n)
{
  gsize i;

  if (n < 2)
    return FALSE;
  for (i = 0; i < n; i++)
    if (!g_ascii_isdigit (digits[i]))
      return FALSE;
  return idg_luhn_check_digit (digits, n - 1) == digits[n - 1];
}

static guint
mod97 (const gchar *digits,
       gsize        n)
{
  guint r = 0;
  gsize i;

  for (i = 0; i < n; i++)
    r = (r * 10 + (guint) (digits[i] - '0') % 10) % 97;
  return r;
}

void
idg_eid_fix_check (gchar *digits)
{
  guint r;
  guint check;

  /* number = prefix * 100 + check; want number % 97 == 1 */
  r = mod97 (digits, 30);
  check = (98 - (r * 100) % 97) % 97;
  if (check < 2)
    check += 97;
  digits[30] = (gchar) ('0' + check / 10);
  digits[31] = (gchar) ('0' + check % 10);
}

gboolean
idg_eid_valid (const gchar *digits,
               gsize        n)
{
  gsize i;

  if (n != 32)
    return FALSE;
  for (i = 0; i < n; i++)
    if (!g_ascii_isdigit (digits[i]))
      return FALSE;
  return mod97 (digits, 32) == 1;
}

gboolean
idg_bcd_encode (const gchar *digits,
                guint8      *out,
                gsize        out_len)
{
  gsize n = strlen (digits);
  gsize i;

  if (n > out_len * 2)
    return FALSE;
  memset (out, 0xFF, out_len);
  for (i = 0; i < n; i++) {
    guint8 d;

    if (!g_ascii_isdigit (digits[i]))
      return FALSE;
    d = (guint8) (digits[i] - '0');
    if (i & 1)
      out[i / 2] = (guint8) ((out[i / 2] & 0x0F) | (d << 4));
    else
      out[i / 2] = (guint8) ((out[i / 2] & 0xF0) | d);
  }
  return TRUE;
}

gssize
idg_bcd_decode (const guint8 *in,
                gsize         in_len,
                gchar        *out,
                gsize         out_size)
{
  gsize n = 0;
  gsize i;

  for (i = 0; i < in_len * 2; i++) {
    guint8 nib = (i & 1) ? (in[i / 2] >> 4) : (in[i / 2] & 0x0F);

    if (nib == 0x0F)
      break;
    if (nib > 9 || n + 1 >= out_size)
      return -1;
    out[n++] = (gchar) ('0' + nib);
  }
  if (n >= out_size)
    return -1;
  out[n] = '\0';
  return (gssize) n;
}

gboolean
idg_ef_imsi_encode (const gchar *imsi,
                    guint8       out[IDG_EF_IMSI_LEN])
{
  gsize n = strlen (imsi);
  gchar buf[17];

  if (n < 6 || n > 15)
    return FALSE;
  /* The first nibble is the parity indicator: 9 for an odd digit count. */
  buf[0] = (n & 1) ? '9' : '1';
  memcpy (buf + 1, imsi, n + 1);
  out[0] = (guint8) ((n + 2) / 2);
  if (!idg_bcd_encode (buf, out + 1, IDG_EF_IMSI_LEN - 1))
    return FALSE;
  return TRUE;
}

gssize
idg_ef_imsi_decode (const guint8 *in,
                    gsize         in_len,
                    gchar        *out,
                    gsize         out_size)
{
  gchar buf[20];
  gssize n;
  gsize bytes;

  if (in_len < 2)
    return -1;
  bytes = in[0];
  if (bytes < 1 || bytes > in_len - 1 || bytes > 8)
    return -1;
  n = idg_bcd_decode (in + 1, bytes, buf, sizeof buf);
  if (n < 2)
    return -1;
  if ((gsize) n > out_size)
    return -1;
  memcpy (out, buf + 1, (gsize) n);
  return n - 1;
}

gboolean
idg_ef_msisdn_encode (const gchar *number,
                      guint8      *out,
                      gsize        record_len)
{
  gsize alpha;
  gboolean intl = (number[0] == '+');
  const gchar *digits = intl ? number + 1 : number;
  gsize n = strlen (digits);

  if (record_len < IDG_EF_MSISDN_FIXED_LEN || n > 20)
    return FALSE;
  alpha = record_len - IDG_EF_MSISDN_FIXED_LEN;
  memset (out, 0xFF, record_len);
  out[alpha] = (guint8) (1 + (n + 1) / 2);
  out[alpha + 1] = intl ? 0x91 : 0x81;
  return idg_bcd_encode (digits, out + alpha + 2, 10);
}

gssize
idg_ef_msisdn_decode (const guint8 *in,
                      gsize         record_len,
                      gchar        *out,
                      gsize         out_size)
{
  gsize alpha;
  gsize bcd_len;
  gsize pos = 0;
  gssize n;

  if (record_len < IDG_EF_MSISDN_FIXED_LEN || out_size < 2)
    return -1;
  alpha = record_len - IDG_EF_MSISDN_FIXED_LEN;
  bcd_len = in[alpha];
  if (bcd_len == 0xFF || bcd_len < 1) {
    out[0] = '\0';
    return 0;
  }
  if (bcd_len > 11)
    return -1;
  if (in[alpha + 1] == 0x91)
    out[pos++] = '+';
  n = idg_bcd_decode (in + alpha + 2, bcd_len - 1, out + pos, out_size - pos);
  if (n < 0)
    return -1;
  return n + (gssize) pos;
}

gsize
idg_utf16le_encode (const gchar *ascii,
                    guint8      *out,
                    gsize        out_len)
{
  gsize n = strlen (ascii);
  gsize i;

  if (n * 2 > out_len)
    return 0;
  for (i = 0; i < n; i++) {
    out[2 * i] = (guint8) ascii[i];
    out[2 * i + 1] = 0;
  }
  return n * 2;
}

gchar *
idg_utf16le_decode_dup (const guint8 *in,
                        gsize         len)
{
  gchar *s;
  gsize i;

  if (len & 1)
    return NULL;
  s = g_malloc (len / 2 + 1);
  for (i = 0; i < len / 2; i++) {
    if (in[2 * i + 1] != 0 || in[2 * i] > 0x7F) {
      g_free (s);
      return NULL;
    }
    s[i] = (gchar) in[2 * i];
  }
  s[len / 2] = '\0';
  return s;
}

gchar *
idg_hex_encode_dup (const guint8 *in,
                    gsize         len)
{
  static const gchar hex[] = "0123456789ABCDEF";
  gchar *s = g_malloc (len * 2 + 1);
  gsize i;

  for (i = 0; i < len; i++) {
    s[2 * i] = hex[in[i] >> 4];
    s[2 * i + 1] = hex[in[i] & 0x0F];
  }
  s[len * 2] = '\0';
  return s;
}

gssize
idg_hex_decode (const gchar *in,
                gsize        len,
                guint8      *out,
                gsize        out_len)
{
  gsize i;

  if ((len & 1) || len / 2 > out_len)
    return -1;
  for (i = 0; i < len / 2; i++) {
    gint hi = g_ascii_xdigit_value (in[2 * i]);
    gint lo = g_ascii_xdigit_value (in[2 * i + 1]);

    if (hi < 0 || lo < 0)
      return -1;
    out[i] = (guint8) ((hi << 4) | lo);
  }
  return (gssize) (len / 2);
}
