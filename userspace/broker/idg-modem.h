/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Modem backends (one file each: idg-modem-qmi.c, idg-modem-mbim.c,
 * idg-modem-at.c) and protocol doors (idg-door-qmi.c, idg-door-mbim.c,
 * idg-door-at.c). The broker's main creates them from the config; a backend
 * opens its control port (idguardd is the only process that does), reads
 * every identifier it can into the broker, follows SIM changes and re-plugs
 * with retries and backoff; the door of the same protocol shares that open
 * port with its clients.
 */
#ifndef IDG_MODEM_H
#define IDG_MODEM_H

#include <glib.h>
#include <libqmi-glib.h>
#include <libmbim-glib.h>
#include "idg-broker.h"

G_BEGIN_DECLS

typedef struct _IdgModemQmi  IdgModemQmi;
typedef struct _IdgModemMbim IdgModemMbim;
typedef struct _IdgModemAt   IdgModemAt;
typedef struct _IdgDoorQmi   IdgDoorQmi;
typedef struct _IdgDoorMbim  IdgDoorMbim;
typedef struct _IdgDoorAt    IdgDoorAt;

/* Backends start opening at once and retry on their own. */
IdgModemQmi  *idg_modem_qmi_new         (IdgBroker    *broker,
                                         const gchar  *path);
QmiDevice    *idg_modem_qmi_peek_device (IdgModemQmi  *modem);   /* NULL until open */
void          idg_modem_qmi_free        (IdgModemQmi  *modem);

IdgModemMbim *idg_modem_mbim_new         (IdgBroker    *broker,
                                          const gchar  *path);
MbimDevice   *idg_modem_mbim_peek_device (IdgModemMbim *modem);  /* NULL until open */
void          idg_modem_mbim_free        (IdgModemMbim *modem);

IdgModemAt   *idg_modem_at_new  (IdgBroker   *broker,
                                 const gchar *path);
void          idg_modem_at_free (IdgModemAt  *modem);

/* Doors. listen_fd >= 0 is a socket handed over by systemd (socket
 * activation); -1 binds the abstract name itself, and fails with a clear
 * error if another process holds it. A NULL modem (none configured for the
 * protocol) still holds the name and refuses every client's open at once,
 * in the protocol's own terms (QMI ACCESS_DENIED, MBIM FAILURE): a client
 * neither waits on it nor finds the name free for the stock proxy. */
IdgDoorQmi  *idg_door_qmi_new  (IdgBroker     *broker,
                                IdgModemQmi   *modem,
                                const gchar   *abstract_name,
                                int            listen_fd,
                                GError       **error);
guint        idg_door_qmi_get_n_clients (IdgDoorQmi *door);
void         idg_door_qmi_free (IdgDoorQmi    *door);

IdgDoorMbim *idg_door_mbim_new  (IdgBroker     *broker,
                                 IdgModemMbim  *modem,
                                 const gchar   *abstract_name,
                                 int            listen_fd,
                                 GError       **error);
guint        idg_door_mbim_get_n_clients (IdgDoorMbim *door);
void         idg_door_mbim_free (IdgDoorMbim   *door);

/* at-socket (abstract name, may be NULL) and at-link (a pty link path, may
 * be NULL); link_selector (nullable) is the config's selector string that
 * stands for the unknown client behind the pty. */
IdgDoorAt   *idg_door_at_new  (IdgBroker     *broker,
                               IdgModemAt    *modem,
                               const gchar   *abstract_name,
                               const gchar   *link_path,
                               const gchar   *link_selector,
                               GError       **error);
guint        idg_door_at_get_n_clients (IdgDoorAt *door);
void         idg_door_at_free (IdgDoorAt     *door);

G_END_DECLS

#endif
