/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMUX multiplexer of the modem's QMI port (idg-qmux.h): one fd on the
 * port, one pty for the backend's QmiDevice, the door's frames in between.
 */
#include "idg-qmux.h"
#include "idg-port-mux.h"

#include <string.h>

#define QMUX_MARKER   0x01
#define CTL_FLAG_RESPONSE   0x01
#define SVC_FLAG_RESPONSE   0x02
#define SVC_FLAG_INDICATION 0x04

typedef enum {
  CTL_FREE,
  CTL_DOOR,
  CTL_BACKEND,
} CtlOwner;

typedef struct {
  guint8 owner;       /* CtlOwner */
  guint8 backend_id;  /* CTL_BACKEND: the backend's own transaction id */
} CtlSlot;

/* Device mode: what a device command's callback finds (mux NULL once the
 * multiplexer is freed). */
typedef struct {
  gint     ref;
  IdgQmux *mux;
} DeviceLink;

typedef struct {
  DeviceLink *link;
  gint        ctl_id;   /* a CTL request: the id the door took; else -1 */
} DeviceRequest;

struct _IdgQmux {
  IdgPortMux      *port;         /* NULL in device mode */
  CtlSlot          ctl[256];
  guint8           next_ctl;
  IdgQmuxDoorFuncs door;
  gpointer         door_data;
  QmiDevice       *device;       /* device mode (a QRTR node): no fds */
  gulong           indication_id;
  DeviceLink      *link;
};

static void
to_backend (IdgQmux      *mux,
            const guint8 *frame,
            gsize         len)
{
  /* in device mode the device answers the backend itself */
  if (mux->port != NULL)
    idg_port_mux_to_backend (mux->port, frame, len);
}

static void device_send (IdgQmux *mux, const guint8 *frame, gsize len);

void
idg_qmux_send (IdgQmux      *mux,
               const guint8 *frame,
               gsize         len)
{
  if (mux->device != NULL)
    device_send (mux, frame, len);
  else
    idg_port_mux_to_port (mux->port, frame, len);
}

/* ---- CTL transaction ids ---- */

static gint
ctl_take (IdgQmux  *mux,
          CtlOwner  owner,
          guint8    backend_id)
{
  guint i;

  for (i = 0; i < 255; i++) {
    guint8 t = (guint8) (mux->next_ctl % 255 + 1);   /* 1..255 */

    mux->next_ctl = t;
    if (mux->ctl[t].owner == CTL_FREE) {
      mux->ctl[t].owner = (guint8) owner;
      mux->ctl[t].backend_id = backend_id;
      return t;
    }
  }
  return -1;
}

gint
idg_qmux_ctl_take (IdgQmux *mux)
{
  return ctl_take (mux, CTL_DOOR, 0);
}

void
idg_qmux_ctl_release (IdgQmux *mux,
                      guint8   trid)
{
  if (mux->ctl[trid].owner == CTL_DOOR)
    mux->ctl[trid].owner = CTL_FREE;
}

/* ---- what the modem sends ---- */

static void
route_from_port (guint8   *frame,
                 gsize     len,
                 gpointer  user_data)
{
  IdgQmux *mux = user_data;
  IdgQmiHeader h;

  if (!idg_qmi_frame_parse (frame, len, &h)) {
    g_debug ("qmux: a frame from the modem that does not parse: dropped");
    return;
  }
  if (h.service == IDG_QMI_SERVICE_CTL) {
    CtlSlot *slot = &mux->ctl[h.transaction_id & 0xFF];

    if (!(h.type & CTL_FLAG_RESPONSE)) {
      to_backend (mux, frame, len);   /* CTL indications are the backend's */
      return;
    }
    switch (slot->owner) {
    case CTL_DOOR:
      slot->owner = CTL_FREE;
      if (mux->door.response != NULL)
        mux->door.response (frame, len, &h, mux->door_data);
      return;
    case CTL_BACKEND:
      slot->owner = CTL_FREE;
      frame[7] = slot->backend_id;
      to_backend (mux, frame, len);
      return;
    default:
      g_debug ("qmux: a CTL response nobody waits for: dropped");
      return;
    }
  }
  if (h.type & SVC_FLAG_INDICATION) {
    if (mux->door.indication != NULL)
      mux->door.indication (frame, len, &h, mux->door_data);
    to_backend (mux, frame, len);
    return;
  }
  if ((h.type & SVC_FLAG_RESPONSE) && mux->door.response != NULL &&
      mux->door.response (frame, len, &h, mux->door_data))
    return;
  to_backend (mux, frame, len);
}

/* ---- what the backend's QmiDevice writes ---- */

static void
route_from_backend (guint8   *frame,
                    gsize     len,
                    gpointer  user_data)
{
  IdgQmux *mux = user_data;
  /* CTL requests (marker, length, flags, service 0, client id, type,
   * transaction id...): the modem sees a transaction id of ours */
  if (len >= 12 && frame[4] == IDG_QMI_SERVICE_CTL && frame[6] == 0x00) {
    gint t = ctl_take (mux, CTL_BACKEND, frame[7]);

    if (t < 0) {
      g_debug ("qmux: every CTL transaction id in flight: a backend request dropped");
      return;
    }
    frame[7] = (guint8) t;
  }
  idg_qmux_send (mux, frame, len);
}

