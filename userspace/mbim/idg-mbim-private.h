/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the MBIM backend and the MBIM door (both in mbim_lib): the door
 * follows the backend's open device, which comes and goes with the modem
 * (the backend's "port-changed" signal, idg-modem.h: the MbimDevice when
 * the modem is ready, NULL when it is gone), and sends its commands through the port's multiplexer (idg-mbim-mux.h).
 */
#ifndef IDG_MBIM_PRIVATE_H
#define IDG_MBIM_PRIVATE_H

#include <glib.h>
#include <libmbim-glib.h>
#include "idg-modem-mbim.h"
#include "idg-mbim-mux.h"

G_BEGIN_DECLS

/* The port's multiplexer while the device is open (the door's commands go
 * there), NULL otherwise. */
IdgMbimMux *idg_modem_mbim_peek_mux (IdgModemMbim *modem);

/* The door saw a command time out: check that the modem still answers (one
 * Device Caps query); if not, the backend forgets its values and reopens. */
void  idg_modem_mbim_check        (IdgModemMbim      *modem);

G_END_DECLS

#endif
