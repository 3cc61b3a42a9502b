/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMUX multiplexer of the modem's QMI port (idg-qmux.h): one fd on the
 * port, one pty for the backend's QmiDevice, the door's frames in between.
 */
#include "idg-qmux.h"
#include "idg-door-listener.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <glib-unix.h>
#include <gio/gio.h>

#define QMUX_MARKER   0x01
#define READ_CHUNK    4096
#define QUEUE_MAX     (1024 * 1024)
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
  int              port_fd;
  int              master_fd;    /* the backend's pty, our end */
  int              slave_fd;     /* held open: the pty never hangs up under us */
  gchar           *backend_path;
  guint            port_watch;
  guint            master_watch;
  GByteArray      *port_in;
  GByteArray      *master_in;
  IdgDoorQueue     to_port;
  IdgDoorQueue     to_backend;
  CtlSlot          ctl[256];
  guint8           next_ctl;
  IdgQmuxDoorFuncs door;
  gpointer         door_data;
  IdgQmuxLostFunc  lost;
  gpointer         lost_data;
  guint            lost_idle;
  gchar           *lost_why;
  QmiDevice       *device;       /* device mode (a QRTR node): no fds */
  gulong           indication_id;
  DeviceLink      *link;
};

/* ---- failure: reported from an idle, never from inside a caller ---- */

static gboolean
lost_cb (gpointer user_data)
{
  IdgQmux *mux = user_data;

  mux->lost_idle = 0;
  mux->lost (mux->lost_why, mux->lost_data);   /* may free mux */
  return G_SOURCE_REMOVE;
}

static void
mux_fail (IdgQmux     *mux,
          const gchar *why)
{
  if (mux->lost_why != NULL)
    return;
  mux->lost_why = g_strdup (why);
  g_clear_handle_id (&mux->port_watch, g_source_remove);
  g_clear_handle_id (&mux->master_watch, g_source_remove);
  idg_door_queue_clear (&mux->to_port);
  idg_door_queue_clear (&mux->to_backend);
  mux->lost_idle = g_idle_add (lost_cb, mux);
}

static void
queue_cb (const gchar *why,
          gpointer     user_data)
{
  IdgQmux *mux = user_data;

  if (why != NULL)
    mux_fail (mux, why);
}

static void
to_backend (IdgQmux      *mux,
            const guint8 *frame,
            gsize         len)
{
  const gchar *why = NULL;

  if (mux->device != NULL)
    return;   /* the device answers the backend itself */
  if (mux->lost_why == NULL && !idg_door_queue_send (&mux->to_backend, frame, len, &why))
    mux_fail (mux, why);
}

static void device_send (IdgQmux *mux, const guint8 *frame, gsize len);

