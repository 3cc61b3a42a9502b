// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The QMI door's requests to the modem (idg-door-qmi-private.h): each
 * forwarded under a transaction id of the door's own (CTL: one of the
 * multiplexer's), kept until its answer or its timeout (one sweep timer,
 * armed only while requests are in flight; a service id that timed out
 * stays quarantined on its client id), and the answer paired, filtered
 * against the request the door sent and handed back under the client's
 * own id. Client ids of a client that went are released here too.
 */
#include "idg-door-qmi-private.h"

#include <string.h>

/* a door transaction id whose request timed out: never handed out again on
 * that client id (the modem's late answer must not pair with a later
 * request; the ids wrap after 65535 requests, seconds at full load) */
static gchar quarantine_mark;
#define QUARANTINE ((gpointer) &quarantine_mark)


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
void
idg_qmi_requests_clear (IdgDoorQmi *door)
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

void
idg_qmi_requests_release_cid (IdgDoorQmi *door,
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
 * Allocate CID response, read with libqmi's message and TLV readers (the
 * result TLV 0x02: status and error both 0): FALSE if the response is not
 * one. Rare (a client's allocation): off the hot path. libqmi 1.32 installs
 * no CTL message API (qmi_message_ctl_allocate_cid_response_parse is
 * internal to it), so the TLVs are named here. */
static gboolean
allocation_of (const guint8 *frame,
               gsize         len,
               Cid          *out)
{
  g_autoptr(GByteArray) raw = g_byte_array_sized_new ((guint) len);
  g_autoptr(QmiMessage) msg = NULL;
  guint16 status = 1, error = 1, n = 0;
  gsize init, off = 0;

  g_byte_array_append (raw, frame, (guint) len);
  msg = qmi_message_new_from_raw (raw, NULL);
  if (!msg)
    return FALSE;
  init = qmi_message_tlv_read_init (msg, 0x02, &n, NULL);
  if (init == 0 || n != 4 ||
      !qmi_message_tlv_read_guint16 (msg, init, &off, QMI_ENDIAN_LITTLE, &status, NULL) ||
      !qmi_message_tlv_read_guint16 (msg, init, &off, QMI_ENDIAN_LITTLE, &error, NULL) ||
      status != 0 || error != 0)
    return FALSE;
  off = 0;
  init = qmi_message_tlv_read_init (msg, 0x01, &n, NULL);
  if (init == 0 || n != 2 ||
      !qmi_message_tlv_read_guint8 (msg, init, &off, &out->service, NULL) ||
      !qmi_message_tlv_read_guint8 (msg, init, &off, &out->cid, NULL))
    return FALSE;
  return out->service != IDG_QMI_SERVICE_CTL;
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
      idg_qmi_requests_release_cid (door, c.service, c.cid);
    return;
  }
  if (req->info.service == IDG_QMI_SERVICE_CTL) {
    idg_qmi_canon_set_transaction_id (rsp, len, req->ctl_trid);
    if (req->info.message_id == CTL_ALLOCATE_CID && allocation_of (rsp, len, &c) &&
        idg_door_qmi_client_find_cid (client, c.service, c.cid) < 0)
      g_array_append_val (client->cids, c);
    idg_door_qmi_client_send (client, rsp, len);
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
      idg_door_qmi_client_send (client, rsp, len);
    else
      idg_door_qmi_client_send_error (client, req->header, sizeof req->header,
                         IDG_QMI_ERROR_MALFORMED_MESSAGE);
  }
}

/* From the multiplexer: a response the door may have asked for. */
gboolean
idg_qmi_requests_response (guint8             *frame,
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

void
idg_qmi_requests_forward (Client                  *client,
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
    idg_door_qmi_client_send_error (client, msg->data, msg->len, ERROR_INSUFFICIENT_RESOURCES);
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
      idg_door_qmi_client_send_error (client, msg->data, msg->len, ERROR_INSUFFICIENT_RESOURCES);
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
