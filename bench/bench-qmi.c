/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-bench-qmi: a cheap QMI load generator. It speaks the qmi-proxy
 * protocol itself over the abstract socket (CTL Internal Proxy Open 0xFF00
 * with the device path, CTL Allocate CID for DMS, then ping-pong DMS
 * requests, CTL Release CID at the end), so the very same client measures
 * libqmi's stock qmi-proxy and idguardd's QMI door. With --direct it opens
 * the modem tty itself and multiplexes every client id on that one port:
 * the reference that shows whether the simulator is the bottleneck.
 *
 * Each client keeps exactly one request in flight; the mix alternates
 * identifier reads (DMS Get IDs, UIM Get IMSI) with plain ones
 * (manufacturer, model, revision, operating mode).
 */
#include "bench-common.h"

#include <libqmi-glib.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CTL_ALLOCATE_CID 0x0022
#define CTL_RELEASE_CID  0x0023
#define CTL_PROXY_OPEN   0xFF00
#define SETUP_TIMEOUT_MS 10000
#define DRAIN_TIMEOUT_MS 3000

static const guint16 mix[] = {
  0x0025, /* DMS Get IDs: ESN, IMEI, MEID, IMEISV */
  0x0021, /* Get Manufacturer */
  0x0022, /* Get Model */
  0x0043, /* UIM Get IMSI */
  0x0023, /* Get Revision */
  0x002D, /* Get Operating Mode */
};

typedef struct {
  int         fd;
  GByteArray *in;
  guint8      ctl_trid;
} Conn;

typedef struct {
  Conn       *conn;
  guint8      cid;
  guint16     trid;
  guint       next;       /* index into mix */
  guint64     sent_ns;    /* 0: nothing in flight */
  GByteArray *msgs[G_N_ELEMENTS (mix)];
} Client;

static gchar   *opt_socket;
static gchar   *opt_device;
static gboolean opt_direct;
static gint     opt_clients = 1;
static gdouble  opt_seconds = 2.0;
static gdouble  opt_hold;

static GOptionEntry entries[] = {
  { "socket", 's', 0, G_OPTION_ARG_STRING, &opt_socket, "abstract socket of the proxy", "NAME" },
  { "device", 'd', 0, G_OPTION_ARG_FILENAME, &opt_device, "modem QMI port (sent in the proxy open)", "PATH" },
  { "direct", 0, 0, G_OPTION_ARG_NONE, &opt_direct, "open the device itself, no proxy", NULL },
  { "clients", 'c', 0, G_OPTION_ARG_INT, &opt_clients, "concurrent clients", "N" },
  { "seconds", 't', 0, G_OPTION_ARG_DOUBLE, &opt_seconds, "measuring time", "S" },
  { "hold", 0, 0, G_OPTION_ARG_DOUBLE, &opt_hold, "after setup, keep the clients connected and idle this long first", "S" },
  { NULL }
};

static GByteArray *
message_bytes (QmiMessage *msg)
{
  gsize len = 0;
  const guint8 *raw = qmi_message_get_raw (msg, &len, NULL);

  return g_byte_array_append (g_byte_array_new (), raw, (guint) len);
}

static GByteArray *
build_ctl (guint8 trid, guint16 id, guint8 tlv, const guint8 *data, gsize len, gboolean string)
{
  g_autoptr(QmiMessage) msg = qmi_message_new (QMI_SERVICE_CTL, 0, trid, id);
  gsize off = qmi_message_tlv_write_init (msg, tlv, NULL);

  if (string)
    qmi_message_tlv_write_string (msg, 0, (const gchar *) data, (gssize) len, NULL);
  else
    for (gsize i = 0; i < len; i++)
      qmi_message_tlv_write_guint8 (msg, data[i], NULL);
  qmi_message_tlv_write_complete (msg, off, NULL);
  return message_bytes (msg);
}

/* Length of the first complete QMUX frame in @in, 0 if none yet. */
static gsize
frame_len (GByteArray *in, GError **error)
{
  gsize len;

  if (in->len < 3)
    return 0;
  if (in->data[0] != 0x01)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "stream lost QMUX framing");
      return 0;
    }
  len = (gsize) (in->data[1] | (in->data[2] << 8)) + 1;
  return in->len >= len ? len : 0;
}

/* QMI result TLV 0x02 of a response: TRUE when it says success. */
static gboolean
result_ok (const guint8 *f, gsize len, gsize tlv_start)
{
  gsize p = tlv_start;

  while (p + 3 <= len)
    {
      gsize tl = (gsize) (f[p + 1] | (f[p + 2] << 8));

      if (f[p] == 0x02 && tl >= 4 && p + 3 + 4 <= len)
        return (f[p + 3] | (f[p + 4] << 8)) == 0;
      p += 3 + tl;
    }
  return FALSE;
}

