/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include "sim-port.h"

/* A client that stops reading must not make the simulator grow forever. */
#define MAX_QUEUED (4 * 1024 * 1024)

struct _SimPort {
  gint          fd;
  gint          slave_fd;     /* kept open: no hangup between clients */
  gchar        *link;
  guint         in_watch;
  guint         out_watch;
  GByteArray   *queue;
  SimPortInput  input;
  gpointer      user_data;
};

static gboolean flush_cb (gint fd, GIOCondition cond, gpointer user_data);

static gboolean
input_cb (gint fd, GIOCondition cond, gpointer user_data)
{
  SimPort *port = user_data;
  guint8 buf[16384];
  gssize n;

  n = read (fd, buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0) {
    if (port->slave_fd >= 0)
      return G_SOURCE_CONTINUE;   /* a pty: cannot really hang up */
    port->in_watch = 0;
    port->input (port, buf, 0, port->user_data);
    return G_SOURCE_REMOVE;
  }
  port->input (port, buf, (gsize) n, port->user_data);
  return G_SOURCE_CONTINUE;
}

static void
try_flush (SimPort *port)
{
  while (port->queue->len > 0) {
    gssize n = write (port->fd, port->queue->data, port->queue->len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN) {
      if (!port->out_watch)
        port->out_watch = g_unix_fd_add (port->fd, G_IO_OUT, flush_cb, port);
      return;
    }
    if (n <= 0) {
      g_byte_array_set_size (port->queue, 0);
      break;
    }
    g_byte_array_remove_range (port->queue, 0, (guint) n);
  }
  if (port->out_watch) {
    g_source_remove (port->out_watch);
    port->out_watch = 0;
  }
}

static gboolean
flush_cb (gint fd, GIOCondition cond, gpointer user_data)
{
  SimPort *port = user_data;

  try_flush (port);
  if (port->queue->len == 0) {
    port->out_watch = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

void
sim_port_write (SimPort      *port,
                const guint8 *data,
                gsize         len)
{
  if (len == 0)
    return;
  if (port->queue->len + len > MAX_QUEUED)
    g_byte_array_set_size (port->queue, 0);
  g_byte_array_append (port->queue, data, (guint) len);
  if (!port->out_watch)
    try_flush (port);
}

/* Links and sockets may live in a directory nobody made yet (/run/...). */
static void
make_parent (const gchar *path)
{
  g_autofree gchar *dir = g_path_get_dirname (path);

  g_mkdir_with_parents (dir, 0755);
}

static SimPort *
port_new (gint fd, SimPortInput input, gpointer user_data)
{
  SimPort *port = g_new0 (SimPort, 1);

  port->fd = fd;
  port->slave_fd = -1;
  port->queue = g_byte_array_new ();
  port->input = input;
  port->user_data = user_data;
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  port->in_watch = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, input_cb, port);
  return port;
}

SimPort *
sim_port_new_fd (gint          fd,
                 SimPortInput  input,
                 gpointer      user_data)
{
  return port_new (fd, input, user_data);
}

SimPort *
sim_port_new_pty (const gchar  *link,
                  SimPortInput  input,
                  gpointer      user_data,
                  GError      **error)
{
  struct termios tio;
  SimPort *port;
  const gchar *slave;
  gint master, slave_fd;

  master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt (master) < 0 || unlockpt (master) < 0 ||
      !(slave = ptsname (master))) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                 "cannot create a pty: %s", g_strerror (errno));
    if (master >= 0)
      close (master);
    return NULL;
  }
  slave_fd = open (slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave_fd < 0 || tcgetattr (slave_fd, &tio) < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                 "cannot open %s: %s", slave, g_strerror (errno));
    if (slave_fd >= 0)
      close (slave_fd);
    close (master);
    return NULL;
  }
  cfmakeraw (&tio);
  tcsetattr (slave_fd, TCSANOW, &tio);
  make_parent (link);
  unlink (link);
  if (symlink (slave, link) < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                 "cannot link %s: %s", link, g_strerror (errno));
    close (slave_fd);
    close (master);
    return NULL;
  }
  port = port_new (master, input, user_data);
  port->slave_fd = slave_fd;
  port->link = g_strdup (link);
  return port;
}

const gchar *
sim_port_get_link (SimPort *port)
{
  return port->link;
}

void
sim_port_free (SimPort *port)
{
  if (!port)
    return;
  if (port->in_watch)
    g_source_remove (port->in_watch);
  if (port->out_watch)
    g_source_remove (port->out_watch);
  if (port->link)
    unlink (port->link);
  if (port->slave_fd >= 0)
    close (port->slave_fd);
  close (port->fd);
  g_byte_array_unref (port->queue);
  g_free (port->link);
  g_free (port);
}

typedef struct {
  SimPortAccept cb;
  gpointer      user_data;
} Listener;

static gboolean
accept_cb (gint fd, GIOCondition cond, gpointer user_data)
{
  Listener *l = user_data;
  gint client = accept4 (fd, NULL, NULL, SOCK_CLOEXEC);

  if (client >= 0)
    l->cb (client, l->user_data);
  return G_SOURCE_CONTINUE;
}

guint
sim_port_listen (const gchar   *path_or_name,
                 gboolean       abstract,
                 SimPortAccept  cb,
                 gpointer       user_data,
                 gint          *out_fd,
                 GError       **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  gsize name_len = strlen (path_or_name);
  socklen_t addr_len;
  Listener *l;
  gint fd;

  if (name_len + 2 > sizeof addr.sun_path || name_len == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "socket name too long or empty");
    return 0;
  }
  if (abstract) {
    memcpy (addr.sun_path + 1, path_or_name, name_len);
    addr_len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + name_len);
  } else {
    memcpy (addr.sun_path, path_or_name, name_len);
    addr_len = (socklen_t) sizeof addr;
    make_parent (path_or_name);
    unlink (path_or_name);
  }
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, addr_len) < 0 || listen (fd, 16) < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                 "cannot listen on %s%s: %s", abstract ? "@" : "", path_or_name, g_strerror (errno));
    if (fd >= 0)
      close (fd);
    return 0;
  }
  l = g_new0 (Listener, 1);
  l->cb = cb;
  l->user_data = user_data;
  *out_fd = fd;
  return g_unix_fd_add_full (G_PRIORITY_DEFAULT, fd, G_IO_IN, accept_cb, l, g_free);
}
