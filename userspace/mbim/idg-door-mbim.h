/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MBIM door (idg-door-mbim.c): a consent-aware drop-in for libmbim's
 * mbim-proxy on an abstract unix socket.
 */
#ifndef IDG_DOOR_MBIM_H
#define IDG_DOOR_MBIM_H

#include <glib.h>
#include "idg-broker.h"
#include "idg-modem-mbim.h"

G_BEGIN_DECLS

typedef struct _IdgDoorMbim IdgDoorMbim;

/* listen_fd as for idg_door_qmi_new (idg-door-qmi.h). A NULL modem still
 * holds the name and refuses every client's configuration at once (MBIM
 * FAILURE). */
IdgDoorMbim *idg_door_mbim_new           (IdgBroker     *broker,
                                          IdgModemMbim  *modem,
                                          const gchar   *abstract_name,
                                          int            listen_fd,
                                          GError       **error);
guint        idg_door_mbim_get_n_clients (IdgDoorMbim   *door);
void         idg_door_mbim_free          (IdgDoorMbim   *door);

G_END_DECLS

#endif
