/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "idg-mask.h"
#include "idg-encoding.h"

#include <string.h>

#define MAX_SYMBOLS 64

const gchar *
idg_policy_to_string (IdgPolicy policy)
{
  switch (policy) {
  case IDG_POLICY_REDACT:
    return "redact";
  case IDG_POLICY_PSEUDONYM:
    return "pseudonym";
  }
  return "unknown";
}

gboolean
idg_policy_from_string (const gchar *str,
                        IdgPolicy   *out)
{
  if (g_strcmp0 (str, "redact") == 0)
    *out = IDG_POLICY_REDACT;
  else if (g_strcmp0 (str, "pseudonym") == 0)
    *out = IDG_POLICY_PSEUDONYM;
  else
    return FALSE;
  return TRUE;
}

static gboolean
kind_is_hex (IdgKind kind)
{
  return kind == IDG_KIND_ESN || kind == IDG_KIND_MEID;
}

static gsize
kept_prefix (IdgKind      kind,
             const gchar *orig,
             gsize        n)
{
  switch (kind) {
  case IDG_KIND_IMSI:
    return n >= 10 ? 5 : 0;           /* MCC + 2-digit MNC: the operator */
  case IDG_KIND_ICCID:
  case IDG_KIND_EID:
    return (n >= 10 && orig[0] == '8' && orig[1] == '9') ? 2 : 0;
  case IDG_KIND_IMEI:
  case IDG_KIND_IMEISV:
  case IDG_KIND_ESN:
  case IDG_KIND_MEID:
  case IDG_KIND_MSISDN:
    return 0;
  }
  return 0;
}

/* Fills out[prefix..n) with symbols of the kind's alphabet drawn from an
 * HMAC stream keyed by the device secret. */
static void
fill_pseudonym (const guint8 *secret,
                const gchar  *service,
                IdgKind       kind,
                const gchar  *orig,
                gsize         n,
                guint         round,
                gchar        *out,
                gsize         prefix)
{
  guint radix = kind_is_hex (kind) ? 16 : 10;
  guint block = 0;
  gsize pos = prefix;

  while (pos < n) {
    g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, secret, IDG_SECRET_LEN);
    guint8 digest[32];
    gsize dlen = sizeof digest;
    guint8 hdr[8];
    const gchar *kname = idg_kind_to_string (kind);
    gsize i;

    hdr[0] = (guint8) round;
    hdr[1] = (guint8) (round >> 8);
    hdr[2] = (guint8) block;
    hdr[3] = (guint8) (block >> 8);
    hdr[4] = hdr[5] = hdr[6] = hdr[7] = 0;
    g_hmac_update (hmac, (const guchar *) "idguard-pseudonym-v1", 21);
    g_hmac_update (hmac, (const guchar *) service, (gssize) strlen (service) + 1);
    g_hmac_update (hmac, (const guchar *) kname, (gssize) strlen (kname) + 1);
    g_hmac_update (hmac, (const guchar *) orig, (gssize) n);
    g_hmac_update (hmac, hdr, sizeof hdr);
    g_hmac_get_digest (hmac, digest, &dlen);
    for (i = 0; i < dlen && pos < n; i++) {
      /* reject the top of the byte range so every symbol is equally likely */
      if (digest[i] >= 256 - 256 % radix)
        continue;
      out[pos++] = "0123456789ABCDEF"[digest[i] % radix];
    }
    memset (digest, 0, sizeof digest);
    block++;
  }
}

static void
fix_check_digits (IdgKind kind,
                  gchar  *s,
                  gsize   n)
{
  switch (kind) {
  case IDG_KIND_IMEI:
    if (n == 15)
      s[14] = idg_luhn_check_digit (s, 14);
    break;
  case IDG_KIND_ICCID:
    if (n >= 18)
      s[n - 1] = idg_luhn_check_digit (s, n - 1);
    break;
  case IDG_KIND_EID:
    if (n == 32)
      idg_eid_fix_check (s);
    break;
  case IDG_KIND_IMEISV:
  case IDG_KIND_ESN:
  case IDG_KIND_MEID:
  case IDG_KIND_IMSI:
  case IDG_KIND_MSISDN:
    break;
  }
}

static void
mask_symbols (IdgPolicy     policy,
              const guint8 *secret,
              const gchar  *service,
              IdgKind       kind,
              const gchar  *orig,
              gsize         n,
              gchar        *out)
{
  gsize prefix = kept_prefix (kind, orig, n);
  guint round;

  memcpy (out, orig, prefix);
  for (round = 0; round < 64; round++) {
    if (policy == IDG_POLICY_PSEUDONYM && secret)
      fill_pseudonym (secret, service ? service : "", kind, orig, n, round, out, prefix);
    else
      memset (out + prefix, '0', n - prefix);
    fix_check_digits (kind, out, n);
    /* never hand out the real value, even by chance */
    if (n == 0 || memcmp (out, orig, n) != 0 || policy == IDG_POLICY_REDACT)
      break;
  }
  if (n > 0 && memcmp (out, orig, n) == 0 && n > prefix)
    out[n - 1] = out[n - 1] == '1' ? '2' : '1';
}

void
idg_mask_value (IdgPolicy     policy,
                const guint8 *secret,
                const gchar  *service,
                IdgKind       kind,
                gchar        *value,
                gsize         len)
{
  gchar orig[MAX_SYMBOLS];
  gchar repl[MAX_SYMBOLS];
  gsize pos[MAX_SYMBOLS];
  gboolean lower[MAX_SYMBOLS];
  gsize n = 0;
  gsize i;

  for (i = 0; i < len; i++) {
    gchar c = value[i];

    if (!g_ascii_isalnum (c))
      continue;
    if (n == MAX_SYMBOLS) {
      /* longer than any identifier: no structure worth keeping */
      value[i] = '0';
      continue;
    }
    pos[n] = i;
    lower[n] = g_ascii_islower (c);
    if (kind_is_hex (kind))
      orig[n] = g_ascii_isxdigit (c) ? g_ascii_toupper (c) : '0';
    else
      orig[n] = g_ascii_isdigit (c) ? c : '0';
    n++;
  }
  mask_symbols (policy, secret, service, kind, orig, n, repl);
  for (i = 0; i < n; i++)
    value[pos[i]] = lower[i] ? g_ascii_tolower (repl[i]) : repl[i];
  memset (orig, 0, sizeof orig);
}
