/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MBIM multiplexer of the modem's port (idg-mbim-mux.h): one fd on the
 * port, one pty for the backend's MbimDevice, the door's commands in
 * between.
 */
#include "idg-mbim-mux.h"
#include "idg-door-listener.h"
#include "idg-mbim-filter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <linux/usb/cdc-wdm.h>
#include <glib-unix.h>
#include <gio/gio.h>

#define READ_CHUNK        4096
#define QUEUE_MAX         (1024 * 1024)
#define MAX_FRAGMENT      (64 * 1024)
#define MAX_MESSAGE       (256 * 1024)
#define MAX_COLLECTORS    64
#define DEFAULT_TRANSFER  4096
#define MIN_TRANSFER      64
#define FRAGMENT_HEADER   20

#define TYPE_OPEN            0x00000001u
#define TYPE_COMMAND_DONE    0x80000003u
#define TYPE_FUNCTION_ERROR  0x80000004u
#define TYPE_INDICATE_STATUS 0x80000007u

typedef struct {
  GByteArray *msg;       /* the first fragment, then the others' data */
  guint32     total;
  guint32     next;
} Collector;

struct _IdgMbimMux {
  int                  port_fd;
  int                  master_fd;
  int                  slave_fd;
  gchar               *backend_path;
  guint                port_watch;
  guint                master_watch;
  GByteArray          *port_in;
  GByteArray          *master_in;
  IdgDoorQueue         to_port;
  IdgDoorQueue         to_backend;
  guint32              max_transfer;   /* agreed with the modem (OPEN) */
  guint32              port_max;       /* what a cdc-wdm port takes, 0: unknown */
  guint32              next_tid;
  GHashTable          *collectors;     /* (type << 32 | tid) -> Collector */
  IdgMbimMuxDoorFuncs  door;
  gpointer             door_data;
  IdgMbimMuxLostFunc   lost;
  gpointer             lost_data;
  guint                lost_idle;
  gchar               *lost_why;
};

/* ---- failure: reported from an idle ---- */

static gboolean
lost_cb (gpointer user_data)
{
  IdgMbimMux *mux = user_data;

  mux->lost_idle = 0;
  mux->lost (mux->lost_why, mux->lost_data);   /* may free mux */
  return G_SOURCE_REMOVE;
}

