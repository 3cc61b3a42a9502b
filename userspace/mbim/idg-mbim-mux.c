/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MBIM multiplexer of the modem's port (idg-mbim-mux.h): one fd on the
 * port, one pty for the backend's MbimDevice, the door's commands in
 * between.
 */
#include "idg-mbim-mux.h"
#include "idg-port-mux.h"
#include "idg-mbim-filter.h"

#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/usb/cdc-wdm.h>

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
  IdgPortMux          *port;
  guint32              max_transfer;   /* agreed with the modem (OPEN) */
  guint32              port_max;       /* what a cdc-wdm port takes, 0: unknown */
  guint32              next_tid;
  GHashTable          *collectors;     /* (type << 32 | tid) -> Collector */
  IdgMbimMuxDoorFuncs  door;
  gpointer             door_data;
};

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
    idg_port_mux_to_port (mux->port, msg, len);
    return;
  }
  /* fragments: the header of each says its length, the count and its
   * place; the data after the first 20 bytes is cut in order */
  chunk = mux->max_transfer - FRAGMENT_HEADER;
  n = (len - FRAGMENT_HEADER + chunk - 1) / chunk;
  for (i = 0; i < n && !idg_port_mux_is_lost (mux->port); i++) {
    gsize off = FRAGMENT_HEADER + i * chunk;
    gsize dl = MIN (chunk, len - off);
    g_autofree guint8 *f = g_malloc (FRAGMENT_HEADER + dl);

    memcpy (f, msg, FRAGMENT_HEADER);
    idg_mbim_write_u32 (f + 4, (guint32) (FRAGMENT_HEADER + dl));
    idg_mbim_write_u32 (f + 12, (guint32) n);
    idg_mbim_write_u32 (f + 16, (guint32) i);
    memcpy (f + FRAGMENT_HEADER, msg + off, dl);
    idg_port_mux_to_port (mux->port, f, FRAGMENT_HEADER + dl);
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
route_from_port (guint8   *msg,
                 gsize     len,
                 gpointer  user_data)
{
  IdgMbimMux *mux = user_data;
  guint32 type = idg_mbim_read_u32 (msg);
  guint32 tid = idg_mbim_read_u32 (msg + 8);
  g_autoptr(GByteArray) whole = NULL;

  if (type == TYPE_INDICATE_STATUS) {
    idg_port_mux_to_backend (mux->port, msg, len);
    if (mux->door.indication != NULL && collect (mux, msg, len, &whole))
      mux->door.indication (whole->data, whole->len, mux->door_data);
    return;
  }
  if (!(tid & IDG_MBIM_MUX_DOOR_TIDS) ||
      (type != TYPE_COMMAND_DONE && type != TYPE_FUNCTION_ERROR)) {
    idg_port_mux_to_backend (mux->port, msg, len);
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
route_from_backend (guint8   *msg,
                    gsize     len,
                    gpointer  user_data)
{
  IdgMbimMux *mux = user_data;
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
  idg_port_mux_to_port (mux->port, msg, len);
}

/* MBIM framing: the message length at offset 4 (no fragment is longer
 * than MAX_FRAGMENT). */
static gssize
frame_length (const guint8 *m,
              gsize         avail)
{
  guint32 len;

  if (avail < 12)
    return 0;
  len = idg_mbim_read_u32 (m + 4);
  if (len < 12 || len > MAX_FRAGMENT)
    return -1;
  return len;
}

static const IdgPortMuxFuncs port_funcs = {
  frame_length, route_from_port, route_from_backend,
  "a message from the modem lies about its length",
  "a message from the backend lies about its length",
};

/* ---- set-up ---- */

IdgMbimMux *
idg_mbim_mux_open (const gchar         *port,
                   IdgMbimMuxLostFunc   lost,
                   gpointer             user_data,
                   GError             **error)
{
  IdgMbimMux *mux = g_new0 (IdgMbimMux, 1);
  guint16 wdm_max = 0;
  int fd;

  mux->max_transfer = DEFAULT_TRANSFER;
  mux->port = idg_port_mux_open (port, &port_funcs, mux, lost, user_data, error);
  if (mux->port == NULL) {
    g_free (mux);
    return NULL;
  }
  /* a cdc-wdm port says how long a message it takes (libmbim asks the
   * same when it opens the port itself) */
  fd = idg_port_mux_get_port_fd (mux->port);
  if (!isatty (fd) && ioctl (fd, IOCTL_WDM_MAX_COMMAND, &wdm_max) == 0 && wdm_max >= MIN_TRANSFER)
    mux->port_max = wdm_max;
  mux->collectors = g_hash_table_new_full (NULL, NULL, NULL, collector_free);
  return mux;
}

const gchar *
idg_mbim_mux_get_backend_path (IdgMbimMux *mux)
{
  return idg_port_mux_get_backend_path (mux->port);
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
  idg_port_mux_free (mux->port);
  g_clear_pointer (&mux->collectors, g_hash_table_unref);
  g_free (mux);
}
