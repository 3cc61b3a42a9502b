/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the QMI backend and the QMI door (both in userspace/qmi/): the
 * door shares the backend's open port (its QMUX multiplexer, idg-qmux.h)
 * and must know when it comes and goes (a re-opened port has a new set of
 * client ids: the door then drops the clients of the old one).
 */
#ifndef IDG_MODEM_QMI_PRIVATE_H
#define IDG_MODEM_QMI_PRIVATE_H

#include "idg-modem.h"
#include "idg-qmux.h"

G_BEGIN_DECLS

/* mux is the newly opened port, or NULL when the open one was lost. */
typedef void (*IdgModemQmiWatch) (IdgQmux  *mux,
                                  gpointer  user_data);

IdgQmux *idg_modem_qmi_peek_qmux (IdgModemQmi *modem);   /* NULL until open */

guint idg_modem_qmi_watch   (IdgModemQmi      *modem,
                             IdgModemQmiWatch  callback,
                             gpointer          user_data);
void  idg_modem_qmi_unwatch (IdgModemQmi      *modem,
                             guint             id);

G_END_DECLS

#endif
