/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMI modem backend (idg-modem-qmi.c): opens the modem's QMI port
 * (idguardd is the only process that does), reads every identifier it can
 * into the broker, follows SIM changes and re-opens with retries and
 * backoff. Its "port-changed" signal (idg-modem.h) carries the port's
 * multiplexer (IdgQmux), which the QMI door shares.
 */
#ifndef IDG_MODEM_QMI_H
#define IDG_MODEM_QMI_H

#include <libqmi-glib.h>
#include "idg-broker.h"
#include "idg-modem.h"

G_BEGIN_DECLS

#define IDG_TYPE_MODEM_QMI (idg_modem_qmi_get_type ())
G_DECLARE_FINAL_TYPE (IdgModemQmi, idg_modem_qmi, IDG, MODEM_QMI, IdgModem)

/* Starts opening at once and retries on its own. path: a device path or
 * "qrtr://N". */
IdgModemQmi *idg_modem_qmi_new         (IdgBroker    *broker,
                                        const gchar  *path);
QmiDevice   *idg_modem_qmi_peek_device (IdgModemQmi  *modem);   /* NULL until open */
/* Closes the port and lets the object go. */
void         idg_modem_qmi_free        (IdgModemQmi  *modem);

G_END_DECLS

#endif