/* QMUX framing: marker, 16-bit length of what follows it. */
static gssize
frame_length (const guint8 *f,
              gsize         avail)
{
  gsize total;

  if (avail < 3)
    return 0;
  total = (gsize) (f[1] | (f[2] << 8)) + 1;
  if (f[0] != QMUX_MARKER || total < 6)
    return -1;
  return (gssize) total;
}

static const IdgPortMuxFuncs port_funcs = {
  frame_length, route_from_port, route_from_backend,
  "framing error on the modem port", "framing error from the backend",
};

/* ---- device mode ---- */

static void
link_unref (DeviceLink *link)
{
  if (--link->ref == 0)
    g_free (link);
}

static void
device_command_ready (QmiDevice     *device,
                      GAsyncResult  *res,
                      DeviceRequest *dr)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QmiMessage) rsp = qmi_device_command_full_finish (device, res, &error);
  IdgQmux *mux = dr->link->mux;

  /* no answer: the door gives the request up at its own timeout */
  if (rsp != NULL && mux != NULL && rsp->len >= 12) {
    if (dr->ctl_id >= 0)
      rsp->data[7] = (guint8) dr->ctl_id;   /* the id the door took */
    route_from_port (rsp->data, rsp->len, mux);
  } else if (error != NULL) {
    g_debug ("qmux: a device command failed: %s", error->message);
  }
  link_unref (dr->link);
  g_free (dr);
}

static void
device_send (IdgQmux      *mux,
             const guint8 *frame,
             gsize         len)
{
  g_autoptr(GByteArray) raw = g_byte_array_sized_new ((guint) len);
  g_autoptr(QmiMessage) msg = NULL;
  DeviceRequest *dr;

  g_byte_array_append (raw, frame, (guint) len);
  msg = qmi_message_new_from_raw (raw, NULL);
  if (msg == NULL)
    return;
  dr = g_new0 (DeviceRequest, 1);
  dr->link = mux->link;
  dr->link->ref++;
  dr->ctl_id = -1;
  if (qmi_message_get_service (msg) == QMI_SERVICE_CTL) {
    /* CTL ids are the device's own: a fresh one out, the door's back */
    dr->ctl_id = (gint) qmi_message_get_transaction_id (msg);
    qmi_message_set_transaction_id (msg, 0);
  }
  qmi_device_command_full (mux->device, msg, NULL, 120, NULL,
                           (GAsyncReadyCallback) device_command_ready, dr);
}

static void
device_indication_cb (QmiDevice  *device,
                      QmiMessage *msg,
                      IdgQmux    *mux)
{
  IdgQmiHeader h;

  if (mux->door.indication != NULL && idg_qmi_frame_parse (msg->data, msg->len, &h))
    mux->door.indication (msg->data, msg->len, &h, mux->door_data);
}

IdgQmux *
idg_qmux_new_for_device (QmiDevice *device)
{
  IdgQmux *mux = g_new0 (IdgQmux, 1);

  mux->device = g_object_ref (device);
  mux->link = g_new0 (DeviceLink, 1);
  mux->link->ref = 1;
  mux->link->mux = mux;
  mux->indication_id = g_signal_connect (device, QMI_DEVICE_SIGNAL_INDICATION,
                                         G_CALLBACK (device_indication_cb), mux);
  return mux;
}

/* ---- set-up ---- */

IdgQmux *
idg_qmux_open (const gchar      *port,
               IdgQmuxLostFunc   lost,
               gpointer          user_data,
               GError          **error)
{
  IdgQmux *mux = g_new0 (IdgQmux, 1);

  mux->port = idg_port_mux_open (port, &port_funcs, mux, lost, user_data, error);
  if (mux->port == NULL) {
    g_free (mux);
    return NULL;
  }
  return mux;
}

const gchar *
idg_qmux_get_backend_path (IdgQmux *mux)
{
  return mux->port != NULL ? idg_port_mux_get_backend_path (mux->port) : NULL;
}

void
idg_qmux_set_door (IdgQmux                *mux,
                   const IdgQmuxDoorFuncs *funcs,
                   gpointer                user_data)
{
  guint i;

  if (funcs != NULL) {
    mux->door = *funcs;
  } else {
    memset (&mux->door, 0, sizeof mux->door);
    /* the door's CTL requests in flight are nobody's now */
    for (i = 0; i < G_N_ELEMENTS (mux->ctl); i++)
      if (mux->ctl[i].owner == CTL_DOOR)
        mux->ctl[i].owner = CTL_FREE;
  }
  mux->door_data = user_data;
}

void
idg_qmux_free (IdgQmux *mux)
{
  if (mux == NULL)
    return;
  if (mux->device != NULL) {
    g_clear_signal_handler (&mux->indication_id, mux->device);
    g_clear_object (&mux->device);
    mux->link->mux = NULL;
    link_unref (mux->link);
  }
  idg_port_mux_free (mux->port);
  g_free (mux);
}