/* Sends one CTL request and waits for its response; returns the frame. */
static GByteArray *
ctl_transact (Conn *conn, GByteArray *req, guint16 id, GError **error)
{
  guint8 trid = req->data[7];

  if (!bench_write_all (conn->fd, req->data, req->len, error))
    return NULL;
  for (;;)
    {
      gsize len;

      while ((len = frame_len (conn->in, error)) == 0)
        {
          if (error && *error)
            return NULL;
          if (!bench_read_wait (conn->fd, conn->in, conn->in->len + 1, SETUP_TIMEOUT_MS, error))
            {
              g_prefix_error (error, "CTL 0x%04x: ", id);
              return NULL;
            }
        }
      if (len >= 12 && conn->in->data[4] == 0 && conn->in->data[7] == trid &&
          (conn->in->data[8] | (conn->in->data[9] << 8)) == id)
        {
          GByteArray *frame = g_byte_array_append (g_byte_array_new (), conn->in->data, (guint) len);

          g_byte_array_remove_range (conn->in, 0, (guint) len);
          if (!result_ok (frame->data, frame->len, 12))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "CTL 0x%04x refused", id);
              g_byte_array_unref (frame);
              return NULL;
            }
          return frame;
        }
      g_byte_array_remove_range (conn->in, 0, (guint) len);  /* indication or other */
    }
}

static gboolean
proxy_open (Conn *conn, GError **error)
{
  g_autoptr(GByteArray) req = build_ctl (++conn->ctl_trid, CTL_PROXY_OPEN, 0x01,
                                         (const guint8 *) opt_device, strlen (opt_device), TRUE);
  g_autoptr(GByteArray) resp = ctl_transact (conn, req, CTL_PROXY_OPEN, error);

  return resp != NULL;
}