void
idg_qmux_send (IdgQmux      *mux,
               const guint8 *frame,
               gsize         len)
{
  const gchar *why = NULL;

  if (mux->device != NULL)
    device_send (mux, frame, len);
  else if (mux->lost_why == NULL && !idg_door_queue_send (&mux->to_port, frame, len, &why))
    mux_fail (mux, why);
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
route_from_port (IdgQmux      *mux,
                 guint8       *frame,
                 gsize         len)
{
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
route_from_backend (IdgQmux *mux,
                    guint8  *frame,
                    gsize    len)
{
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

/* Splits buf into QMUX frames for route; FALSE on a framing error. */
static gboolean
split_frames (IdgQmux     *mux,
              GByteArray  *buf,
              void       (*route) (IdgQmux *, guint8 *, gsize))
{
  gsize off = 0;
  gboolean ok = TRUE;

  while (buf->len - off >= 3 && mux->lost_why == NULL) {
    guint8 *f = buf->data + off;
    gsize total = (gsize) (f[1] | (f[2] << 8)) + 1;

    if (f[0] != QMUX_MARKER || total < 6) {
      ok = FALSE;
      break;
    }
    if (buf->len - off < total)
      break;
    route (mux, f, total);
    off += total;
  }
  g_byte_array_remove_range (buf, 0, (guint) off);
  return ok;
}

static gboolean
read_into (int         fd,
           GByteArray *buf,
           const gchar **why)
{
  guint8 chunk[READ_CHUNK];
  gssize n = read (fd, chunk, sizeof chunk);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return TRUE;
  if (n <= 0) {
    *why = n == 0 ? "closed" : "read failed";
    return FALSE;
  }
  g_byte_array_append (buf, chunk, (guint) n);
  return TRUE;
}

static gboolean
port_in_cb (gint          fd,
            GIOCondition  condition,
            gpointer      user_data)
{
  IdgQmux *mux = user_data;
  const gchar *why = NULL;

  if (!read_into (fd, mux->port_in, &why)) {
    mux->port_watch = 0;
    mux_fail (mux, why);
    return G_SOURCE_REMOVE;
  }
  if (!split_frames (mux, mux->port_in, route_from_port)) {
    mux->port_watch = 0;
    mux_fail (mux, "framing error on the modem port");
    return G_SOURCE_REMOVE;
  }
  return mux->port_watch != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
master_in_cb (gint          fd,
              GIOCondition  condition,
              gpointer      user_data)
{
  IdgQmux *mux = user_data;
  const gchar *why = NULL;

  if (!read_into (fd, mux->master_in, &why) ||
      !split_frames (mux, mux->master_in, route_from_backend)) {
    mux->master_watch = 0;
    mux_fail (mux, why != NULL ? why : "framing error from the backend");
    return G_SOURCE_REMOVE;
  }
  return mux->master_watch != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

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
    route_from_port (mux, rsp->data, rsp->len);
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

  mux->port_fd = mux->master_fd = mux->slave_fd = -1;
  mux->device = g_object_ref (device);
  mux->link = g_new0 (DeviceLink, 1);
  mux->link->ref = 1;
  mux->link->mux = mux;
  mux->indication_id = g_signal_connect (device, QMI_DEVICE_SIGNAL_INDICATION,
                                         G_CALLBACK (device_indication_cb), mux);
  return mux;
}

/* ---- set-up ---- */

static void
make_raw (int fd)
{
  struct termios t;

  if (isatty (fd) && tcgetattr (fd, &t) == 0) {
    cfmakeraw (&t);
    tcsetattr (fd, TCSANOW, &t);
  }
}

IdgQmux *
idg_qmux_open (const gchar      *port,
               IdgQmuxLostFunc   lost,
               gpointer          user_data,
               GError          **error)
{
  IdgQmux *mux = g_new0 (IdgQmux, 1);
  gchar name[128];

  mux->port_fd = mux->master_fd = mux->slave_fd = -1;
  mux->lost = lost;
  mux->lost_data = user_data;
  mux->port_fd = open (port, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (mux->port_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s: %s",
                 port, g_strerror (errno));
    goto fail;
  }
  make_raw (mux->port_fd);
  mux->master_fd = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  /* grantpt leaves the pty writable by group tty (mesg y), and what is
   * written to it goes to the modem as the backend's: ours alone, before
   * unlockpt lets anyone open it */
  if (mux->master_fd < 0 || grantpt (mux->master_fd) != 0 ||
      ptsname_r (mux->master_fd, name, sizeof name) != 0 || chmod (name, 0600) != 0 ||
      unlockpt (mux->master_fd) != 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create a pty: %s",
                 g_strerror (errno));
    goto fail;
  }
  mux->backend_path = g_strdup (name);
  mux->slave_fd = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (mux->slave_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s: %s",
                 name, g_strerror (errno));
    goto fail;
  }
  make_raw (mux->slave_fd);
  g_unix_set_fd_nonblocking (mux->master_fd, TRUE, NULL);
  mux->port_in = g_byte_array_new ();
  mux->master_in = g_byte_array_new ();
  idg_door_queue_init (&mux->to_port, mux->port_fd, FALSE, QUEUE_MAX, queue_cb, mux);
  idg_door_queue_init (&mux->to_backend, mux->master_fd, FALSE, QUEUE_MAX, queue_cb, mux);
  mux->port_watch = g_unix_fd_add (mux->port_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, port_in_cb, mux);
  mux->master_watch = g_unix_fd_add (mux->master_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, master_in_cb, mux);
  return mux;

fail:
  idg_qmux_free (mux);
  return NULL;
}

const gchar *
idg_qmux_get_backend_path (IdgQmux *mux)
{
  return mux->backend_path;
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
  g_clear_handle_id (&mux->port_watch, g_source_remove);
  g_clear_handle_id (&mux->master_watch, g_source_remove);
  g_clear_handle_id (&mux->lost_idle, g_source_remove);
  if (mux->port_in != NULL) {
    idg_door_queue_clear (&mux->to_port);
    idg_door_queue_clear (&mux->to_backend);
  }
  g_clear_pointer (&mux->port_in, g_byte_array_unref);
  g_clear_pointer (&mux->master_in, g_byte_array_unref);
  if (mux->port_fd >= 0)
    close (mux->port_fd);
  if (mux->slave_fd >= 0)
    close (mux->slave_fd);
  if (mux->master_fd >= 0)
    close (mux->master_fd);
  g_free (mux->backend_path);
  g_free (mux->lost_why);
  g_free (mux);
}
