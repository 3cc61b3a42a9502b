/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMI door: a consent-aware drop-in for libqmi's qmi-proxy on an
 * abstract unix socket ("@qmi-proxy"), so that qmicli -p, ModemManager and
 * every libqmi program keep working unchanged while each client only sees
 * the identifiers its grants allow.
 *
 * The qmi-proxy protocol, as libqmi clients speak it:
 *  - the stream carries QMUX frames, nothing else;
 *  - the first request of a client is CTL "Internal Proxy Open" (0xFF00)
 *    with TLV 0x01 the device path; the proxy answers it with a plain
 *    success response once the device is usable. Here the path must be the
 *    broker's QMI modem port: anything else is answered ACCESS_DENIED and the
 *    client is closed;
 *  - raw forwarding: the door writes to the modem's port and reads the
 *    answers to its requests itself (the QMUX multiplexer, idg-qmux.h),
 *    with no QmiDevice transaction per request; a request the modem does
 *    not answer within COMMAND_TIMEOUT is given up (a periodic sweep, armed
 *    only while requests are in flight);
 *  - canonical forwarding: every client frame is parsed completely
 *    (idg-qmi-canon.h) and the modem gets the door's re-encoding of it, a
 *    frame that does not parse is answered MALFORMED_MESSAGE and never
 *    forwarded, bytes that are not QMUX drop the client;
 *  - unambiguous pairing: the modem never sees a client's transaction id.
 *    CTL requests share the port's CTL transaction ids with the backend:
 *    they are sent with a fresh one of the multiplexer's (at most
 *    CTL_IN_FLIGHT_MAX door-wide). Service requests get a
 *    transaction id of the door's own, unique among the door's requests in
 *    flight on that client id; the filter takes the request's context
 *    (message, file, offset, length) from the request sent with that id,
 *    and the answer goes back with the client's id (the id of a request
 *    that timed out is never reused on that client id: a late answer finds
 *    no request). A client sending a request with a transaction id it
 *    already has in flight on that client id is answered
 *    INVALID_TRANSACTION_ID;
 *  - client ids come from CTL Allocate CID responses and go with CTL Release
 *    CID requests; they belong to the client that allocated them and are
 *    released when it disconnects. A request on a client id the client does
 *    not own is answered INVALID_CLIENT_ID (the backend's own clients and
 *    other clients' are out of reach); CTL Sync, which would release every
 *    client id of every client, is answered here with success;
 *  - responses go back to the requester (QmiDevice matches them on service,
 *    client id and transaction id); indications go to the client owning the
 *    client id, broadcast ones (0xFF) to every client with a client id of
 *    that service.
 *
 * Policy is looked up per message (idg_broker_guard_begin/end around the
 * filter), so a grant given or revoked mid-session counts from the next
 * message on. Listening, the connect policy, the client's lifecycle,
 * its read loop and its bounded, non-blocking output queue are the door
 * framework's (userspace/door/idg-door-client.h): a slow or dead client is dropped, never waited
 * for; so is one with more
 * than IN_FLIGHT_MAX requests pending, and client ids past CIDS_MAX are
 * refused. Garbage, a frame that libqmi rejects or a first message that is
 * not a proxy open drops that client alone.
 */
#include "idg-door-qmi.h"
#include "idg-modem-qmi-private.h"
#include "idg-qmi-filter.h"
#include "idg-qmi-canon.h"
#include "idg-door-client.h"
#include "idg-personal.h"

#include <string.h>

#define READ_CHUNK          4096
#define OUT_QUEUE_MAX       (1024 * 1024)
/* Per client: requests waiting for the modem, and client ids. Real clients
 * (ModemManager, qmicli) stay far below; a client above shares the modem
 * unfairly and is dropped (requests) or refused (client ids). */
#define IN_FLIGHT_MAX       1024
#define CIDS_MAX            32
#define CTL_IN_FLIGHT_MAX   64
#define COMMAND_TIMEOUT     120   /* seconds */
#define SWEEP_INTERVAL      10    /* seconds, while requests are in flight */

#define CTL_SET_INSTANCE_ID 0x0020
#define CTL_ALLOCATE_CID    0x0022
#define CTL_RELEASE_CID     0x0023
#define CTL_SYNC            0x0027
#define CTL_PROXY_OPEN      0xFF00
#define CID_BROADCAST       0xFF

/* libqmi's QMI_PROTOCOL_ERROR_INVALID_CLIENT_ID and _CLIENT_IDS_EXHAUSTED */
#define ERROR_INVALID_CLIENT_ID      0x0007
#define ERROR_CLIENT_IDS_EXHAUSTED   0x0005
#define ERROR_INVALID_TRANSACTION_ID 0x0016
#define ERROR_INSUFFICIENT_RESOURCES 0x0044

typedef struct {
  guint8 service;
  guint8 cid;
} Cid;

typedef struct _Client Client;

struct _Client {
  IdgDoorClient base;         /* first: the door framework's client */
  GByteArray  *in;
  gboolean     opened;        /* proxy open answered */
  QmiMessage  *pending_open;  /* proxy open waiting for the device */
  GArray      *cids;          /* Cid */
  guint        in_flight;     /* requests forwarded, not answered yet */
  GHashTable  *pending;       /* request_key()s of its requests in flight,
                               * with its own transaction ids */
};

typedef struct _Request Request;

struct _IdgDoorQmi {
  IdgDoor       base;         /* first: listener, clients */
  IdgModemQmi  *modem;
  IdgQmux      *mux;          /* the modem's port, NULL while it is down */
  gulong        changed_id;   /* the backend's "port-changed" */
  GHashTable   *door_trids;   /* request_key() of the door's id -> Request *,
                               * or QUARANTINE for one that timed out */
  guint16       next_trid;
  Request      *ctl[256];     /* CTL in flight, by the port's transaction id */
  guint         n_ctl;
  GQueue        in_flight;    /* Request *s, oldest first */
  guint         sweep_id;
};

struct _Request {
  Client            *client;        /* NULL: the door's own (a release) */
  GList             *link;          /* in the door's in_flight */
  gint64             sent;          /* monotonic usec */
  guint8             ctl_trid;      /* the client's CTL transaction id */
  guint16            client_trid;   /* services: the client's transaction id */
  IdgQmiRequestInfo  info;          /* as sent: the door's transaction id */
  guint8             header[13];    /* the request's headers, client's ids:
                                     * all an error answer needs */
};

/* a door transaction id whose request timed out: never handed out again on
 * that client id (the modem's late answer must not pair with a later
 * request; the ids wrap after 65535 requests, seconds at full load) */
static gchar quarantine_mark;
#define QUARANTINE ((gpointer) &quarantine_mark)


/*****************************************************************************/
/* Clients */

IDG_DOOR_CLIENT_DEFINE_HELPERS (Client, IdgDoorQmi)

static gint
client_find_cid (Client *client,
                 guint8  service,
                 guint8  cid)
{
  guint i;

  for (i = 0; i < client->cids->len; i++) {
    Cid *c = &g_array_index (client->cids, Cid, i);

    if (c->service == service && c->cid == cid)
      return (gint) i;
  }
  return -1;
}

static gboolean
client_has_service (Client *client,
                    guint8  service)
{
  guint i;

  for (i = 0; i < client->cids->len; i++)
    if (g_array_index (client->cids, Cid, i).service == service)
      return TRUE;
  return FALSE;
}

/* The one way bytes reach a client: responses, error responses and
 * indications all pass here. data is the caller's own copy: the tripwire
 * masks in place. */
static void
client_send (Client *client,
             guint8 *data,
             gsize   len)
{
  IdgQmiHeader h;
  gsize from = 0;
  gchar route[16] = "?";

  if (!client->base.door)
    return;
  /* the value tripwire, after the filter: every response, indication and
   * error, over the TLVs (the header is the client's own ids) */
  if (idg_qmi_frame_parse (data, len, &h)) {
    static const gchar hex[] = "0123456789abcdef";

    /* "%02x/%04x" of service and message id, without printf per message */
    from = h.tlv_offset;
    route[0] = hex[h.service >> 4];
    route[1] = hex[h.service & 0xF];
    route[2] = '/';
    route[3] = hex[(h.message_id >> 12) & 0xF];
    route[4] = hex[(h.message_id >> 8) & 0xF];
    route[5] = hex[(h.message_id >> 4) & 0xF];
    route[6] = hex[h.message_id & 0xF];
    route[7] = '\0';
  }
  idg_broker_guard_scan (client->base.door->broker, client->base.identity, NULL, IDG_DOOR_QMI, route,
                         data + from, len - from);
  idg_door_client_send (&client->base, data, len);
}

static void
client_send_error (Client       *client,
                   const guint8 *request,
                   gsize         len,
                   guint16       error)
{
  g_autoptr(GByteArray) rsp = idg_qmi_filter_error_response (request, len, error);

  if (rsp)
    client_send (client, rsp->data, rsp->len);
}

static void
release_cid_on_device (IdgDoorQmi *door,
                       guint8      service,
                       guint8      cid);

/* The framework dropped the client: the client ids it held are released
 * on the modem. */
static void
client_dropped (IdgDoorClient *base,
                IdgDoor       *door_base)
{
  Client *client = (Client *) (gpointer) base;
  guint i;

  for (i = 0; i < client->cids->len; i++) {
    Cid *c = &g_array_index (client->cids, Cid, i);

    release_cid_on_device ((IdgDoorQmi *) (gpointer) door_base, c->service, c->cid);
  }
  g_array_set_size (client->cids, 0);
}

/*****************************************************************************/
/* Talking to the modem */

static guint
request_key (guint8  service,
             guint8  cid,
             guint16 trid)
{
  return ((guint) service << 24) | ((guint) cid << 16) | trid;
}

/* Forgets a request that was answered or given up: with quarantine (it
 * timed out), a service request's id stays taken. */
static void
request_free (IdgDoorQmi *door,
              Request    *req,
              gboolean    quarantine)
{
  Client *client = req->client;

  g_queue_delete_link (&door->in_flight, req->link);
  if (req->info.service == IDG_QMI_SERVICE_CTL) {
    guint8 t = (guint8) req->info.transaction_id;

    if (door->ctl[t] == req) {
      door->ctl[t] = NULL;
      door->n_ctl--;
      if (door->mux)
        idg_qmux_ctl_release (door->mux, t);
    }
  } else {
    gpointer key = GUINT_TO_POINTER (request_key (req->info.service, req->info.client_id,
                                                  req->info.transaction_id));

    if (quarantine)
      g_hash_table_insert (door->door_trids, key, QUARANTINE);
    else
      g_hash_table_remove (door->door_trids, key);
  }
  if (client) {
    if (req->info.service != IDG_QMI_SERVICE_CTL)
      g_hash_table_remove (client->pending,
                           GUINT_TO_POINTER (request_key (req->info.service, req->info.client_id,
                                                          req->client_trid)));
    client->in_flight--;
    client_unref (client);
  }
  g_free (req);
}

/* Every request in flight is given up (the port went away, the door
 * closes): nobody is answered, the ids mean nothing on a new port. */
static void
requests_clear (IdgDoorQmi *door)
{
  while (!g_queue_is_empty (&door->in_flight))
    request_free (door, g_queue_peek_head (&door->in_flight), FALSE);
  g_hash_table_remove_all (door->door_trids);
  g_clear_handle_id (&door->sweep_id, g_source_remove);
}

static gboolean
sweep_cb (gpointer user_data)
{
  IdgDoorQmi *door = user_data;
  gint64 limit = g_get_monotonic_time () - (gint64) COMMAND_TIMEOUT * G_USEC_PER_SEC;

  while (!g_queue_is_empty (&door->in_flight)) {
    Request *req = g_queue_peek_head (&door->in_flight);

    if (req->sent > limit)
      break;
    if (req->client && req->client->base.door)
      g_debug ("qmi door: client %" G_GUINT64_FORMAT ": request 0x%04x timed out", req->client->base.id,
               req->info.message_id);
    request_free (door, req, TRUE);
  }
  if (!g_queue_is_empty (&door->in_flight))
    return G_SOURCE_CONTINUE;
  door->sweep_id = 0;
  return G_SOURCE_REMOVE;
}

/* Sends a request (its bytes: the door's transaction id set) and keeps it
 * until its answer or its timeout. */
static void
request_send (IdgDoorQmi   *door,
              Request      *req,
              const guint8 *frame,
              gsize         len)
{
  req->sent = g_get_monotonic_time ();
  g_queue_push_tail (&door->in_flight, req);
  req->link = g_queue_peek_tail_link (&door->in_flight);
  if (door->sweep_id == 0)
    door->sweep_id = g_timeout_add_seconds (SWEEP_INTERVAL, sweep_cb, door);
  idg_qmux_send (door->mux, frame, len);
}

/* A CTL request of the door's own, its answer not awaited by anyone. */
static void
send_ctl_own (IdgDoorQmi *door,
              QmiMessage *msg)
{
  Request *req;
  gint t;

  if (!door->mux || (t = idg_qmux_ctl_take (door->mux)) < 0)
    return;
  req = g_new0 (Request, 1);
  req->info.service = IDG_QMI_SERVICE_CTL;
  req->info.message_id = qmi_message_get_message_id (msg);
  req->info.transaction_id = (guint16) t;
  door->ctl[t] = req;
  door->n_ctl++;
  qmi_message_set_transaction_id (msg, (guint16) t);
  request_send (door, req, msg->data, msg->len);
}

static void
release_cid_on_device (IdgDoorQmi *door,
                       guint8      service,
                       guint8      cid)
{
  g_autoptr(QmiMessage) msg = NULL;
  gsize tlv;

  if (!door->mux)
    return;
  msg = qmi_message_new (QMI_SERVICE_CTL, 0, 0, CTL_RELEASE_CID);
  tlv = qmi_message_tlv_write_init (msg, 0x01, NULL);
  if (!tlv ||
      !qmi_message_tlv_write_guint8 (msg, service, NULL) ||
      !qmi_message_tlv_write_guint8 (msg, cid, NULL) ||
      !qmi_message_tlv_write_complete (msg, tlv, NULL))
    return;
  send_ctl_own (door, msg);
}

/* The allocation info TLV (0x01: service, client id) of a successful CTL
 * Allocate CID response: FALSE if the response is not one. */
static gboolean
allocation_of (const guint8 *frame,
               gsize         len,
               Cid          *out)
{
  IdgQmiHeader h;
  gsize off;
  gboolean ok = FALSE, have = FALSE;

  if (!idg_qmi_frame_parse (frame, len, &h))
    return FALSE;
  for (off = h.tlv_offset; off + 3 <= len;) {
    guint8 type = frame[off];
    gsize n = (gsize) (frame[off + 1] | (frame[off + 2] << 8));

    if (type == 0x02 && n == 4) {
      ok = frame[off + 3] == 0 && frame[off + 4] == 0;
    } else if (type == 0x01 && n == 2) {
      out->service = frame[off + 3];
      out->cid = frame[off + 4];
      have = TRUE;
    }
    off += 3 + n;
  }
  return ok && have && out->service != IDG_QMI_SERVICE_CTL;
}

/* The modem's answer to req, filtered in place (the multiplexer's buffer,
 * the door's from here on). */
static void
answer (IdgDoorQmi   *door,
        Request      *req,
        guint8       *rsp,
        gsize         len)
{
  Client *client = req->client;
  Cid c;

  if (!client || !client->base.door) {
    /* the client is gone (or it was the door's own): a client id it
     * allocated meanwhile is released */
    if (req->info.service == IDG_QMI_SERVICE_CTL && req->info.message_id == CTL_ALLOCATE_CID &&
        allocation_of (rsp, len, &c))
      release_cid_on_device (door, c.service, c.cid);
    return;
  }
  if (req->info.service == IDG_QMI_SERVICE_CTL) {
    idg_qmi_canon_set_transaction_id (rsp, len, req->ctl_trid);
    if (req->info.message_id == CTL_ALLOCATE_CID && allocation_of (rsp, len, &c) &&
        client_find_cid (client, c.service, c.cid) < 0)
      g_array_append_val (client->cids, c);
    client_send (client, rsp, len);
  } else {
    IdgGuard guard;
    IdgQmiVerdict verdict;

    /* judged as the answer to the request sent with the door's id, then
     * handed back under the client's own */
    idg_broker_guard_begin (door->base.broker, client->base.identity, &guard);
    verdict = idg_qmi_filter_response (rsp, len, &req->info, &guard);
    idg_broker_guard_end (door->base.broker, client->base.identity, IDG_DOOR_QMI, &guard);
    idg_qmi_canon_set_transaction_id (rsp, len, req->client_trid);
    if (verdict == IDG_QMI_VERDICT_PASS)
      client_send (client, rsp, len);
    else
      client_send_error (client, req->header, sizeof req->header,
                         IDG_QMI_ERROR_MALFORMED_MESSAGE);
  }
}

/* From the multiplexer: a response the door may have asked for. */
static gboolean
response_cb (guint8             *frame,
             gsize               len,
             const IdgQmiHeader *h,
             gpointer            user_data)
{
  IdgDoorQmi *door = user_data;
  Request *req;

  if (h->service == IDG_QMI_SERVICE_CTL) {
    req = door->ctl[h->transaction_id & 0xFF];
    if (!req)
      return TRUE;   /* the door's id, its request given up */
  } else {
    gpointer key = GUINT_TO_POINTER (request_key (h->service, h->client_id, h->transaction_id));

    req = g_hash_table_lookup (door->door_trids, key);
    if (!req)
      return FALSE;  /* the backend's */
    if (req == QUARANTINE) {
      g_hash_table_remove (door->door_trids, key);
      return TRUE;
    }
  }
  if (h->message_id != req->info.message_id) {
    /* not the answer to what was asked: the request fails as a lost one */
    request_free (door, req, FALSE);
    return TRUE;
  }
  {
    Client *client = req->client ? client_ref (req->client) : NULL;

    answer (door, req, frame, len);
    request_free (door, req, FALSE);
    if (client)
      client_unref (client);
  }
  return TRUE;
}

static void
forward (Client                  *client,
         QmiMessage              *msg,
         const IdgQmiRequestInfo *info)
{
  IdgDoorQmi *door = door_of (client);
  Request *req;

  if (client->in_flight >= IN_FLIGHT_MAX) {
    client_drop (client, "too many requests in flight");
    return;
  }
  if (!door->mux) {
    /* the port is down: the client ids it holds are gone with it */
    client_send_error (client, msg->data, msg->len, ERROR_INSUFFICIENT_RESOURCES);
    return;
  }
  req = g_new0 (Request, 1);
  req->info = *info;
  if (info->service == IDG_QMI_SERVICE_CTL) {
    /* CTL transaction ids are the port's: a fresh one out, the client's
     * back */
    gint t = idg_qmux_ctl_take (door->mux);

    if (t < 0) {
      g_free (req);
      client_send_error (client, msg->data, msg->len, ERROR_INSUFFICIENT_RESOURCES);
      return;
    }
    req->ctl_trid = (guint8) qmi_message_get_transaction_id (msg);
    req->info.transaction_id = (guint16) t;
    door->ctl[t] = req;
    door->n_ctl++;
  } else {
    guint16 trid;

    /* the door's own id, unique among its requests in flight on this
     * client id: the modem's answer can only pair with this request */
    do {
      trid = ++door->next_trid;
    } while (trid == 0 ||
             g_hash_table_contains (door->door_trids,
                                    GUINT_TO_POINTER (request_key (info->service, info->client_id, trid))));
    req->client_trid = info->transaction_id;
    req->info.transaction_id = trid;
    g_hash_table_insert (door->door_trids,
                         GUINT_TO_POINTER (request_key (info->service, info->client_id, trid)), req);
    g_hash_table_add (client->pending,
                      GUINT_TO_POINTER (request_key (info->service, info->client_id, req->client_trid)));
  }
  client->in_flight++;
  req->client = client_ref (client);
  memcpy (req->header, msg->data, MIN (msg->len, sizeof req->header));
  qmi_message_set_transaction_id (msg, req->info.transaction_id);
  request_send (door, req, msg->data, msg->len);
}

/*****************************************************************************/
/* Client requests */

static void
answer_success (Client     *client,
                QmiMessage *msg)
{
  g_autoptr(QmiMessage) rsp = qmi_message_response_new (msg, QMI_PROTOCOL_ERROR_NONE);

  client_send (client, rsp->data, rsp->len);
}

static void
complete_open (Client *client)
{
  g_autoptr(QmiMessage) msg = g_steal_pointer (&client->pending_open);

  client->opened = TRUE;
  answer_success (client, msg);
}

static void
process_proxy_open (Client     *client,
                    QmiMessage *msg)
{
  IdgDoorQmi *door = door_of (client);
  const guint8 *path;
  guint16 path_len = 0;
  g_autofree gchar *device_path = NULL;

  path = qmi_message_get_raw_tlv (msg, 0x01, &path_len);
  if (path && path_len > 0 && !memchr (path, '\0', path_len))
    device_path = g_strndup ((const gchar *) path, path_len);
  if (!device_path || !idg_broker_is_modem_port (door->base.broker, "qmi", device_path)) {
    g_message ("qmi door: client %" G_GUINT64_FORMAT " asked for a device that is not the modem's QMI port; refused",
               client->base.id);
    client->base.close_after_flush = TRUE;
    client_send_error (client, msg->data, msg->len, IDG_QMI_ERROR_ACCESS_DENIED);
    if (client->base.door && idg_door_queue_is_empty (&client->base.out))
      client_drop (client, "refused");
    return;
  }
  g_clear_pointer (&client->pending_open, qmi_message_unref);
  client->pending_open = qmi_message_ref (msg);
  /* answered once the backend has the device open */
  if (door->mux)
    complete_open (client);
}

static void
process_ctl (Client     *client,
             QmiMessage *msg)
{
  IdgQmiRequestInfo info = { 0 };
  guint16 id = qmi_message_get_message_id (msg);

  info.service = IDG_QMI_SERVICE_CTL;
  info.message_id = id;
  info.transaction_id = qmi_message_get_transaction_id (msg);
  if (id != CTL_PROXY_OPEN && id != CTL_SYNC && door_of (client)->n_ctl >= CTL_IN_FLIGHT_MAX) {
    client_send_error (client, msg->data, msg->len, ERROR_INSUFFICIENT_RESOURCES);
    return;
  }
  switch (id) {
  case CTL_PROXY_OPEN:
    process_proxy_open (client, msg);
    return;
  case CTL_ALLOCATE_CID:
    if (client->cids->len >= CIDS_MAX) {
      client_send_error (client, msg->data, msg->len, ERROR_CLIENT_IDS_EXHAUSTED);
      return;
    }
    forward (client, msg, &info);
    return;
  case CTL_SYNC:
    /* a sync releases every client id on the device: not one client's call */
    answer_success (client, msg);
    return;
  case CTL_RELEASE_CID: {
    const guint8 *v;
    guint16 n = 0;
    gint i = -1;

    v = qmi_message_get_raw_tlv (msg, 0x01, &n);
    if (v && n == 2)
      i = client_find_cid (client, v[0], v[1]);
    if (i < 0) {
      client_send_error (client, msg->data, msg->len, ERROR_INVALID_CLIENT_ID);
      return;
    }
    g_array_remove_index (client->cids, (guint) i);
    forward (client, msg, &info);
    return;
  }
  default:
    forward (client, msg, &info);
    return;
  }
}

static void
process_service (Client     *client,
                 QmiMessage *msg)
{
  IdgDoorQmi *door = door_of (client);
  IdgQmiRequestInfo info;
  IdgQmiVerdict verdict;
  IdgGuard guard;

  if (client_find_cid (client, qmi_message_get_service (msg), qmi_message_get_client_id (msg)) < 0) {
    client_send_error (client, msg->data, msg->len, ERROR_INVALID_CLIENT_ID);
    return;
  }
  if (g_hash_table_contains (client->pending,
                             GUINT_TO_POINTER (request_key (qmi_message_get_service (msg),
                                                            qmi_message_get_client_id (msg),
                                                            qmi_message_get_transaction_id (msg))))) {
    /* two answers with one id could not be told apart */
    client_send_error (client, msg->data, msg->len, ERROR_INVALID_TRANSACTION_ID);
    return;
  }
  idg_broker_guard_begin (door->base.broker, client->base.identity, &guard);
  verdict = idg_qmi_filter_request (msg->data, msg->len, &guard, &info);
  idg_broker_guard_end (door->base.broker, client->base.identity, IDG_DOOR_QMI, &guard);
  switch (verdict) {
  case IDG_QMI_VERDICT_PASS:
    forward (client, msg, &info);
    return;
  case IDG_QMI_VERDICT_REFUSE:
    client_send_error (client, msg->data, msg->len, info.error);
    return;
  case IDG_QMI_VERDICT_DROP:
    client_send_error (client, msg->data, msg->len, IDG_QMI_ERROR_MALFORMED_MESSAGE);
    return;
  }
}

/* One canonical request (idg_qmi_canon_next). FALSE if the client was
 * dropped. */
static gboolean
process_frame (Client       *client,
               const guint8 *data,
               gsize         len)
{
  g_autoptr(GByteArray) raw = g_byte_array_sized_new ((guint) len);
  g_autoptr(QmiMessage) msg = NULL;
  g_autoptr(GError) error = NULL;

  if (client->base.close_after_flush)
    return TRUE;
  /* libqmi's reading of it too: the door forwards nothing libqmi (and so
   * the device code path) would read differently */
  g_byte_array_append (raw, data, (guint) len);
  msg = qmi_message_new_from_raw (raw, &error);
  if (!msg || raw->len != 0 || !qmi_message_is_request (msg)) {
    if (!client->opened) {
      client_drop (client, "not a QMI request");
      return FALSE;
    }
    client_send_error (client, data, len, IDG_QMI_ERROR_MALFORMED_MESSAGE);
    return client->base.door != NULL;
  }
  if (!client->opened) {
    if (qmi_message_get_service (msg) != QMI_SERVICE_CTL ||
        qmi_message_get_message_id (msg) != CTL_PROXY_OPEN ||
        client->pending_open) {
      client_drop (client, "first request is not a proxy open");
      return FALSE;
    }
    process_proxy_open (client, msg);
  } else if (qmi_message_get_service (msg) == QMI_SERVICE_CTL) {
    process_ctl (client, msg);
  } else {
    process_service (client, msg);
  }
  return client->base.door != NULL;
}

/* Bytes from the client (the framework's read loop holds a reference). */
static void
client_received (IdgDoorClient *base,
                 const guint8  *data,
                 gsize          len)
{
  Client *client = (Client *) (gpointer) base;
  g_autoptr(GByteArray) canon = NULL;

  g_byte_array_append (client->in, data, (guint) len);
  canon = g_byte_array_new ();   /* one for every frame of this read */
  while (client->base.door && client->in->len > 0) {
    gsize used = 0;
    IdgQmiCanon c = idg_qmi_canon_next (client->in->data, client->in->len, &used, canon);

    if (c == IDG_QMI_CANON_MORE)
      break;
    if (c == IDG_QMI_CANON_BROKEN) {
      client_drop (client, "framing error");
      break;
    }
    if (c == IDG_QMI_CANON_REFUSE) {
      /* before a proxy open nothing is owed an answer */
      if (!client->opened) {
        client_drop (client, "not a QMI request");
        break;
      }
      client_send (client, canon->data, canon->len);
    } else if (!process_frame (client, canon->data, canon->len)) {
      break;
    }
    if (!client->base.door)
      break;
    g_byte_array_remove_range (client->in, 0, (guint) used);
  }
}

/*****************************************************************************/
/* Indications */

static void
indication_cb (const guint8       *raw,
               gsize               len,
               const IdgQmiHeader *h,
               gpointer            user_data)
{
  IdgDoorQmi *door = user_data;
  guint8 service = h->service;
  guint8 cid = h->client_id;
  GList *l, *next;

  if (service == QMI_SERVICE_CTL)
    return;
  for (l = door->base.clients.head; l; l = next) {
    Client *client = l->data;
    g_autoptr(GByteArray) frame = NULL;
    IdgGuard guard;
    IdgQmiVerdict verdict;

    next = l->next;
    if (!client->opened)
      continue;
    if (cid == CID_BROADCAST ? !client_has_service (client, service)
                             : client_find_cid (client, service, cid) < 0)
      continue;
    frame = g_byte_array_sized_new ((guint) len);
    g_byte_array_append (frame, raw, (guint) len);
    idg_broker_guard_begin (door->base.broker, client->base.identity, &guard);
    verdict = idg_qmi_filter_response (frame->data, frame->len, NULL, &guard);
    idg_broker_guard_end (door->base.broker, client->base.identity, IDG_DOOR_QMI, &guard);
    if (verdict == IDG_QMI_VERDICT_PASS)
      client_send (client, frame->data, frame->len);
  }
}

static const IdgQmuxDoorFuncs mux_funcs = { response_cb, indication_cb };

static void
port_changed_cb (IdgModem *modem,
                 IdgQmux  *mux,
                 gpointer  user_data)
{
  IdgDoorQmi *door = user_data;
  GList *l, *next;

  if (door->mux) {
    idg_qmux_set_door (door->mux, NULL, NULL);
    door->mux = NULL;
    requests_clear (door);
    /* client ids of the old port mean nothing on a new one */
    for (l = door->base.clients.head; l; l = next) {
      Client *client = l->data;

      next = l->next;
      if (client->opened)
        client_drop (client, "modem went away");
    }
  }
  if (!mux)
    return;
  door->mux = mux;
  idg_qmux_set_door (mux, &mux_funcs, door);
  for (l = door->base.clients.head; l; l = next) {
    Client *client = l->data;

    next = l->next;
    if (client->pending_open)
      complete_open (client);
  }
}

/*****************************************************************************/
/* Listening */

static void
client_init (IdgDoorClient *base)
{
  Client *client = (Client *) (gpointer) base;

  client->in = g_byte_array_new ();
  client->cids = g_array_new (FALSE, FALSE, sizeof (Cid));
  client->pending = g_hash_table_new (g_direct_hash, g_direct_equal);
}

static void
client_finalize (IdgDoorClient *base)
{
  Client *client = (Client *) (gpointer) base;

  g_clear_pointer (&client->in, g_byte_array_unref);
  g_clear_pointer (&client->cids, g_array_unref);
  g_clear_pointer (&client->pending, g_hash_table_unref);
  g_clear_pointer (&client->pending_open, qmi_message_unref);
}

static const IdgDoorClientClass client_class = {
  .client_size = sizeof (Client),
  .read_chunk = READ_CHUNK,
  .out_cap = OUT_QUEUE_MAX,
  .init = client_init,
  .received = client_received,
  .dropped = client_dropped,
  .finalize = client_finalize,
};

IdgDoorQmi *
idg_door_qmi_new (IdgBroker    *broker,
                  IdgModemQmi  *modem,
                  const gchar  *abstract_name,
                  int           listen_fd,
                  GError      **error)
{
  IdgDoorQmi *door;
  IdgQmux *mux;

  door = g_new0 (IdgDoorQmi, 1);
  idg_door_init (&door->base, broker, IDG_DOOR_QMI, &client_class);
  if (!idg_door_listen (&door->base, abstract_name, listen_fd, error)) {
    g_free (door);
    return NULL;
  }
  door->modem = modem;
  door->door_trids = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_queue_init (&door->in_flight);
  /* no modem: the name is held and every proxy open refused at once */
  if (!modem)
    return door;
  door->changed_id = g_signal_connect (modem, IDG_MODEM_SIGNAL_PORT_CHANGED,
                                       G_CALLBACK (port_changed_cb), door);
  mux = idg_modem_qmi_peek_qmux (modem);
  if (mux)
    port_changed_cb (IDG_MODEM (modem), mux, door);
  return door;
}

guint
idg_door_qmi_get_n_clients (IdgDoorQmi *door)
{
  return door ? idg_door_get_n_clients (&door->base) : 0;
}

void
idg_door_qmi_free (IdgDoorQmi *door)
{
  if (!door)
    return;
  if (door->modem)
    g_clear_signal_handler (&door->changed_id, door->modem);
  idg_door_clear (&door->base, "door closing");
  if (door->mux)
    idg_qmux_set_door (door->mux, NULL, NULL);
  requests_clear (door);
  g_hash_table_unref (door->door_trids);
  g_free (door);
}
