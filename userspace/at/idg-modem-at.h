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

/* TRUE once the identifiers were read after the port was last opened
 * (the first full round). Before that the broker cannot recognise them in
 * a reply no filter knows, so the door holds its clients' lines. */
gboolean   idg_modem_at_ids_known (IdgModemAt *modem);
/* Called each time they become known (one function: the door's; NULL
 * clears it). */
typedef void (*IdgModemAtKnownFunc) (gpointer user_data);
void       idg_modem_at_set_known_func (IdgModemAt          *modem,
                                        IdgModemAtKnownFunc  func,
                                        gpointer             user_data);

/* The door hands over the modem's raw reply to a client's command line: a
 * +CIMI or ICCID read (as the backend sends them) that shows another SIM
 * than the one read makes the backend clear and re-read the SIM's values,
 * for modems that announce no SIM change. */
void       idg_modem_at_observe   (IdgModemAt    *modem,
                                   const gchar   *line,
                                   const GString *reply);

G_END_DECLS

#endif
