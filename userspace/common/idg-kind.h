/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Identifier kinds: the scopes of a grant and the things a filter guards.
 * The numeric values are part of the kernel ABI (driver/uapi/idguard.h)
 * and of the on-disk store: never renumber, only append.
 */
#ifndef IDG_KIND_H
#define IDG_KIND_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  IDG_KIND_IMEI   = 0,
  IDG_KIND_IMEISV = 1,
  IDG_KIND_ESN    = 2,
  IDG_KIND_MEID   = 3,
  IDG_KIND_IMSI   = 4,
  IDG_KIND_ICCID  = 5,
  IDG_KIND_EID    = 6,
  IDG_KIND_MSISDN = 7,
} IdgKind;

#define IDG_KIND_COUNT 8
#define IDG_KIND_BIT(k) (1u << (guint) (k))
#define IDG_KIND_MASK_ALL ((1u << IDG_KIND_COUNT) - 1)
/* The SIM-held kinds: raw SIM access (APDU, logical channels, +CSIM) is only
 * let through to a client that holds all of them. */
#define IDG_KIND_MASK_SIM (IDG_KIND_BIT (IDG_KIND_IMSI) | IDG_KIND_BIT (IDG_KIND_ICCID) | \
                           IDG_KIND_BIT (IDG_KIND_EID) | IDG_KIND_BIT (IDG_KIND_MSISDN))

const gchar *idg_kind_to_string   (IdgKind kind);
gboolean     idg_kind_from_string (const gchar *str,
                                   IdgKind     *out);

/* "imei,imsi" or "all" -> bit mask; NULL and an error on an unknown name or an
 * empty list. */
guint32      idg_kind_mask_parse     (const gchar  *list,
                                      GError      **error);
gchar       *idg_kind_mask_to_string (guint32 mask);

G_END_DECLS

#endif
