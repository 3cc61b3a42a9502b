/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "idg-guard.h"
#include "idg-encoding.h"

#include <string.h>

#define MAX_FIELD 128

void
idg_guard_init (IdgGuard     *guard,
                guint32       allowed,
                IdgPolicy     policy,
                const guint8 *secret,
                const gchar  *service)
{
  memset (guard, 0, sizeof *guard);
  guard->allowed = allowed;
  guard->policy = policy;
  guard->secret = secret;
  guard->service = service ? service : "";
}

gboolean
idg_guard_allows (const IdgGuard *guard,
                  IdgKind         kind)
{
  return (guint) kind < IDG_KIND_COUNT && (guard->allowed & IDG_KIND_BIT (kind)) != 0;
}

void
idg_guard_count (IdgGuard    *guard,
                 guint        slot,
                 IdgDecision  decision)
{
  if (slot < IDG_GUARD_SLOTS && (guint) decision < IDG_DECISION_COUNT)
    guard->tally[slot][decision]++;
}

gboolean
idg_guard_empty (const IdgGuard *guard)
{
  guint i, j;

  for (i = 0; i < IDG_GUARD_SLOTS; i++)
    for (j = 0; j < IDG_DECISION_COUNT; j++)
      if (guard->tally[i][j])
        return FALSE;
  return TRUE;
}

const gchar *
idg_decision_to_string (IdgDecision decision)
{
  switch (decision) {
  case IDG_DECISION_RELEASE:
    return "release";
  case IDG_DECISION_REWRITE:
    return "rewrite";
  case IDG_DECISION_REFUSE:
    return "refuse";
  }
  return "unknown";
}

/* TRUE if the field passes untouched. */
static gboolean
release (IdgGuard *guard,
         IdgKind   kind)
{
  if (idg_guard_allows (guard, kind)) {
    idg_guard_count (guard, kind, IDG_DECISION_RELEASE);
    return TRUE;
  }
  idg_guard_count (guard, (guint) kind < IDG_KIND_COUNT ? (guint) kind : IDG_GUARD_SLOT_RAW_SIM,
                   IDG_DECISION_REWRITE);
  return FALSE;
}

static void
mask (IdgGuard *guard,
      IdgKind   kind,
      gchar    *s,
      gsize     n)
{
  idg_mask_value (guard->policy, guard->secret, guard->service, kind, s, n);
}

void
idg_guard_ascii (IdgGuard *guard,
                 IdgKind   kind,
                 guint8   *buf,
                 gsize     len)
{
  if (release (guard, kind))
    return;
  mask (guard, kind, (gchar *) buf, len);
}

void
idg_guard_utf16le (IdgGuard *guard,
                   IdgKind   kind,
                   guint8   *buf,
                   gsize     len)
{
  gchar s[MAX_FIELD];
  gsize off = 0;

  if (release (guard, kind))
    return;
  len &= ~(gsize) 1;
  while (off < len) {
    gsize n = MIN ((len - off) / 2, sizeof s);
    gsize i;

    for (i = 0; i < n; i++) {
      const guint8 *u = buf + off + 2 * i;
      /* a non-ASCII code unit could carry a digit in disguise: mask it too */
      s[i] = (u[1] == 0 && u[0] < 0x80) ? (gchar) u[0] : '0';
    }
    mask (guard, kind, s, n);
    for (i = 0; i < n; i++) {
      buf[off + 2 * i] = (guint8) s[i];
      buf[off + 2 * i + 1] = 0;
    }
    off += 2 * n;
  }
  memset (s, 0, sizeof s);
}

static void
bcd_mask (IdgGuard *guard,
          IdgKind   kind,
          guint8   *buf,
          gsize     len,
          guint     skip)
{
  gchar s[MAX_FIELD * 2];
  gsize idx[MAX_FIELD * 2];
  gsize n = 0;
  gsize i;

  len = MIN (len, (gsize) MAX_FIELD);
  for (i = skip; i < len * 2; i++) {
    guint8 nib = (i & 1) ? (buf[i / 2] >> 4) : (buf[i / 2] & 0x0F);

    if (nib == 0x0F)
      continue;
    idx[n] = i;
    s[n++] = nib <= 9 ? (gchar) ('0' + nib) : '0';
  }
  mask (guard, kind, s, n);
  for (i = 0; i < n; i++) {
    gsize b = idx[i] / 2;
    guint8 d = (guint8) (s[i] - '0') & 0x0F;

    if (d > 9)
      d = 0;
    if (idx[i] & 1)
      buf[b] = (guint8) ((buf[b] & 0x0F) | (d << 4));
    else
      buf[b] = (guint8) ((buf[b] & 0xF0) | d);
  }
  memset (s, 0, sizeof s);
}

void
idg_guard_bcd (IdgGuard *guard,
               IdgKind   kind,
               guint8   *buf,
               gsize     len,
               guint     skip_nibbles)
{
  if (release (guard, kind))
    return;
  bcd_mask (guard, kind, buf, len, skip_nibbles);
  /* anything past what bcd_mask looks at is scrubbed, not leaked */
  if (len > MAX_FIELD)
    memset (buf + MAX_FIELD, 0xFF, len - MAX_FIELD);
}

void
idg_guard_hex_bcd (IdgGuard *guard,
                   IdgKind   kind,
                   guint8   *buf,
                   gsize     len,
                   guint     skip_nibbles)
{
  guint8 bytes[MAX_FIELD];
  gssize n;
  gsize i;

  if (release (guard, kind))
    return;
  n = (len / 2 <= sizeof bytes) ? idg_hex_decode ((const gchar *) buf, len, bytes, sizeof bytes) : -1;
  if (n < 0) {
    mask (guard, kind, (gchar *) buf, len);
    return;
  }
  bcd_mask (guard, kind, bytes, (gsize) n, skip_nibbles);
  for (i = 0; i < (gsize) n; i++) {
    static const gchar hex[] = "0123456789ABCDEF";
    gboolean lower = g_ascii_islower (buf[2 * i]) || g_ascii_islower (buf[2 * i + 1]);
    gchar hi = hex[bytes[i] >> 4];
    gchar lo = hex[bytes[i] & 0x0F];

    buf[2 * i] = (guint8) (lower ? g_ascii_tolower (hi) : hi);
    buf[2 * i + 1] = (guint8) (lower ? g_ascii_tolower (lo) : lo);
  }
  memset (bytes, 0, sizeof bytes);
}

gboolean
idg_guard_raw_sim (IdgGuard *guard)
{
  if ((guard->allowed & IDG_KIND_MASK_SIM) == IDG_KIND_MASK_SIM) {
    idg_guard_count (guard, IDG_GUARD_SLOT_RAW_SIM, IDG_DECISION_RELEASE);
    return TRUE;
  }
  idg_guard_count (guard, IDG_GUARD_SLOT_RAW_SIM, IDG_DECISION_REFUSE);
  return FALSE;
}
