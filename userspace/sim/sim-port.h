/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Byte-stream endpoints of the simulator: a pty master (the slave linked
 * where the user asked), a connected socket, a listening socket. Input goes
 * to a callback; output is queued and written when the fd is writable.
 */
#ifndef SIM_PORT_H
#define SIM_PORT_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SimPort SimPort;

/* Called with what was read; write replies with sim_port_write (). len 0
 * means the peer hung up (sockets only). */
typedef void (*SimPortInput) (SimPort      *port,
                              const guint8 *data,
                              gsize         len,
                              gpointer      user_data);

/* A raw-mode pty whose slave path is symlinked at link. */
SimPort     *sim_port_new_pty    (const gchar  *link,
                                  SimPortInput  input,
                                  gpointer      user_data,
                                  GError      **error);
/* Takes ownership of fd (a connected stream socket). */
SimPort     *sim_port_new_fd     (gint          fd,
                                  SimPortInput  input,
                                  gpointer      user_data);
void         sim_port_free       (SimPort *port);
void         sim_port_write      (SimPort      *port,
                                  const guint8 *data,
                                  gsize         len);
const gchar *sim_port_get_link   (SimPort *port);

/* Listening unix stream sockets: path on the file system, or abstract name
 * (bound verbatim after the leading NUL). accept_cb gets each new fd. */
typedef void (*SimPortAccept) (gint fd, gpointer user_data);
guint        sim_port_listen     (const gchar   *path_or_name,
                                  gboolean       abstract,
                                  SimPortAccept  accept_cb,
                                  gpointer       user_data,
                                  gint          *out_fd,
                                  GError       **error);

G_END_DECLS

#endif
