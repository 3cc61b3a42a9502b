/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Between the tripwire's automaton (idg-tripwire.c) and its shape masking
 * (idg-tripwire-shape.c).
 */
#ifndef IDG_TRIPWIRE_PRIVATE_H
#define IDG_TRIPWIRE_PRIVATE_H

#include "idg-tripwire.h"

G_BEGIN_DECLS

/* Built with binary patterns (QMI, MBIM) or text only (AT). */
gboolean idg_tripwire_is_binary (const IdgTripwire *tw);
/* Sets cover[i] for every byte of buf inside a hit of a kind in
 * allowed_kinds (compiling first if needed); hits of other kinds are
 * masked in buf as idg_tripwire_scan does. */
void     idg_tripwire_cover     (IdgTripwire *tw,
                                 guint32      allowed_kinds,
                                 guint8      *buf,
                                 gsize        len,
                                 guint8      *cover);

G_END_DECLS

#endif
