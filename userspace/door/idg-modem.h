/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the three modem backends (userspace/qmi/idg-modem-qmi.c,
 * userspace/mbim/idg-modem-mbim.c, userspace/at/idg-modem-at.c) share: one
 * GObject base, IdgModem, and one observer mechanism, its signals. A door
 * follows its backend with g_signal_connect () and lets go with
 * g_clear_signal_handler () (GLib's handler ids); each protocol's header
 * (idg-modem-qmi.h, idg-modem-mbim.h, idg-modem-at.h) declares its
 * backend, a final subclass.
 *
 *  - "port-changed" (gpointer port): the port the door shares came (the
 *    QMI backend's multiplexer IdgQmux, the MBIM backend's open
 *    MbimDevice) or went (NULL). The QMI and MBIM backends emit it only
 *    once the identifiers were read (the value tripwire must know them
 *    before any client's answer) and before they forget the port.
 *  - "ids-known": the identifiers were read for the first time since the
 *    port was (re)opened (the AT door holds its clients' lines until then).
 *
 * Handlers run in the backend's call chain: they must not free the
 * backend.
 */
#ifndef IDG_MODEM_H
#define IDG_MODEM_H

#include <glib-object.h>

G_BEGIN_DECLS

#define IDG_MODEM_SIGNAL_PORT_CHANGED "port-changed"
#define IDG_MODEM_SIGNAL_IDS_KNOWN    "ids-known"

#define IDG_TYPE_MODEM (idg_modem_get_type ())
G_DECLARE_DERIVABLE_TYPE (IdgModem, idg_modem, IDG, MODEM, GObject)

struct _IdgModemClass {
  GObjectClass parent_class;
};

/* For the backends. */
void idg_modem_emit_port_changed (IdgModem *modem,
                                  gpointer  port);
void idg_modem_emit_ids_known    (IdgModem *modem);

G_END_DECLS

#endif
