/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-bench-mbim: a cheap MBIM load generator. Through a proxy it speaks
 * the mbim-proxy protocol itself (Proxy Control Configuration with the
 * device path, OPEN, then ping-pong commands), so the same client measures
 * libmbim's stock mbim-proxy and idguardd's MBIM door. With --direct it
 * opens the modem tty, sends OPEN and multiplexes every client on that one
 * port by transaction id. Responses may come in fragments (a modem with a
 * small control transfer size): a request counts as answered when its last
 * fragment arrives.
 *
 * The mix alternates identifier reads (Device Caps: IMEI; Subscriber Ready
 * Status: IMSI, ICCID, numbers) with Device Services.
 */
#include "bench-common.h"

#include <libmbim-glib.h>
#include <mbim-proxy-control.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TYPE_OPEN_DONE     0x80000001u
#define TYPE_COMMAND_DONE  0x80000003u
#define HEADER_LEN         12
#define SETUP_TIMEOUT_MS   10000
#define DRAIN_TIMEOUT_MS   3000
#define MAX_CONTROL        4096
#define MAX_FRAME          (1024 * 1024)
#define N_MIX              4

typedef struct {
  int         fd;
  GByteArray *in;
} Conn;

typedef struct {
  Conn       *conn;
  guint32     trid;
  guint       next;
  guint64     sent_ns;
  gboolean    failed;     /* first fragment carried an error status */
  GByteArray *msgs[N_MIX];
} Client;

static gchar   *opt_socket;
static gchar   *opt_device;
static gboolean opt_direct;
static gint     opt_clients = 1;
static gdouble  opt_seconds = 2.0;
static gdouble  opt_hold;

static GOptionEntry entries[] = {
  { "socket", 's', 0, G_OPTION_ARG_STRING, &opt_socket, "abstract socket of the proxy", "NAME" },
  { "device", 'd', 0, G_OPTION_ARG_FILENAME, &opt_device, "modem MBIM port", "PATH" },
  { "direct", 0, 0, G_OPTION_ARG_NONE, &opt_direct, "open the device itself, no proxy", NULL },
  { "clients", 'c', 0, G_OPTION_ARG_INT, &opt_clients, "concurrent clients", "N" },
  { "seconds", 't', 0, G_OPTION_ARG_DOUBLE, &opt_seconds, "measuring time", "S" },
  { "hold", 0, 0, G_OPTION_ARG_DOUBLE, &opt_hold, "after setup, keep the clients connected and idle this long first", "S" },
  { NULL }
};

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static void
put_u32 (guint8 *p, guint32 v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
  p[2] = (guint8) (v >> 16);
  p[3] = (guint8) (v >> 24);
}

static GByteArray *
message_bytes (MbimMessage *msg)
{
  gsize len = 0;
  const guint8 *raw = mbim_message_get_raw (msg, (guint32 *) &len, NULL);

  return g_byte_array_append (g_byte_array_new (), raw, (guint) len);
}

static GByteArray *
mix_message (guint k)
{
  g_autoptr(MbimMessage) msg = NULL;

  switch (k)
    {
    case 0:  msg = mbim_message_device_caps_query_new (NULL); break;
    case 2:  msg = mbim_message_subscriber_ready_status_query_new (NULL); break;
    default: msg = mbim_message_device_services_query_new (NULL); break;
    }
  return message_bytes (msg);
}

/* Length of the first complete MBIM message in @in, 0 if none yet. */
static gsize
frame_len (GByteArray *in, GError **error)
{
  guint32 len;

  if (in->len < HEADER_LEN)
    return 0;
  len = get_u32 (in->data + 4);
  if (len < HEADER_LEN || len > MAX_FRAME)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "stream lost MBIM framing");
      return 0;
    }
  return in->len >= len ? len : 0;
}

/* Sends @req and waits for the message of type @type with its trid. */
static gboolean
transact (Conn *conn, GByteArray *req, guint32 type, GError **error)
{
  guint32 trid = get_u32 (req->data + 8);

  if (!bench_write_all (conn->fd, req->data, req->len, error))
    return FALSE;
  for (;;)
    {
      gsize len;

      while ((len = frame_len (conn->in, error)) == 0)
        {
          if (error && *error)
            return FALSE;
          if (!bench_read_wait (conn->fd, conn->in, conn->in->len + 1, SETUP_TIMEOUT_MS, error))
            {
              g_prefix_error (error, "MBIM setup 0x%08x: ", type);
              return FALSE;
            }
        }
      if (get_u32 (conn->in->data) == type && get_u32 (conn->in->data + 8) == trid)
        {
          g_byte_array_remove_range (conn->in, 0, (guint) len);
          return TRUE;
        }
      g_byte_array_remove_range (conn->in, 0, (guint) len);
    }
}

