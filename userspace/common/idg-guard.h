/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decision context a filter works with while it walks one message for
 * one client: which kinds the client may see, how to hide the others, and
 * a tally of what was released, rewritten or refused (for the audit log,
 * flushed by the door after the message). Pure: no I/O, no globals.
 *
 * Every idg_guard_<encoding>() call names the kind of the field it is given;
 * if the client may see that kind the bytes are left alone and a release is
 * counted, otherwise they are rewritten in place (same length, same encoding,
 * valid check digits) and a rewrite is counted.
 */
#ifndef IDG_GUARD_H
#define IDG_GUARD_H

#include <glib.h>
#include "idg-kind.h"
#include "idg-mask.h"

G_BEGIN_DECLS

typedef enum {
  IDG_DECISION_RELEASE = 0,
  IDG_DECISION_REWRITE = 1,
  IDG_DECISION_REFUSE  = 2,
} IdgDecision;
#define IDG_DECISION_COUNT 3

/* Tally slot for raw SIM access (APDU, logical channels, +CSIM...), which is
 * not one kind but could read them all. */
#define IDG_GUARD_SLOT_RAW_SIM IDG_KIND_COUNT
#define IDG_GUARD_SLOTS (IDG_KIND_COUNT + 1)

typedef struct {
  guint32       allowed;       /* IDG_KIND_BIT()s the client may see */
  IdgPolicy     policy;
  const guint8 *secret;        /* IDG_SECRET_LEN bytes, for pseudonyms */
  const gchar  *service;       /* pseudonym scope: the client's service key */
  guint         tally[IDG_GUARD_SLOTS][IDG_DECISION_COUNT];
} IdgGuard;

void        idg_guard_init   (IdgGuard     *guard,
                              guint32       allowed,
                              IdgPolicy     policy,
                              const guint8 *secret,
                              const gchar  *service);
gboolean    idg_guard_allows (const IdgGuard *guard,
                              IdgKind         kind);
void        idg_guard_count  (IdgGuard    *guard,
                              guint        slot,
                              IdgDecision  decision);
gboolean    idg_guard_empty  (const IdgGuard *guard);
const gchar *idg_decision_to_string (IdgDecision decision);

/* ASCII characters (digits; hex for ESN/MEID). */
void idg_guard_ascii   (IdgGuard *guard,
                        IdgKind   kind,
                        guint8   *buf,
                        gsize     len);
/* UTF-16LE code units (MBIM strings); len in bytes. */
void idg_guard_utf16le (IdgGuard *guard,
                        IdgKind   kind,
                        guint8   *buf,
                        gsize     len);
/* Swapped-nibble BCD bytes; the first skip_nibbles nibbles are not digits
 * (1 for the parity nibble of EF_IMSI after its length byte). 0xF nibbles
 * are padding and stay. */
void idg_guard_bcd     (IdgGuard *guard,
                        IdgKind   kind,
                        guint8   *buf,
                        gsize     len,
                        guint     skip_nibbles);
/* Hex text of swapped-nibble BCD bytes (AT+CRSM replies). Text that is not
 * valid hex is rewritten as plain ASCII. */
void idg_guard_hex_bcd (IdgGuard *guard,
                        IdgKind   kind,
                        guint8   *buf,
                        gsize     len,
                        guint     skip_nibbles);
/* Raw SIM access: TRUE (and a release counted) if the client holds every SIM
 * kind, else FALSE and a refusal counted: the filter then answers with the
 * protocol's error. */
gboolean idg_guard_raw_sim (IdgGuard *guard);

G_END_DECLS

#endif
