/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the QMI and MBIM multiplexers share (idg-qmux.h, idg-mbim-mux.h):
 * the broker's one fd on the modem's control port, one pty whose slave the
 * backend's QmiDevice or MbimDevice opens instead of the port, and the
 * bytes between them.
 *
 * Set-up: the port is opened non-blocking (raw mode if it is a tty); the
 * pty is made mode 0600 before unlockpt (grantpt leaves it writable by
 * group tty, and what is written there reaches the modem as the
 * backend's), its slave held open so that the master never sees a hang-up.
 * Both ways: bytes read are cut into the protocol's messages
 * (IdgPortMuxFuncs.frame_length, the protocol's framing) and handed to its
 * router, in the read buffer (a router may change a message in place);
 * writes go through a bounded queue (IdgDoorQueue, 1 MiB a way).
 * A read or write failure, or a framing error, ends the multiplexer: its
 * lost function runs once, from an idle (never inside a caller), and the
 * backend re-opens.
 */
#ifndef IDG_PORT_MUX_H
#define IDG_PORT_MUX_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _IdgPortMux IdgPortMux;

/* Called once, from an idle; the owner may free the multiplexer from it. */
typedef void (*IdgPortMuxLostFunc) (const gchar *why,
                                    gpointer     user_data);

typedef struct {
  /* The length of the message at the start of buf (avail bytes there):
   * 0 if more bytes are needed to tell, -1 if they are not a message. */
  gssize (*frame_length) (const guint8 *buf, gsize avail);
  /* One whole message from the modem / from the backend's pty. */
  void   (*from_port)    (guint8 *msg, gsize len, gpointer user_data);
  void   (*from_backend) (guint8 *msg, gsize len, gpointer user_data);
  /* the lost reason of a framing error, each way */
  const gchar *port_broken;
  const gchar *backend_broken;
} IdgPortMuxFuncs;

IdgPortMux  *idg_port_mux_open             (const gchar            *port,
                                            const IdgPortMuxFuncs  *funcs,
                                            gpointer                user_data,
                                            IdgPortMuxLostFunc      lost,
                                            gpointer                lost_data,
                                            GError                **error);
/* The modem port's fd (for an ioctl), and the pty the backend opens. */
int          idg_port_mux_get_port_fd      (IdgPortMux             *mux);
const gchar *idg_port_mux_get_backend_path (IdgPortMux             *mux);
/* TRUE once the multiplexer failed (lost is on its way). */
gboolean     idg_port_mux_is_lost          (IdgPortMux             *mux);
/* Queue bytes to the modem / to the backend; a failure ends the
 * multiplexer. */
void         idg_port_mux_to_port          (IdgPortMux             *mux,
                                            const guint8           *data,
                                            gsize                   len);
void         idg_port_mux_to_backend       (IdgPortMux             *mux,
                                            const guint8           *data,
                                            gsize                   len);
void         idg_port_mux_free             (IdgPortMux             *mux);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgPortMux, idg_port_mux_free)

G_END_DECLS

#endif
