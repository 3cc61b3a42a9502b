/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a client without consent sees instead of an identifier: the same
 * length and alphabet, valid check digits, never the real value.
 *
 *  redact:    digits become 0 (IMSI keeps MCC+MNC, ICCID and EID keep the
 *             "89" telecom prefix), check digits recomputed.
 *  pseudonym: digits come from HMAC-SHA256(device secret, service, kind,
 *             value): stable per service and device, different per service,
 *             unrelated to the real value for anyone without the secret.
 */
#ifndef IDG_MASK_H
#define IDG_MASK_H

#include <glib.h>
#include "idg-kind.h"

G_BEGIN_DECLS

typedef enum {
  IDG_POLICY_REDACT    = 0,
  IDG_POLICY_PSEUDONYM = 1,
} IdgPolicy;

#define IDG_SECRET_LEN 32

const gchar *idg_policy_to_string   (IdgPolicy    policy);
gboolean     idg_policy_from_string (const gchar *str,
                                     IdgPolicy   *out);

/* Rewrites the len characters of value in place. Every ASCII letter or digit
 * is replaced; every other byte is kept (a '+' of a phone number, the 'F'
 * padding is the caller's business). secret may be NULL for redact. */
void idg_mask_value (IdgPolicy     policy,
                     const guint8 *secret,
                     const gchar  *service,
                     IdgKind       kind,
                     gchar        *value,
                     gsize         len);

G_END_DECLS

#endif
