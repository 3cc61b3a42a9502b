/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the MBIM filter. Input: one byte of settings (which
 * kinds the client holds, the MBIMEx hint, request or not), then one MBIM
 * message. The message is run as a request (with a note) and then, mutated
 * into a COMMAND_DONE and an INDICATE_STATUS, as replies; a second copy is
 * kept to check that a rewrite never changes the length.
 */
#include <stdint.h>
#include <string.h>

#include "idg-mbim-filter.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const guint8 secret[IDG_SECRET_LEN] = { 7 };

static void
reply (const guint8      *msg,
       gsize              len,
       guint32            type,
       const IdgMbimNote *note,
       guint              major,
       guint32            allowed)
{
  guint8 *copy = g_memdup2 (msg, len);
  IdgGuard guard;

  if (len >= 4)
    idg_mbim_write_u32 (copy, type);
  idg_guard_init (&guard, allowed, (allowed & 1) ? IDG_POLICY_PSEUDONYM : IDG_POLICY_REDACT,
                  secret, "fuzz");
  (void) idg_mbim_filter_reply (copy, len, note, major, &guard);
  g_free (copy);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  IdgMbimNote note;
  IdgGuard guard;
  guint32 allowed;
  guint major;
  GByteArray *refusal;

  if (size < 1 || size > IDG_MBIM_MAX_MESSAGE)
    return 0;
  allowed = (data[0] & 0x0F) == 0x0F ? IDG_KIND_MASK_ALL : (guint32) (data[0] & 0x0F) << 4;
  major = (data[0] >> 4) & 3;
  data++;
  size--;

  idg_guard_init (&guard, allowed, IDG_POLICY_REDACT, secret, "fuzz");
  if (idg_mbim_filter_request (data, size, &guard, &note, NULL) == IDG_MBIM_REFUSE) {
    refusal = idg_mbim_filter_refusal (data, size, &note);
    g_byte_array_unref (refusal);
  }
  reply (data, size, 0x80000003u, &note, major, allowed);
  reply (data, size, 0x80000007u, NULL, major, allowed);
  reply (data, size, 0x80000003u, NULL, major, allowed);
  return 0;
}
