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
 * Status: IMSI, ICCID, numbers) with Device Services. With --ids-only
 * every request is an identifier read (Device Caps and Subscriber Ready
 * Status, alternating): the all-identifier load.
 */
#include "bench-common.h"

#include <libmbim-glib.h>
#include <mbim-proxy-control.h>
#include <stdio.h>
#include <string.h>

#define TYPE_OPEN_DONE     0x80000001u
#define TYPE_COMMAND_DONE  0x80000003u
#define HEADER_LEN         12
#define SETUP_TIMEOUT_MS   10000
#define MAX_CONTROL        4096
#define MAX_FRAME          (1024 * 1024)
#define N_MIX              4

typedef struct {
  BenchClient  base;
  guint32      trid;
  GByteArray  *msgs[N_MIX];
} Client;

typedef struct {
  Client  *clients;
  guint    n_clients;
  guint32  trid;      /* last transaction id used, shared by all clients */
} Run;

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
  guint32 len = 0;
  const guint8 *raw = mbim_message_get_raw (msg, &len, NULL);

  return g_byte_array_append (g_byte_array_new (), raw, len);
}

static GByteArray *
mix_message (guint k, gboolean ids_only)
{
  g_autoptr(MbimMessage) msg = NULL;

  if (ids_only)
    k = k % 2 ? 2 : 0;
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
transact (BenchConn *conn, GByteArray *req, guint32 type, GError **error)
{
  guint32 trid = get_u32 (req->data + 8);

  if (!bench_write_all (conn->fd, req->data, req->len, error))
    return FALSE;
  for (;;)
    {
      gsize len;
      gboolean done;

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
      done = get_u32 (conn->in->data) == type && get_u32 (conn->in->data + 8) == trid;
      g_byte_array_remove_range (conn->in, 0, (guint) len);
      if (done)
        return TRUE;
    }
}

/* Through a proxy: Proxy Control Configuration, then OPEN (answered by the
 * proxy); direct: OPEN. */
static gboolean
conn_setup (BenchConn *conn, const BenchOptions *opts, guint32 *trid, GError **error)
{
  g_autoptr(GByteArray) open = NULL;
  g_autoptr(MbimMessage) open_msg = NULL;

  if (!opts->direct)
    {
      g_autoptr(MbimMessage) cfg = mbim_message_proxy_control_configuration_set_new (opts->device, 30, error);
      g_autoptr(GByteArray) req = NULL;

      if (!cfg)
        return FALSE;
      mbim_message_set_transaction_id (cfg, ++*trid);
      req = message_bytes (cfg);
      if (!transact (conn, req, TYPE_COMMAND_DONE, error))
        return FALSE;
    }
  open_msg = mbim_message_open_new (++*trid, MAX_CONTROL);
  open = message_bytes (open_msg);
  return transact (conn, open, TYPE_OPEN_DONE, error);
}

static gboolean
client_send (BenchClient *base, gpointer user_data, GError **error)
{
  Run *run = user_data;
  Client *c = (Client *) base;
  GByteArray *m = c->msgs[base->next];

  c->trid = ++run->trid;
  put_u32 (m->data + 8, c->trid);
  return bench_write_all (base->conn->fd, m->data, m->len, error);
}

/* A COMMAND_DONE (or one of its fragments) answers the client of that
 * connection and transaction id; the status is in the first fragment. */
static void
match (BenchConn *conn, const guint8 *f, gsize len, BenchAnswer *answer, gpointer user_data)
{
  Run *run = user_data;
  guint32 id, total, current;

  if (len < 20 || get_u32 (f) != TYPE_COMMAND_DONE)
    return;
  id = get_u32 (f + 8);
  total = get_u32 (f + 12);
  current = get_u32 (f + 16);
  for (guint i = 0; i < run->n_clients; i++)
    {
      Client *c = &run->clients[i];

      if (c->base.conn == conn && c->trid == id)
        {
          answer->client = &c->base;
          answer->failed = current == 0 && (len < 44 || get_u32 (f + 40) != 0);
          answer->last = current + 1 >= total;
          answer->fragmented = total > 1;
          return;
        }
    }
}

static const BenchProtocol mbim_protocol = { frame_len, match, client_send };

static gboolean
run_bench (const BenchOptions *opts, GError **error)
{
  guint n_clients = (guint) opts->clients;
  guint n_conns = opts->direct ? 1 : n_clients;
  g_autofree Client *clients = g_new0 (Client, n_clients);
  g_autofree BenchClient **ptrs = g_new0 (BenchClient *, n_clients);
  Run run = { clients, n_clients, 0 };
  BenchConn *conns = bench_conns_open (opts, n_conns, error);
  gboolean ok = FALSE;

  if (!conns)
    return FALSE;
  for (guint i = 0; i < n_conns; i++)
    if (!conn_setup (&conns[i], opts, &run.trid, error))
      goto out;
  for (guint i = 0; i < n_clients; i++)
    {
      Client *c = &clients[i];

      c->base.conn = &conns[opts->direct ? 0 : i];
      c->base.n_mix = N_MIX;
      c->base.next = i % N_MIX;
      ptrs[i] = &c->base;
      for (guint k = 0; k < N_MIX; k++)
        c->msgs[k] = mix_message (k, opts->ids_only);
    }
  ok = bench_drive (conns, n_conns, ptrs, n_clients, opts, &mbim_protocol, &run, error);

out:
  for (guint i = 0; i < n_clients; i++)
    for (guint k = 0; k < N_MIX; k++)
      g_clear_pointer (&clients[i].msgs[k], g_byte_array_unref);
  bench_conns_free (conns, n_conns);
  return ok;
}

int
main (int argc, char **argv)
{
  BenchOptions opts = { 0 };
  g_autoptr(GError) error = NULL;

  if (!bench_options_parse (&opts, "idg-bench-mbim", "- MBIM load generator", &argc, &argv))
    return 2;
  if (!run_bench (&opts, &error))
    {
      g_printerr ("idg-bench-mbim: %s\n", error ? error->message : "failed");
      return 1;
    }
  return 0;
}
