/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the QMI backend and the QMI door (both in userspace/qmi/): the
 * door shares the backend's open port (its QMUX multiplexer, idg-qmux.h)
 * and must know when it comes and goes (a re-opened port has a new set of
 * client ids: the door then drops the clients of the old one): the
 * backend's "port-changed" signal (idg-modem.h) carries the IdgQmux, or
 * NULL.
 */
#ifndef IDG_MODEM_QMI_PRIVATE_H
#define IDG_MODEM_QMI_PRIVATE_H

#include "idg-modem-qmi.h"
#include "idg-qmux.h"

G_BEGIN_DECLS

IdgQmux *idg_modem_qmi_peek_qmux (IdgModemQmi *modem);   /* NULL until open */

G_END_DECLS

#endif
