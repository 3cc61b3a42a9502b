/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The AT modem backend (idg-modem-at.c): opens the modem's AT port
 * (idg-at-port.h), reads every identifier it can into the broker, follows
 * SIM changes and re-opens with retries and backoff. The AT door shares its
 * port and follows its "ids-known" signal (idg-modem.h).
 */
#ifndef IDG_MODEM_AT_H
#define IDG_MODEM_AT_H

#include "idg-broker.h"
#include "idg-modem.h"
#include "idg-at-port.h"

G_BEGIN_DECLS

#define IDG_TYPE_MODEM_AT (idg_modem_at_get_type ())
G_DECLARE_FINAL_TYPE (IdgModemAt, idg_modem_at, IDG, MODEM_AT, IdgModem)

/* Starts opening at once and retries on its own. */
IdgModemAt *idg_modem_at_new       (IdgBroker     *broker,
                                    const gchar   *path);
/* Closes the port and lets the object go. */
void        idg_modem_at_free      (IdgModemAt    *modem);

/* The backend's port (always the same object; open or not). */
IdgAtPort  *idg_modem_at_peek_port (IdgModemAt    *modem);

/* TRUE once the identifiers were read after the port was last opened
 * (the first full round; "ids-known" is emitted then). Before that the
 * broker cannot recognise them in a reply no filter knows, so the door
 * holds its clients' lines. */
gboolean    idg_modem_at_ids_known (IdgModemAt    *modem);

/* The door hands over the modem's raw reply to a client's command line: a
 * +CIMI or ICCID read (as the backend sends them) that shows another SIM
 * than the one read makes the backend clear and re-read the SIM's values,
 * for modems that announce no SIM change. */
void        idg_modem_at_observe   (IdgModemAt    *modem,
                                    const gchar   *line,
                                    const GString *reply);

G_END_DECLS

#endif
