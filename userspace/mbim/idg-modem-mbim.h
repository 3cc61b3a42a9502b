/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MBIM modem backend (idg-modem-mbim.c): opens the modem's MBIM port
 * through the MBIM multiplexer, reads every identifier it can into the
 * broker, follows SIM changes and re-opens with retries and backoff. Its
 * "port-changed" signal (idg-modem.h) carries the open MbimDevice, which
 * the MBIM door follows.
 */
#ifndef IDG_MODEM_MBIM_H
#define IDG_MODEM_MBIM_H

#include <libmbim-glib.h>
#include "idg-broker.h"
#include "idg-modem.h"

G_BEGIN_DECLS

#define IDG_TYPE_MODEM_MBIM (idg_modem_mbim_get_type ())
G_DECLARE_FINAL_TYPE (IdgModemMbim, idg_modem_mbim, IDG, MODEM_MBIM, IdgModem)

/* Starts opening at once and retries on its own. */
IdgModemMbim *idg_modem_mbim_new         (IdgBroker    *broker,
                                          const gchar  *path);
MbimDevice   *idg_modem_mbim_peek_device (IdgModemMbim *modem);  /* NULL until open */
/* Closes the port and lets the object go. */
void          idg_modem_mbim_free        (IdgModemMbim *modem);

G_END_DECLS

#endif