static void
mux_fail (IdgMbimMux  *mux,
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
send_to (IdgMbimMux   *mux,
         IdgDoorQueue *queue,
         const guint8 *data,
         gsize         len)
{
  const gchar *why = NULL;

  if (mux->lost_why == NULL && !idg_door_queue_send (queue, data, len, &why))
    mux_fail (mux, why);
}

/* ---- the door's commands ---- */

guint32
idg_mbim_mux_next_tid (IdgMbimMux *mux)
{
  mux->next_tid = (mux->next_tid + 1) & ~IDG_MBIM_MUX_DOOR_TIDS;
  if (mux->next_tid == 0)
    mux->next_tid = 1;
  return IDG_MBIM_MUX_DOOR_TIDS | mux->next_tid;
}

void
idg_mbim_mux_send (IdgMbimMux   *mux,
                   const guint8 *msg,
                   gsize         len)
{
  gsize chunk, n, i;

  if (len <= mux->max_transfer || len < FRAGMENT_HEADER) {
    send_to (mux, &mux->to_port, msg, len);
    return;
  }
  /* fragments: the header of each says its length, the count and its
   * place; the data after the first 20 bytes is cut in order */
  chunk = mux->max_transfer - FRAGMENT_HEADER;
  n = (len - FRAGMENT_HEADER + chunk - 1) / chunk;
  for (i = 0; i < n && mux->lost_why == NULL; i++) {
    gsize off = FRAGMENT_HEADER + i * chunk;
    gsize dl = MIN (chunk, len - off);
    g_autofree guint8 *f = g_malloc (FRAGMENT_HEADER + dl);

    memcpy (f, msg, FRAGMENT_HEADER);
    idg_mbim_write_u32 (f + 4, (guint32) (FRAGMENT_HEADER + dl));
    idg_mbim_write_u32 (f + 12, (guint32) n);
    idg_mbim_write_u32 (f + 16, (guint32) i);
    memcpy (f + FRAGMENT_HEADER, msg + off, dl);
    send_to (mux, &mux->to_port, f, FRAGMENT_HEADER + dl);
  }
}

/* ---- what the modem sends ---- */

static void
collector_free (gpointer data)
{
  Collector *c = data;

  g_byte_array_unref (c->msg);
  g_free (c);
}

/* Adds one fragment of a COMMAND_DONE or INDICATE_STATUS; TRUE with the
 * whole message in *whole (one fragment of the whole length) once the
 * last one is in. A fragment out of sequence drops what was collected. */
static gboolean
collect (IdgMbimMux   *mux,
         guint8       *frag,
         gsize         len,
         GByteArray  **whole)
{
  guint32 type = idg_mbim_read_u32 (frag);
  guint32 tid = idg_mbim_read_u32 (frag + 8);
  guint32 total, current;
  gpointer key;
  Collector *c;

  if (len < FRAGMENT_HEADER)
    return FALSE;
  total = idg_mbim_read_u32 (frag + 12);
  current = idg_mbim_read_u32 (frag + 16);
  key = GSIZE_TO_POINTER (((gsize) (type == TYPE_INDICATE_STATUS) << 32) | tid);
  if (total <= 1 && current == 0) {
    g_hash_table_remove (mux->collectors, key);
    *whole = g_byte_array_sized_new ((guint) len);
    g_byte_array_append (*whole, frag, (guint) len);
    return TRUE;
  }
  c = g_hash_table_lookup (mux->collectors, key);
  if (current == 0) {
    if (g_hash_table_size (mux->collectors) >= MAX_COLLECTORS) {
      g_debug ("mbim mux: too many fragmented messages at once: one dropped");
      return FALSE;
    }
    c = g_new0 (Collector, 1);
    c->msg = g_byte_array_sized_new ((guint) len);
    g_byte_array_append (c->msg, frag, (guint) len);
    c->total = total;
    c->next = 1;
    g_hash_table_insert (mux->collectors, key, c);
    return FALSE;
  }
  if (c == NULL || current != c->next || total != c->total ||
      c->msg->len + len - FRAGMENT_HEADER > MAX_MESSAGE) {
    g_debug ("mbim mux: a fragment out of sequence: message dropped");
    g_hash_table_remove (mux->collectors, key);
    return FALSE;
  }
  g_byte_array_append (c->msg, frag + FRAGMENT_HEADER, (guint) (len - FRAGMENT_HEADER));
  if (++c->next < c->total)
    return FALSE;
  *whole = g_steal_pointer (&c->msg);
  c->msg = g_byte_array_new ();
  g_hash_table_remove (mux->collectors, key);
  idg_mbim_write_u32 ((*whole)->data + 4, (*whole)->len);
  idg_mbim_write_u32 ((*whole)->data + 12, 1);
  idg_mbim_write_u32 ((*whole)->data + 16, 0);
  return TRUE;
}

static void
route_from_port (IdgMbimMux *mux,
                 guint8     *msg,
                 gsize       len)
{
  guint32 type = idg_mbim_read_u32 (msg);
  guint32 tid = idg_mbim_read_u32 (msg + 8);
  g_autoptr(GByteArray) whole = NULL;

  if (type == TYPE_INDICATE_STATUS) {
    send_to (mux, &mux->to_backend, msg, len);
    if (mux->door.indication != NULL && collect (mux, msg, len, &whole))
      mux->door.indication (whole->data, whole->len, mux->door_data);
    return;
  }
  if (!(tid & IDG_MBIM_MUX_DOOR_TIDS) ||
      (type != TYPE_COMMAND_DONE && type != TYPE_FUNCTION_ERROR)) {
    send_to (mux, &mux->to_backend, msg, len);
    return;
  }
  if (mux->door.response == NULL)
    return;
  if (type == TYPE_FUNCTION_ERROR) {
    mux->door.response (msg, len, mux->door_data);
    return;
  }
  /* a whole answer in one fragment goes as it is, in the read buffer */
  if (len >= FRAGMENT_HEADER && idg_mbim_read_u32 (msg + 12) <= 1 && idg_mbim_read_u32 (msg + 16) == 0 &&
      g_hash_table_size (mux->collectors) == 0) {
    mux->door.response (msg, len, mux->door_data);
    return;
  }
  if (collect (mux, msg, len, &whole))
    mux->door.response (whole->data, whole->len, mux->door_data);
}

/* ---- what the backend's MbimDevice writes ---- */

static void
route_from_backend (IdgMbimMux *mux,
                    guint8     *msg,
                    gsize       len)
{
  /* OPEN: the fragment size the modem will use both ways, within what a
   * cdc-wdm port takes */
  if (idg_mbim_read_u32 (msg) == TYPE_OPEN && len >= 16) {
    guint32 want = idg_mbim_read_u32 (msg + 12);

    if (mux->port_max != 0 && want > mux->port_max) {
      want = mux->port_max;
      idg_mbim_write_u32 (msg + 12, want);
    }
    mux->max_transfer = MAX (want, MIN_TRANSFER);
  }
  send_to (mux, &mux->to_port, msg, len);
}

/* Splits buf into MBIM messages for route; FALSE on a lying length. */
static gboolean
split_messages (IdgMbimMux  *mux,
                GByteArray  *buf,
                void       (*route) (IdgMbimMux *, guint8 *, gsize))
{
  gsize off = 0;
  gboolean ok = TRUE;

  while (buf->len - off >= 12 && mux->lost_why == NULL) {
    guint8 *m = buf->data + off;
    guint32 len = idg_mbim_read_u32 (m + 4);

    if (len < 12 || len > MAX_FRAGMENT) {
      ok = FALSE;
      break;
    }
    if (buf->len - off < len)
      break;
    route (mux, m, len);
    off += len;
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
  IdgMbimMux *mux = user_data;
  const gchar *why = NULL;

  if (!read_into (fd, mux->port_in, &why) ||
      !split_messages (mux, mux->port_in, route_from_port)) {
    mux->port_watch = 0;
    mux_fail (mux, why != NULL ? why : "a message from the modem lies about its length");
    return G_SOURCE_REMOVE;
  }
  return mux->port_watch != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
master_in_cb (gint          fd,
              GIOCondition  condition,
              gpointer      user_data)
{
  IdgMbimMux *mux = user_data;
  const gchar *why = NULL;

  if (!read_into (fd, mux->master_in, &why) ||
      !split_messages (mux, mux->master_in, route_from_backend)) {
    mux->master_watch = 0;
    mux_fail (mux, why != NULL ? why : "a message from the backend lies about its length");
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

IdgMbimMux *
idg_mbim_mux_open (const gchar         *port,
                   IdgMbimMuxLostFunc   lost,
                   gpointer             user_data,
                   GError             **error)
{
  IdgMbimMux *mux = g_new0 (IdgMbimMux, 1);
  guint16 wdm_max = 0;
  gchar name[128];

  mux->port_fd = mux->master_fd = mux->slave_fd = -1;
  mux->lost = lost;
  mux->lost_data = user_data;
  mux->max_transfer = DEFAULT_TRANSFER;
  mux->port_fd = open (port, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (mux->port_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s: %s",
                 port, g_strerror (errno));
    goto fail;
  }
  make_raw (mux->port_fd);
  /* a cdc-wdm port says how long a message it takes (libmbim asks the
   * same when it opens the port itself) */
  if (!isatty (mux->port_fd) && ioctl (mux->port_fd, IOCTL_WDM_MAX_COMMAND, &wdm_max) == 0 &&
      wdm_max >= MIN_TRANSFER)
    mux->port_max = wdm_max;
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
  mux->collectors = g_hash_table_new_full (NULL, NULL, NULL, collector_free);
  idg_door_queue_init (&mux->to_port, mux->port_fd, FALSE, QUEUE_MAX, queue_cb, mux);
  idg_door_queue_init (&mux->to_backend, mux->master_fd, FALSE, QUEUE_MAX, queue_cb, mux);
  mux->port_watch = g_unix_fd_add (mux->port_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, port_in_cb, mux);
  mux->master_watch = g_unix_fd_add (mux->master_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, master_in_cb, mux);
  return mux;

fail:
  idg_mbim_mux_free (mux);
  return NULL;
}

const gchar *
idg_mbim_mux_get_backend_path (IdgMbimMux *mux)
{
  return mux->backend_path;
}

void
idg_mbim_mux_set_door (IdgMbimMux                *mux,
                       const IdgMbimMuxDoorFuncs *funcs,
                       gpointer                   user_data)
{
  if (funcs != NULL)
    mux->door = *funcs;
  else
    memset (&mux->door, 0, sizeof mux->door);
  mux->door_data = user_data;
}

void
idg_mbim_mux_free (IdgMbimMux *mux)
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
  g_clear_pointer (&mux->collectors, g_hash_table_unref);
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