static gboolean
allocate_cid (Conn *conn, guint8 *cid, GError **error)
{
  guint8 service = QMI_SERVICE_DMS;
  g_autoptr(GByteArray) req = build_ctl (++conn->ctl_trid, CTL_ALLOCATE_CID, 0x01, &service, 1, FALSE);
  g_autoptr(GByteArray) resp = ctl_transact (conn, req, CTL_ALLOCATE_CID, error);
  gsize p = 12;

  if (!resp)
    return FALSE;
  while (p + 3 <= resp->len)
    {
      gsize tl = (gsize) (resp->data[p + 1] | (resp->data[p + 2] << 8));

      if (resp->data[p] == 0x01 && tl == 2 && p + 5 <= resp->len)
        {
          *cid = resp->data[p + 4];
          return TRUE;
        }
      p += 3 + tl;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no client id in CTL allocate response");
  return FALSE;
}

static void
release_cid (Conn *conn, guint8 cid)
{
  guint8 data[2] = { QMI_SERVICE_DMS, cid };
  g_autoptr(GByteArray) req = build_ctl (++conn->ctl_trid, CTL_RELEASE_CID, 0x01, data, 2, FALSE);
  GByteArray *resp = ctl_transact (conn, req, CTL_RELEASE_CID, NULL);

  if (resp)
    g_byte_array_unref (resp);
}

static gboolean
client_send (Client *c, GError **error)
{
  GByteArray *m = c->msgs[c->next];

  c->trid = (guint16) (c->trid + 1 ? c->trid + 1 : 1);
  m->data[7] = (guint8) (c->trid & 0xff);
  m->data[8] = (guint8) (c->trid >> 8);
  c->sent_ns = bench_now_ns ();
  return bench_write_all (c->conn->fd, m->data, m->len, error);
}

/* Handles every complete frame of @conn; sends the next request of each
 * client answered while @sending. */
static gboolean
conn_process (Conn *conn, Client *clients, guint n_clients, gboolean sending,
              BenchStats *stats, guint *in_flight, GError **error)
{
  gsize len;

  while ((len = frame_len (conn->in, error)) > 0)
    {
      const guint8 *f = conn->in->data;

      if (len >= 13 && f[4] == QMI_SERVICE_DMS && (f[6] & 0x02))
        {
          guint16 trid = (guint16) (f[7] | (f[8] << 8));

          for (guint i = 0; i < n_clients; i++)
            {
              Client *c = &clients[i];

              if (c->conn != conn || c->cid != f[5] || c->trid != trid || !c->sent_ns)
                continue;
              g_array_append_val (stats->latency_ns, (guint64) { bench_now_ns () - c->sent_ns });
              if (!result_ok (f, len, 13))
                stats->errors++;
              c->sent_ns = 0;
              (*in_flight)--;
              c->next = (c->next + 1) % G_N_ELEMENTS (mix);
              if (sending)
                {
                  if (!client_send (c, error))
                    return FALSE;
                  (*in_flight)++;
                }
              break;
            }
        }
      g_byte_array_remove_range (conn->in, 0, (guint) len);
    }
  return !(error && *error);
}

static gboolean
run (GError **error)
{
  guint n_conns = opt_direct ? 1 : (guint) opt_clients;
  g_autofree Conn *conns = g_new0 (Conn, n_conns);
  g_autofree Client *clients = g_new0 (Client, opt_clients);
  g_autofree struct pollfd *pfds = g_new0 (struct pollfd, n_conns);
  BenchStats stats;
  guint in_flight = 0;
  guint64 deadline;
  gboolean ok = FALSE;

  bench_stats_init (&stats);
  for (guint i = 0; i < n_conns; i++)
    {
      conns[i].fd = opt_direct ? bench_open_tty (opt_device, error)
                               : bench_connect_abstract (opt_socket, error);
      conns[i].in = g_byte_array_new ();
      if (conns[i].fd < 0 || (!opt_direct && !proxy_open (&conns[i], error)))
        goto out;
    }
  for (guint i = 0; i < (guint) opt_clients; i++)
    {
      Client *c = &clients[i];

      c->conn = &conns[opt_direct ? 0 : i];
      if (!allocate_cid (c->conn, &c->cid, error))
        goto out;
      c->next = i % G_N_ELEMENTS (mix);
      for (guint k = 0; k < G_N_ELEMENTS (mix); k++)
        {
          g_autoptr(QmiMessage) msg = qmi_message_new (QMI_SERVICE_DMS, c->cid, 1, mix[k]);

          c->msgs[k] = message_bytes (msg);
        }
    }
  for (guint i = 0; i < n_conns; i++)
    {
      bench_set_nonblocking (conns[i].fd);
      pfds[i].fd = conns[i].fd;
      pfds[i].events = POLLIN;
    }
  if (opt_hold > 0)
    {
      printf ("holding\n");
      fflush (stdout);
      g_usleep ((gulong) (opt_hold * G_USEC_PER_SEC));
    }

  stats.start_ns = bench_now_ns ();
  deadline = stats.start_ns + (guint64) (opt_seconds * 1e9);
  for (guint i = 0; i < (guint) opt_clients; i++)
    {
      if (!client_send (&clients[i], error))
        goto out;
      in_flight++;
    }
  for (;;)
    {
      guint64 now = bench_now_ns ();
      gboolean sending = now < deadline;

      if (!sending && stats.end_ns == 0)
        stats.end_ns = now;
      if (in_flight == 0 || now > deadline + (guint64) DRAIN_TIMEOUT_MS * 1000000)
        break;
      if (poll (pfds, n_conns, 100) <= 0)
        continue;
      for (guint i = 0; i < n_conns; i++)
        {
          if (!pfds[i].revents)
            continue;
          if (!bench_read_some (conns[i].fd, conns[i].in, error) ||
              !conn_process (&conns[i], clients, (guint) opt_clients, sending, &stats, &in_flight, error))
            goto out;
        }
    }
  stats.lost = in_flight;
  /* time up to the last answer counted while sending */
  bench_stats_print (&stats);
  ok = TRUE;

out:
  for (guint i = 0; i < (guint) opt_clients; i++)
    {
      if (ok && clients[i].conn)
        release_cid (clients[i].conn, clients[i].cid);
      for (guint k = 0; k < G_N_ELEMENTS (mix); k++)
        g_clear_pointer (&clients[i].msgs[k], g_byte_array_unref);
    }
  for (guint i = 0; i < n_conns; i++)
    {
      if (conns[i].fd >= 0)
        close (conns[i].fd);
      g_clear_pointer (&conns[i].in, g_byte_array_unref);
    }
  bench_stats_clear (&stats);
  return ok;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- QMI load generator");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || !opt_device ||
      (!opt_direct && !opt_socket) || opt_clients < 1 || opt_clients > 200)
    {
      g_printerr ("usage: idg-bench-qmi (--socket NAME | --direct) --device PATH [--clients N] [--seconds S]%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      return 2;
    }
  if (!run (&error))
    {
      g_printerr ("idg-bench-qmi: %s\n", error ? error->message : "failed");
      return 1;
    }
  return 0;
}
