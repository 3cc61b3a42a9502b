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
 * (manufacturer, model, revision, operating mode). With --ids-only every
 * request is DMS Get IDs (ESN, IMEI, MEID, IMEISV): the all-identifier load.
 */
#include "bench-common.h"

#include <libqmi-glib.h>
#include <stdio.h>
#include <string.h>

#define CTL_ALLOCATE_CID 0x0022
#define CTL_RELEASE_CID  0x0023
#define CTL_PROXY_OPEN   0xFF00
#define SETUP_TIMEOUT_MS 10000

static const guint16 mix[] = {
  0x0025, /* DMS Get IDs: ESN, IMEI, MEID, IMEISV */
  0x0021, /* Get Manufacturer */
  0x0022, /* Get Model */
  0x0043, /* UIM Get IMSI */
  0x0023, /* Get Revision */
  0x002D, /* Get Operating Mode */
};

typedef struct {
  BenchClient  base;
  guint8       cid;
  guint16      trid;
  GByteArray  *msgs[G_N_ELEMENTS (mix)];
} Client;

typedef struct {
  Client *clients;
  guint   n_clients;
} Run;

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
ctl_transact (BenchConn *conn, GByteArray *req, guint16 id, GError **error)
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
proxy_open (BenchConn *conn, const gchar *device, GError **error)
{
  g_autoptr(GByteArray) req = build_ctl (++conn->ctl_trid, CTL_PROXY_OPEN, 0x01,
                                         (const guint8 *) device, strlen (device), TRUE);
  g_autoptr(GByteArray) resp = ctl_transact (conn, req, CTL_PROXY_OPEN, error);

  return resp != NULL;
}

static gboolean
allocate_cid (BenchConn *conn, guint8 *cid, GError **error)
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
release_cid (BenchConn *conn, guint8 cid)
{
  guint8 data[2] = { QMI_SERVICE_DMS, cid };
  g_autoptr(GByteArray) req = build_ctl (++conn->ctl_trid, CTL_RELEASE_CID, 0x01, data, 2, FALSE);
  GByteArray *resp = ctl_transact (conn, req, CTL_RELEASE_CID, NULL);

  if (resp)
    g_byte_array_unref (resp);
}

static gboolean
client_send (BenchClient *base, gpointer user_data, GError **error)
{
  Client *c = (Client *) base;
  GByteArray *m = c->msgs[base->next];

  c->trid = (guint16) (c->trid + 1 ? c->trid + 1 : 1);
  m->data[7] = (guint8) (c->trid & 0xff);
  m->data[8] = (guint8) (c->trid >> 8);
  return bench_write_all (base->conn->fd, m->data, m->len, error);
}

/* A DMS response answers the client of that connection, client id and
 * transaction id. */
static void
match (BenchConn *conn, const guint8 *f, gsize len, BenchAnswer *answer, gpointer user_data)
{
  Run *run = user_data;
  guint16 trid;

  if (len < 13 || f[4] != QMI_SERVICE_DMS || !(f[6] & 0x02))
    return;
  trid = (guint16) (f[7] | (f[8] << 8));
  for (guint i = 0; i < run->n_clients; i++)
    {
      Client *c = &run->clients[i];

      if (c->base.conn == conn && c->cid == f[5] && c->trid == trid)
        {
          answer->client = &c->base;
          answer->failed = !result_ok (f, len, 13);
          return;
        }
    }
}

static const BenchProtocol qmi_protocol = { frame_len, match, client_send };

static gboolean
run_bench (const BenchOptions *opts, GError **error)
{
  guint n_clients = (guint) opts->clients;
  guint n_conns = opts->direct ? 1 : n_clients;
  g_autofree Client *clients = g_new0 (Client, n_clients);
  g_autofree BenchClient **ptrs = g_new0 (BenchClient *, n_clients);
  Run run = { clients, n_clients };
  BenchConn *conns = bench_conns_open (opts, n_conns, error);
  guint n_allocated = 0;
  gboolean ok = FALSE;

  if (!conns)
    return FALSE;
  for (guint i = 0; i < n_conns; i++)
    if (!opts->direct && !proxy_open (&conns[i], opts->device, error))
      goto out;
  for (guint i = 0; i < n_clients; i++, n_allocated++)
    {
      Client *c = &clients[i];

      c->base.conn = &conns[opts->direct ? 0 : i];
      c->base.n_mix = opts->ids_only ? 1 : G_N_ELEMENTS (mix);
      c->base.next = i % c->base.n_mix;
      ptrs[i] = &c->base;
      if (!allocate_cid (c->base.conn, &c->cid, error))
        goto out;
      for (guint k = 0; k < G_N_ELEMENTS (mix); k++)
        {
          g_autoptr(QmiMessage) msg = qmi_message_new (QMI_SERVICE_DMS, c->cid, 1, mix[k]);

          c->msgs[k] = message_bytes (msg);
        }
    }
  ok = bench_drive (conns, n_conns, ptrs, n_clients, opts, &qmi_protocol, &run, error);

out:
  for (guint i = 0; i < n_clients; i++)
    {
      if (ok && i < n_allocated)
        release_cid (clients[i].base.conn, clients[i].cid);
      for (guint k = 0; k < G_N_ELEMENTS (mix); k++)
        g_clear_pointer (&clients[i].msgs[k], g_byte_array_unref);
    }
  bench_conns_free (conns, n_conns);
  return ok;
}

int
main (int argc, char **argv)
{
  BenchOptions opts = { 0 };
  g_autoptr(GError) error = NULL;

  if (!bench_options_parse (&opts, "idg-bench-qmi", "- QMI load generator", &argc, &argv))
    return 2;
  if (!run_bench (&opts, &error))
    {
      g_printerr ("idg-bench-qmi: %s\n", error ? error->message : "failed");
      return 1;
    }
  return 0;
}
