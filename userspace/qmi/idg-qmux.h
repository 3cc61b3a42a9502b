/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The broker's one reader and writer of the modem's QMI port: a QMUX
 * multiplexer between the port, the QMI backend's QmiDevice and the QMI
 * door.
 *
 * The backend keeps libqmi (QmiDevice, QmiClientDms, QmiClientUim): its
 * QmiDevice opens a pty of the multiplexer instead of the port, and every
 * frame it writes goes on to the modem (CTL transaction ids renumbered:
 * the door's CTL requests share them). The door writes its canonical
 * frames straight to the port and gets the answers to them straight back,
 * framed and header-checked once (idg_qmi_frame_parse), without a
 * QmiDevice transaction, a GTask or a main-loop round per request: the
 * stock qmi-proxy pays those, the door does not.
 *
 * Routing of what the modem sends: a CTL response goes to whoever holds
 * its transaction id (idg_qmux_ctl_take for the door); a service response
 * is offered to the door first (it claims what it sent: its own
 * transaction id on a client id of its clients) and goes to the backend
 * otherwise; indications go to both (QmiDevice ignores client ids it does
 * not hold). A frame that is not QMUX, or a port that fails, ends the
 * multiplexer: lost is called once and the backend re-opens.
 */
#ifndef IDG_QMUX_H
#define IDG_QMUX_H

#include <glib.h>
#include <libqmi-glib.h>

#include "idg-qmi-filter.h"

G_BEGIN_DECLS

typedef struct _IdgQmux IdgQmux;

/* Called once, when the port or the backend's pty fails; the multiplexer
 * may be freed from it. */
typedef void (*IdgQmuxLostFunc) (const gchar *why,
                                 gpointer     user_data);

/* The door's side. response: a response the door may own (every CTL
 * response on a transaction id it took, the service responses); TRUE if it
 * was the door's, which may then change the frame in place (before it
 * says TRUE, it must not). indication: every service indication. */
typedef struct {
  gboolean (*response)   (guint8 *frame, gsize len, const IdgQmiHeader *h, gpointer user_data);
  void     (*indication) (const guint8 *frame, gsize len, const IdgQmiHeader *h, gpointer user_data);
} IdgQmuxDoorFuncs;

IdgQmux     *idg_qmux_open             (const gchar             *port,
                                        IdgQmuxLostFunc          lost,
                                        gpointer                 user_data,
                                        GError                 **error);
/* For a modem without a port to read (a QRTR node): the same interface
 * over the backend's open QmiDevice, one device command per frame the
 * door sends (what the door paid on every port before the multiplexer);
 * never lost (the backend follows the device). */
IdgQmux     *idg_qmux_new_for_device   (QmiDevice               *device);
/* The pty the backend's QmiDevice opens (NULL for a device). */
const gchar *idg_qmux_get_backend_path (IdgQmux                 *mux);
void         idg_qmux_set_door         (IdgQmux                 *mux,
                                        const IdgQmuxDoorFuncs  *funcs,
                                        gpointer                 user_data);
/* A CTL transaction id for the door, -1 if every one is in flight. The
 * response on it is the door's; idg_qmux_ctl_release gives it back (after
 * that response, or when the door gives up waiting). */
gint         idg_qmux_ctl_take         (IdgQmux                 *mux);
void         idg_qmux_ctl_release      (IdgQmux                 *mux,
                                        guint8                   trid);
/* Queues one complete frame for the modem. */
void         idg_qmux_send             (IdgQmux                 *mux,
                                        const guint8            *frame,
                                        gsize                    len);
void         idg_qmux_free             (IdgQmux                 *mux);

G_END_DECLS

#endif
