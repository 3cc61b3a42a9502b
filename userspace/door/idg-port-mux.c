// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The port and pty plumbing of the multiplexers (idg-port-mux.h).
 */
#include "idg-port-mux.h"
#include "idg-door-queue.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <glib-unix.h>
#include <gio/gio.h>

#define READ_CHUNK  4096
#define QUEUE_MAX   (1024 * 1024)

struct _IdgPortMux {
  int                     port_fd;
  int                     master_fd;    /* the backend's pty, our end */
  int                     slave_fd;     /* held open: the pty never hangs up under us */
  gchar                  *backend_path;
  guint                   port_watch;
  guint                   master_watch;
  GByteArray             *port_in;
  GByteArray             *master_in;
  IdgDoorQueue            to_port;
  IdgDoorQueue            to_backend;
  const IdgPortMuxFuncs  *funcs;
  gpointer                user_data;
  IdgPortMuxLostFunc      lost;
  gpointer                lost_data;
  guint                   lost_idle;
  gchar                  *lost_why;
};

/* ---- failure: reported from an idle, never from inside a caller ---- */

static gboolean
lost_cb (gpointer user_data)
{
  IdgPortMux *mux = user_data;

  mux->lost_idle = 0;
  mux->lost (mux->lost_why, mux->lost_data);   /* may free mux */
  return G_SOURCE_REMOVE;
}

static void
mux_fail (IdgPortMux  *mux,
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
  if (why != NULL)
    mux_fail (user_data, why);
}

static void
send_to (IdgPortMux   *mux,
         IdgDoorQueue *queue,
         const guint8 *data,
         gsize         len)
{
  const gchar *why = NULL;

  if (mux->lost_why == NULL && !idg_door_queue_send (queue, data, len, &why))
    mux_fail (mux, why);
}

void
idg_port_mux_to_port (IdgPortMux   *mux,
                      const guint8 *data,
                      gsize         len)
{
  send_to (mux, &mux->to_port, data, len);
}

void
idg_port_mux_to_backend (IdgPortMux   *mux,
                         const guint8 *data,
                         gsize         len)
{
  send_to (mux, &mux->to_backend, data, len);
}

gboolean
idg_port_mux_is_lost (IdgPortMux *mux)
{
  return mux->lost_why != NULL;
}

/* ---- reading ---- */

/* Cuts buf into messages for route; FALSE on a framing error. */
static gboolean
split (IdgPortMux  *mux,
       GByteArray  *buf,
       void       (*route) (guint8 *, gsize, gpointer))
{
  gsize off = 0;
  gboolean ok = TRUE;

  while (off < buf->len && mux->lost_why == NULL) {
    gssize n = mux->funcs->frame_length (buf->data + off, buf->len - off);

    if (n < 0) {
      ok = FALSE;
      break;
    }
    if (n == 0 || buf->len - off < (gsize) n)
      break;
    route (buf->data + off, (gsize) n, mux->user_data);
    off += (gsize) n;
  }
  g_byte_array_remove_range (buf, 0, (guint) off);
  return ok;
}

static gboolean
read_into (int           fd,
           GByteArray   *buf,
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
  IdgPortMux *mux = user_data;
  const gchar *why = NULL;

  if (!read_into (fd, mux->port_in, &why) ||
      !split (mux, mux->port_in, mux->funcs->from_port)) {
    mux->port_watch = 0;
    mux_fail (mux, why != NULL ? why : mux->funcs->port_broken);
    return G_SOURCE_REMOVE;
  }
  return mux->port_watch != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
master_in_cb (gint          fd,
              GIOCondition  condition,
              gpointer      user_data)
{
  IdgPortMux *mux = user_data;
  const gchar *why = NULL;

  if (!read_into (fd, mux->master_in, &why) ||
      !split (mux, mux->master_in, mux->funcs->from_backend)) {
    mux->master_watch = 0;
    mux_fail (mux, why != NULL ? why : mux->funcs->backend_broken);
    return G_SOURCE_REMOVE;
  }
  return mux->master_watch != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
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

IdgPortMux *
idg_port_mux_open (const gchar            *port,
                   const IdgPortMuxFuncs  *funcs,
                   gpointer                user_data,
                   IdgPortMuxLostFunc      lost,
                   gpointer                lost_data,
                   GError                **error)
{
  g_autoptr(IdgPortMux) mux = g_new0 (IdgPortMux, 1);
  gchar name[128];

  mux->port_fd = mux->master_fd = mux->slave_fd = -1;
  mux->funcs = funcs;
  mux->user_data = user_data;
  mux->lost = lost;
  mux->lost_data = lost_data;
  mux->port_fd = open (port, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (mux->port_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s: %s",
                 port, g_strerror (errno));
    return NULL;
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
    return NULL;
  }
  mux->backend_path = g_strdup (name);
  mux->slave_fd = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (mux->slave_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s: %s",
                 name, g_strerror (errno));
    return NULL;
  }
  make_raw (mux->slave_fd);
  g_unix_set_fd_nonblocking (mux->master_fd, TRUE, NULL);
  mux->port_in = g_byte_array_new ();
  mux->master_in = g_byte_array_new ();
  idg_door_queue_init (&mux->to_port, mux->port_fd, FALSE, QUEUE_MAX, queue_cb, mux);
  idg_door_queue_init (&mux->to_backend, mux->master_fd, FALSE, QUEUE_MAX, queue_cb, mux);
  mux->port_watch = g_unix_fd_add (mux->port_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, port_in_cb, mux);
  mux->master_watch = g_unix_fd_add (mux->master_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, master_in_cb, mux);
  return g_steal_pointer (&mux);
}

int
idg_port_mux_get_port_fd (IdgPortMux *mux)
{
  return mux->port_fd;
}

const gchar *
idg_port_mux_get_backend_path (IdgPortMux *mux)
{
  return mux->backend_path;
}

void
idg_port_mux_free (IdgPortMux *mux)
{
  if (mux == NULL)
    return;
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
