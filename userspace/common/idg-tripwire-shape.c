/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tripwire for values not known yet (idg_tripwire_mask_unknown, see
 * idg-tripwire.h): runs of digits and BCD bytes masked by their shape, for
 * the SIM kinds the broker has not read again after a swap. Pure.
 */
#include "idg-tripwire.h"
#include "idg-tripwire-private.h"

/* Which SIM kinds a run of n digits can be, by length: an IMSI (14-15) or
 * a number, any piece of any of them when short, an ICCID (18-20), an EID
 * (32) or a piece of one when long. */
static guint32
shape_of_digits (gsize n)
{
  guint32 k = 0;

  if (n < 14)
    return IDG_KIND_MASK_SIM;
  if (n <= 17)
    k |= IDG_KIND_BIT (IDG_KIND_IMSI) | IDG_KIND_BIT (IDG_KIND_MSISDN);
  if (n >= 18 && n <= 20)
    k |= IDG_KIND_BIT (IDG_KIND_ICCID);
  if (n > 20)
    k |= IDG_KIND_BIT (IDG_KIND_EID);
  return k;
}

/* The same for the BCD run buf[start..end): EF_IMSI (9 bytes: length 8,
 * then the parity nibble 9 or 1 first) is an IMSI; otherwise its digits,
 * with the half of a 0xF-padded byte after it, by shape_of_digits. */
static guint32
shape_of_bcd (const guint8 *buf,
              gsize         start,
              gsize         end,
              gsize         len)
{
  gsize n = 2 * (end - start);

  if (end - start == 9 && buf[start] == 0x08 &&
      ((buf[start + 1] & 0x0F) == 9 || (buf[start + 1] & 0x0F) == 1))
    return IDG_KIND_BIT (IDG_KIND_IMSI);
  if (end < len && (((buf[end] >> 4) == 0xF && (buf[end] & 0x0F) <= 9) ||
                    ((buf[end] & 0x0F) == 0xF && (buf[end] >> 4) <= 9)))
    n++;
  return shape_of_digits (n);
}

typedef struct {
  guint32       hide;    /* unknown kinds the client may not see */
  const guint8 *cover;   /* bytes of values the client may see, or NULL */
  guint         runs;
} Unknown;

/* Masks the bytes of a run that no allowed value covers, if its shape can
 * be a kind to hide. */
static void
mask_run (Unknown *u,
          guint8  *buf,
          gsize    start,
          gsize    end,
          guint    step,
          guint8   to,
          guint32  shape)
{
  gsize k;

  if ((shape & u->hide) == 0)
    return;
  for (k = start; k < end; k += step)
    if (u->cover == NULL || !u->cover[k])
      buf[k] = to;
  u->runs++;
}

static gboolean
is_digit_at (const guint8 *buf,
             gsize         i,
             guint         step)
{
  return g_ascii_isdigit (buf[i]) && (step == 1 || buf[i + 1] == 0);
}

/* Runs of step-byte digits ('3', or '3' 0x00) from offset first. */
static void
mask_digit_runs (Unknown *u,
                 guint8  *buf,
                 gsize    len,
                 gsize    first,
                 guint    step)
{
  gsize i = first;

  while (i + step <= len) {
    gsize start = i, n = 0;
    gboolean nonzero = FALSE;

    while (i + step <= len && is_digit_at (buf, i, step)) {
      nonzero |= buf[i] != '0';
      n++;
      i += step;
    }
    if (n >= IDG_TRIPWIRE_RUN && nonzero)
      mask_run (u, buf, start, i, step, '0', shape_of_digits (n));
    if (n == 0)
      i += step;
  }
}

static void
mask_bcd_runs (Unknown *u,
               guint8  *buf,
               gsize    len)
{
  gsize i = 0;

  while (i < len) {
    gsize start = i;
    guint nonzero = 0;
    gboolean text = TRUE;

    while (i < len && buf[i] != 0 && (buf[i] >> 4) <= 9 && (buf[i] & 0x0F) <= 9) {
      nonzero += ((buf[i] >> 4) != 0) + ((buf[i] & 0x0F) != 0);
      text &= buf[i] >= 0x20 && buf[i] < 0x7F;
      i++;
    }
    if (i - start >= 5 && nonzero >= 8 && !text)
      mask_run (u, buf, start, i, 1, 0, shape_of_bcd (buf, start, i, len));
    if (i == start)
      i++;
  }
}

guint
idg_tripwire_mask_unknown (IdgTripwire *tw,
                           guint32      allowed_kinds,
                           guint32      unknown_kinds,
                           guint8      *buf,
                           gsize        len)
{
  g_autofree guint8 *cover = NULL;
  Unknown u = { unknown_kinds & ~allowed_kinds & IDG_KIND_MASK_SIM, NULL, 0 };

  if (u.hide == 0 || len == 0)
    return 0;
  if ((allowed_kinds & IDG_KIND_MASK_ALL) != 0) {
    /* bytes of known values the client may see are left alone */
    cover = g_malloc0 (len);
    idg_tripwire_cover (tw, allowed_kinds, buf, len, cover);
    u.cover = cover;
  }
  mask_digit_runs (&u, buf, len, 0, 1);
  if (idg_tripwire_is_binary (tw)) {
    mask_digit_runs (&u, buf, len, 0, 2);
    mask_digit_runs (&u, buf, len, 1, 2);
    mask_bcd_runs (&u, buf, len);
  }
  return u.runs;
}
