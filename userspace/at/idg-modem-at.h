/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The AT modem backend beyond idg-modem.h: the door shares its port.
 */
#ifndef IDG_MODEM_AT_H
#define IDG_MODEM_AT_H

#include "idg-modem.h"
#include "idg-at-port.h"

G_BEGIN_DECLS

/* The backend's port (always the same object; open or not). */
IdgAtPort *idg_modem_at_peek_port (IdgModemAt *modem);

G_END_DECLS

#endif