static gboolean
conn_setup (Conn *conn, guint32 *trid, GError **error)
{
  g_autoptr(GByteArray) open = NULL;
  g_autoptr(MbimMessage) open_msg = mbim_message_open_new (++*trid, MAX_CONTROL);

  if (!opt_direct)
    {
      g_autoptr(MbimMessage) cfg = mbim_message_proxy_control_configuration_set_new (opt_device, 30, error);
      g_autoptr(GByteArray) req = NULL;

      if (!cfg)
        return FALSE;
      mbim_message_set_transaction_id (cfg, ++*trid);
      req = message_bytes (cfg);
      if (!transact (conn, req, TYPE_COMMAND_DONE, error))
        return FALSE;
      mbim_message_set_transaction_id (open_msg, ++*trid);
    }
  open = message_bytes (open_msg);
  return transact (conn, open, TYPE_OPEN_DONE, error);
}

static gboolean
client_send (Client *c, guint32 *trid, GError **error)
{
  GByteArray *m = c->msgs[c->next];

  c->trid = ++*trid;
  put_u32 (m->data + 8, c->trid);
  c->sent_ns = bench_now_ns ();
  c->failed = FALSE;
  return bench_write_all (c->conn->fd, m->data, m->len, error);
}

static gboolean
conn_process (Conn *conn, Client *clients, guint n_clients, gboolean sending, guint32 *trid,
              BenchStats *stats, guint *in_flight, GError **error)
{
  gsize len;

  while ((len = frame_len (conn->in, error)) > 0)
    {
      const guint8 *f = conn->in->data;

      if (len >= 20 && get_u32 (f) == TYPE_COMMAND_DONE)
        {
          guint32 id = get_u32 (f + 8);
          guint32 total = get_u32 (f + 12), current = get_u32 (f + 16);

          for (guint i = 0; i < n_clients; i++)
            {
              Client *c = &clients[i];

              if (c->conn != conn || c->trid != id || !c->sent_ns)
                continue;
              if (current == 0 && (len < 44 || get_u32 (f + 40) != 0))
                c->failed = TRUE;
              if (current + 1 < total)
                break;
              g_array_append_val (stats->latency_ns, (guint64) { bench_now_ns () - c->sent_ns });
              if (c->failed)
                stats->errors++;
              if (total > 1)
                stats->fragmented++;
              c->sent_ns = 0;
              (*in_flight)--;
              c->next = (c->next + 1) % N_MIX;
              if (sending)
                {
                  if (!client_send (c, trid, error))
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
  guint32 trid = 0;
  guint in_flight = 0;
  guint64 deadline;
  gboolean ok = FALSE;

  bench_stats_init (&stats);
  for (guint i = 0; i < n_conns; i++)
    {
      conns[i].fd = opt_direct ? bench_open_tty (opt_device, error)
                               : bench_connect_abstract (opt_socket, error);
      conns[i].in = g_byte_array_new ();
      if (conns[i].fd < 0 || !conn_setup (&conns[i], &trid, error))
        goto out;
      bench_set_nonblocking (conns[i].fd);
      pfds[i].fd = conns[i].fd;
      pfds[i].events = POLLIN;
    }
  for (guint i = 0; i < (guint) opt_clients; i++)
    {
      clients[i].conn = &conns[opt_direct ? 0 : i];
      clients[i].next = i % N_MIX;
      for (guint k = 0; k < N_MIX; k++)
        clients[i].msgs[k] = mix_message (k);
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
      if (!client_send (&clients[i], &trid, error))
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
              !conn_process (&conns[i], clients, (guint) opt_clients, sending, &trid,
                             &stats, &in_flight, error))
            goto out;
        }
    }
  stats.lost = in_flight;
  bench_stats_print (&stats);
  ok = TRUE;

out:
  for (guint i = 0; i < (guint) opt_clients; i++)
    for (guint k = 0; k < N_MIX; k++)
      g_clear_pointer (&clients[i].msgs[k], g_byte_array_unref);
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
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- MBIM load generator");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || !opt_device ||
      (!opt_direct && !opt_socket) || opt_clients < 1 || opt_clients > 200)
    {
      g_printerr ("usage: idg-bench-mbim (--socket NAME | --direct) --device PATH [--clients N] [--seconds S]%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      return 2;
    }
  if (!run (&error))
    {
      g_printerr ("idg-bench-mbim: %s\n", error ? error->message : "failed");
      return 1;
    }
  return 0;
}
