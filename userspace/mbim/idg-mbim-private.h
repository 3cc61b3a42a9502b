/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the MBIM backend and the MBIM door (both in mbim_lib): the door
 * follows the backend's open device, which comes and goes with the modem,
 * and sends its commands through the port's multiplexer (idg-mbim-mux.h).
 */
#ifndef IDG_MBIM_PRIVATE_H
#define IDG_MBIM_PRIVATE_H

#include <glib.h>
#include <libmbim-glib.h>
#include "idg-modem.h"
#include "idg-mbim-mux.h"

G_BEGIN_DECLS

/* Called with the open device when the modem is ready, and with NULL when
 * it is gone (the door then drops its clients: their transactions died). */
typedef void (*IdgModemMbimWatch) (MbimDevice *device,
                                   gpointer    user_data);

guint idg_modem_mbim_add_watch    (IdgModemMbim      *modem,
                                   IdgModemMbimWatch  watch,
                                   gpointer           user_data);
void  idg_modem_mbim_remove_watch (IdgModemMbim      *modem,
                                   guint              id);

/* The port's multiplexer while the device is open (the door's commands go
 * there), NULL otherwise. */
IdgMbimMux *idg_modem_mbim_peek_mux (IdgModemMbim *modem);

/* The door saw a command time out: check that the modem still answers (one
 * Device Caps query); if not, the backend forgets its values and reopens. */
void  idg_modem_mbim_check        (IdgModemMbim      *modem);

G_END_DECLS

#endif
