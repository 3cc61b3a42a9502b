/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the value tripwire. Input: one byte of allowed
 * kinds, one byte of flags (bit 0: binary tripwire), then up to 8 values
 * as "K<value>\n" lines (K the kind, '0'..'7'), a 0x00, and the message.
 * Checks: nothing changes for a client allowed everything; what is masked
 * is only of kinds not allowed and was found; a second scan changes
 * nothing; the unknown-value masking with nothing allowed leaves no digit
 * run (and one with some kinds allowed does not crash).
 */
#include <string.h>
#include <glib.h>

#include "idg-tripwire.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_unknown (IdgTripwire *tw, guint8 *buf, gsize len)
{
  gsize i, run = 0;
  gboolean nonzero = FALSE;

  /* nothing allowed, every SIM kind unknown: no digit run survives */
  idg_tripwire_mask_unknown (tw, 0, IDG_KIND_MASK_SIM, buf, len);
  for (i = 0; i <= len; i++) {
    if (i < len && g_ascii_isdigit (buf[i])) {
      nonzero |= buf[i] != '0';
      run++;
      continue;
    }
    if (run >= IDG_TRIPWIRE_RUN && nonzero)
      __builtin_trap ();
    run = 0;
    nonzero = FALSE;
  }
  if (idg_tripwire_mask_unknown (tw, 0, IDG_KIND_MASK_SIM, buf, len) != 0)
    __builtin_trap ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(IdgTripwire) tw = NULL;
  guint8 *msg, *copy;
  const guint8 *end, *nul, *last;
  guint32 allowed, masked;
  IdgTripwireHits hits;
  gsize len;
  guint n = 0;

  if (size < 2)
    return 0;
  allowed = data[0] & IDG_KIND_MASK_ALL;
  tw = idg_tripwire_new (data[1] & 1);
  data += 2;
  size -= 2;
  last = data + size;
  nul = memchr (data, 0, size);
  end = nul != NULL ? nul : data + size;
  while (data < end && n < 8) {
    const guint8 *nl = memchr (data, '\n', (gsize) (end - data));
    const guint8 *stop = nl != NULL ? nl : end;
    g_autofree gchar *value = NULL;

    if (stop - data >= 2 && data[0] >= '0' && data[0] <= '7') {
      value = g_strndup ((const gchar *) data + 1, (gsize) (stop - data - 1));
      idg_tripwire_add (tw, (IdgKind) (data[0] - '0'), value);
      n++;
    }
    data = stop + (stop < end);
  }
  if (nul == NULL)
    return 0;
  len = (gsize) (last - (nul + 1));
  msg = g_malloc0 (len + 1);
  copy = g_malloc0 (len + 1);
  memcpy (msg, nul + 1, len);
  memcpy (copy, nul + 1, len);

  /* allowed everything: found, never changed */
  if (idg_tripwire_scan (tw, IDG_KIND_MASK_ALL, msg, len, &hits) != 0 || memcmp (msg, copy, len) != 0)
    __builtin_trap ();
  masked = idg_tripwire_scan (tw, allowed, msg, len, &hits);
  if ((masked & allowed) != 0 || masked != hits.masked || (hits.masked & ~hits.found) != 0)
    __builtin_trap ();
  /* masked once is masked: a second pass changes nothing */
  memcpy (copy, msg, len);
  idg_tripwire_scan (tw, allowed, msg, len, NULL);
  if (memcmp (msg, copy, len) != 0)
    __builtin_trap ();
  idg_tripwire_mask_unknown (tw, allowed, IDG_KIND_MASK_SIM, copy, len);
  check_unknown (tw, msg, len);
  g_free (msg);
  g_free (copy);
  return 0;
}
