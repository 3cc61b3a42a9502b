/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMI door (idg-door-qmi.c): a consent-aware drop-in for libqmi's
 * qmi-proxy on an abstract unix socket.
 */
#ifndef IDG_DOOR_QMI_H
#define IDG_DOOR_QMI_H

#include <glib.h>
#include "idg-broker.h"
#include "idg-modem-qmi.h"

G_BEGIN_DECLS

typedef struct _IdgDoorQmi IdgDoorQmi;

/* listen_fd >= 0 is a socket handed over by systemd (socket activation);
 * -1 binds the abstract name itself, and fails with a clear error if
 * another process holds it. A NULL modem (none configured) still holds
 * the name and refuses every client's open at once (QMI ACCESS_DENIED): a
 * client neither waits on it nor finds the name free for the stock
 * proxy. */
IdgDoorQmi *idg_door_qmi_new           (IdgBroker     *broker,
                                        IdgModemQmi   *modem,
                                        const gchar   *abstract_name,
                                        int            listen_fd,
                                        GError       **error);
guint       idg_door_qmi_get_n_clients (IdgDoorQmi    *door);
void        idg_door_qmi_free          (IdgDoorQmi    *door);

G_END_DECLS

#endif
