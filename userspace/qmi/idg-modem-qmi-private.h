/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the QMI backend and the QMI door (both in userspace/qmi/): the
 * door shares the backend's open QmiDevice and must know when it comes and
 * goes (a re-opened device has a new set of client ids: the door then drops
 * the clients of the old one).
 */
#ifndef IDG_MODEM_QMI_PRIVATE_H
#define IDG_MODEM_QMI_PRIVATE_H

#include "idg-modem.h"

G_BEGIN_DECLS

/* device is the newly opened device, or NULL when the open one was lost. */
typedef void (*IdgModemQmiWatch) (QmiDevice *device,
                                  gpointer   user_data);

guint idg_modem_qmi_watch   (IdgModemQmi      *modem,
                             IdgModemQmiWatch  callback,
                             gpointer          user_data);
void  idg_modem_qmi_unwatch (IdgModemQmi      *modem,
                             guint             id);

G_END_DECLS

#endif
