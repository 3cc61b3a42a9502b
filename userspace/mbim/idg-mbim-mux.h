/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The broker's one reader and writer of the modem's MBIM port: a
 * multiplexer between the port, the MBIM backend's MbimDevice and the MBIM
 * door, as idg-qmux.h is for QMI.
 *
 * The backend keeps libmbim: its MbimDevice opens a pty of the
 * multiplexer, and what it writes goes on to the modem unchanged (its
 * OPEN's maximum control transfer capped at what a cdc-wdm port says it
 * takes). The door writes its requests straight to the port under
 * transaction ids of its own range (high bit set: libmbim counts up from
 * 1), cut into fragments of the agreed size, and gets the answers to them
 * straight back, fragments reassembled, without an MbimDevice transaction
 * or a GTask per request.
 *
 * Routing of what the modem sends: COMMAND_DONE and FUNCTION_ERROR on a
 * transaction id of the door's range go to the door, everything else to
 * the backend; INDICATE_STATUS goes to the backend, and to the door too if
 * it sets an indication function (the MBIM door does not: it takes them
 * from the backend's device, after the backend's own handler). A message that lies about its
 * length, or a port that fails, ends the multiplexer: lost is called once
 * (from an idle) and the backend re-opens.
 */
#ifndef IDG_MBIM_MUX_H
#define IDG_MBIM_MUX_H

#include <glib.h>

G_BEGIN_DECLS

#define IDG_MBIM_MUX_DOOR_TIDS 0x80000000u

typedef struct _IdgMbimMux IdgMbimMux;

typedef void (*IdgMbimMuxLostFunc) (const gchar *why,
                                    gpointer     user_data);

/* response: a whole COMMAND_DONE (one fragment, of the whole length) or a
 * FUNCTION_ERROR on a transaction id of the door's range. indication: a
 * whole INDICATE_STATUS. Both get a buffer they may change (valid for the
 * call). */
typedef struct {
  void (*response)   (guint8 *msg, gsize len, gpointer user_data);
  void (*indication) (guint8 *msg, gsize len, gpointer user_data);
} IdgMbimMuxDoorFuncs;

IdgMbimMux  *idg_mbim_mux_open             (const gchar                *port,
                                            IdgMbimMuxLostFunc          lost,
                                            gpointer                    user_data,
                                            GError                    **error);
const gchar *idg_mbim_mux_get_backend_path (IdgMbimMux                 *mux);
void         idg_mbim_mux_set_door         (IdgMbimMux                 *mux,
                                            const IdgMbimMuxDoorFuncs  *funcs,
                                            gpointer                    user_data);
/* A transaction id of the door's range (never 0 in its low bits). */
guint32      idg_mbim_mux_next_tid         (IdgMbimMux                 *mux);
/* Queues one whole COMMAND for the modem, in fragments when longer than
 * the agreed maximum control transfer. */
void         idg_mbim_mux_send             (IdgMbimMux                 *mux,
                                            const guint8               *msg,
                                            gsize                       len);
void         idg_mbim_mux_free             (IdgMbimMux                 *mux);

G_END_DECLS

#endif
