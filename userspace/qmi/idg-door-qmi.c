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
 * The requests to the modem (ids, timeouts, pairing of answers) are
 * idg-qmi-requests.c; this file holds the clients and their judgement.
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
#include "idg-door-qmi-private.h"
#include "idg-personal.h"

#include <string.h>

/*****************************************************************************/
/* Clients */

gint
idg_door_qmi_client_find_cid (Client *client,
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
void
idg_door_qmi_client_send (Client *client,
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

void
idg_door_qmi_client_send_error (Client       *client,
                                const guint8 *request,
                                gsize         len,
                                guint16       error)
{
  g_autoptr(GByteArray) rsp = idg_qmi_filter_error_response (request, len, error);

  if (rsp)
    idg_door_qmi_client_send (client, rsp->data, rsp->len);
}

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

    idg_qmi_requests_release_cid ((IdgDoorQmi *) (gpointer) door_base, c->service, c->cid);
  }
  g_array_set_size (client->cids, 0);
}

/*****************************************************************************/
/* Client requests */

static void
answer_success (Client     *client,
                QmiMessage *msg)
{
  g_autoptr(QmiMessage) rsp = qmi_message_response_new (msg, QMI_PROTOCOL_ERROR_NONE);

  idg_door_qmi_client_send (client, rsp->data, rsp->len);
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
    idg_door_qmi_client_send_error (client, msg->data, msg->len, IDG_QMI_ERROR_ACCESS_DENIED);
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
    idg_door_qmi_client_send_error (client, msg->data, msg->len, ERROR_INSUFFICIENT_RESOURCES);
    return;
  }
  switch (id) {
  case CTL_PROXY_OPEN:
    process_proxy_open (client, msg);
    return;
  case CTL_ALLOCATE_CID:
    if (client->cids->len >= CIDS_MAX) {
      idg_door_qmi_client_send_error (client, msg->data, msg->len, ERROR_CLIENT_IDS_EXHAUSTED);
      return;
    }
    idg_qmi_requests_forward (client, msg, &info);
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
      i = idg_door_qmi_client_find_cid (client, v[0], v[1]);
    if (i < 0) {
      idg_door_qmi_client_send_error (client, msg->data, msg->len, ERROR_INVALID_CLIENT_ID);
      return;
    }
    g_array_remove_index (client->cids, (guint) i);
    idg_qmi_requests_forward (client, msg, &info);
    return;
  }
  default:
    idg_qmi_requests_forward (client, msg, &info);
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

  if (idg_door_qmi_client_find_cid (client, qmi_message_get_service (msg), qmi_message_get_client_id (msg)) < 0) {
    idg_door_qmi_client_send_error (client, msg->data, msg->len, ERROR_INVALID_CLIENT_ID);
    return;
  }
  if (g_hash_table_contains (client->pending,
                             GUINT_TO_POINTER (request_key (qmi_message_get_service (msg),
                                                            qmi_message_get_client_id (msg),
                                                            qmi_message_get_transaction_id (msg))))) {
    /* two answers with one id could not be told apart */
    idg_door_qmi_client_send_error (client, msg->data, msg->len, ERROR_INVALID_TRANSACTION_ID);
    return;
  }
  idg_broker_guard_begin (door->base.broker, client->base.identity, &guard);
  verdict = idg_qmi_filter_request (msg->data, msg->len, &guard, &info);
  idg_broker_guard_end (door->base.broker, client->base.identity, IDG_DOOR_QMI, &guard);
  switch (verdict) {
  case IDG_QMI_VERDICT_PASS:
    idg_qmi_requests_forward (client, msg, &info);
    return;
  case IDG_QMI_VERDICT_REFUSE:
    idg_door_qmi_client_send_error (client, msg->data, msg->len, info.error);
    return;
  case IDG_QMI_VERDICT_DROP:
    idg_door_qmi_client_send_error (client, msg->data, msg->len, IDG_QMI_ERROR_MALFORMED_MESSAGE);
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
    idg_door_qmi_client_send_error (client, data, len, IDG_QMI_ERROR_MALFORMED_MESSAGE);
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
      idg_door_qmi_client_send (client, canon->data, canon->len);
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
                             : idg_door_qmi_client_find_cid (client, service, cid) < 0)
      continue;
    frame = g_byte_array_sized_new ((guint) len);
    g_byte_array_append (frame, raw, (guint) len);
    idg_broker_guard_begin (door->base.broker, client->base.identity, &guard);
    verdict = idg_qmi_filter_response (frame->data, frame->len, NULL, &guard);
    idg_broker_guard_end (door->base.broker, client->base.identity, IDG_DOOR_QMI, &guard);
    if (verdict == IDG_QMI_VERDICT_PASS)
      idg_door_qmi_client_send (client, frame->data, frame->len);
  }
}

static const IdgQmuxDoorFuncs mux_funcs = { idg_qmi_requests_response, indication_cb };

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
    idg_qmi_requests_clear (door);
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
  idg_door_follow (&door->base, modem, IDG_MODEM_SIGNAL_PORT_CHANGED,
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
  idg_door_clear (&door->base, "door closing");
  if (door->mux)
    idg_qmux_set_door (door->mux, NULL, NULL);
  idg_qmi_requests_clear (door);
  g_hash_table_unref (door->door_trids);
  g_free (door);
}
