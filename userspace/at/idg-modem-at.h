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

/* The door hands over the modem's raw reply to a client's command line: a
 * +CIMI or ICCID read (as the backend sends them) that shows another SIM
 * than the one read makes the backend clear and re-read the SIM's values,
 * for modems that announce no SIM change. */
void       idg_modem_at_observe   (IdgModemAt    *modem,
                                   const gchar   *line,
                                   const GString *reply);

G_END_DECLS

#endif
