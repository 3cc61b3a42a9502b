/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MBIM door: a consent-aware drop-in for libmbim's mbim-proxy on an
 * abstract unix socket ("mbim-proxy"). It speaks what libmbim clients
 * expect of the proxy:
 *  - Proxy Control Configuration (838cf7fb-..., CID 1, set: DevicePath,
 *    Timeout) first; the path must be one of the broker's MBIM ports; the
 *    answer waits (up to the timeout) for the backend's device;
 *  - OPEN and CLOSE answered here, the modem stays open;
 *  - commands judged whole (fragments reassembled, idg-mbim-reasm.c) and
 *    forwarded as the filter re-encoded them, never as the client wrote
 *    them, straight to the modem's port through the MBIM multiplexer
 *    (idg-mbim-mux.h: no MbimDevice transaction per command) under a
 *    transaction id of the door's own range (unique: 2^31 of them); a
 *    command the modem does not answer within COMMAND_TIMEOUT_SECS is given
 *    up (one sweep timer, armed only while commands are in flight) and the
 *    backend checks the modem; the answer is filtered against the
 *    request the door sent and given back under the client's own id; a
 *    client reusing an id it has in flight gets a DUPLICATED_TID function
 *    error; messages to a client are fragmented at the max control
 *    transfer it asked for in its OPEN (client_queue: the one way out to
 *    a client);
 *  - Device Service Subscribe List kept per client, the union with the
 *    standard list set on the modem, indications delivered per each
 *    client's list (a new client has the standard list, which holds
 *    Subscriber Ready Status);
 *  - the MBIMEx version agreed by a client is set on the device and
 *    announced to every client (Proxy Control Version indication).
 * The proxy configuration, the version and the subscribe lists are the
 * door's control plane, idg-mbim-control.c.
 * Every response and indication passes the MBIM filter with the guard of
 * the client it goes to, made at that instant (a revoke takes effect at the
 * next message). Listening, the connect policy, the client's lifecycle,
 * its read loop and its bounded, non-blocking output queue are the door
 * framework's (userspace/door/idg-door-client.h); a client that sends garbage, lies about lengths,
 * sends oversized messages or lets its queue grow too long is dropped
 * alone.
 */
#include "idg-door-mbim-private.h"
#include "idg-encoding.h"
#include "idg-personal.h"

#include <string.h>
#include <gio/gio.h>

/* --- client output ------------------------------------------------------- */

static void
queue_piece (Client       *client,
             const guint8 *data,
             gsize         len)
{
  if (!idg_door_queue_push (&client->base.out, data, len))
    client_drop (client, "output queue full");
}

/* Queue one complete message, fragmented at the client's max control
 * transfer when it is a COMMAND_DONE or INDICATE_STATUS too big for it.
 * The one way out to a client: every message a client gets passes here
 * whole (filtered answers, refusals, errors, OPEN/CLOSE_DONE, proxy
 * indications), before it is cut into fragments: the place for the
 * value tripwire (idg_broker_guard_scan). */
void
idg_door_mbim_client_queue (Client       *client,
              const guint8 *data,
              gsize         len)
{
  guint32 type;
  gsize chunk, n, i, from;
  g_autofree guint8 *out = NULL;
  gchar route[24] = "?";

  if (!client->base.door || len < IDG_MBIM_HEADER_LEN)
    return;
  type = idg_mbim_read_u32 (data);
  /* the value tripwire, after the filter, on every message (tunnels too)
   * before it is cut: the information buffer, not the header with the
   * client's transaction id */
  from = MIN (len, 12);
  if ((type == 0x80000003u && len >= 48) || (type == TYPE_INDICATE_STATUS && len >= 44)) {
    static const gchar hex[] = "0123456789abcdef";
    guint32 cid = idg_mbim_read_u32 (data + 36);
    gchar digits[10];
    guint j, nd = 0, at = 0;

    /* "%02x%02x%02x%02x/%u": the service's first bytes and the CID,
     * without printf per message */
    from = type == 0x80000003u ? 48 : 44;
    for (j = 20; j < 24; j++) {
      route[at++] = hex[data[j] >> 4];
      route[at++] = hex[data[j] & 0xF];
    }
    route[at++] = '/';
    do {
      digits[nd++] = (gchar) ('0' + cid % 10);
      cid /= 10;
    } while (cid != 0);
    while (nd > 0)
      route[at++] = digits[--nd];
    route[at] = '\0';
  }
  out = g_memdup2 (data, len);
  idg_broker_guard_scan (client->base.door->broker, client->base.identity, NULL, IDG_DOOR_MBIM, route,
                         out + from, len - from);
  data = out;
  if (len <= client->max_transfer || len < 20 ||
      (type != 0x80000003u && type != TYPE_INDICATE_STATUS)) {
    /* one piece: written at once when nothing waits */
    idg_door_client_send (&client->base, data, len);
    return;
  } else {
    chunk = client->max_transfer - 20;
    n = (len - 20 + chunk - 1) / chunk;
    for (i = 0; i < n && client->base.door; i++) {
      gsize off = 20 + i * chunk;
      gsize dl = MIN (chunk, len - off);
      g_autofree guint8 *f = g_malloc (20 + dl);

      memcpy (f, data, 20);
      idg_mbim_write_u32 (f + 4, (guint32) (20 + dl));
      idg_mbim_write_u32 (f + 12, (guint32) n);
      idg_mbim_write_u32 (f + 16, (guint32) i);
      memcpy (f + 20, data + off, dl);
      queue_piece (client, f, 20 + dl);
    }
  }
  if (client->base.door && !idg_door_queue_flush (&client->base.out))
    client_drop (client, "write failed");
}

void
idg_door_mbim_client_queue_message (Client      *client,
                      MbimMessage *message)
{
  guint32 len = 0;
  const guint8 *raw = mbim_message_get_raw (message, &len, NULL);

  if (raw)
    idg_door_mbim_client_queue (client, raw, len);
}

/* Filter a modem message for this client at this instant and queue it.
 * msg is the client's own copy (filtered in place). FALSE if the filter
 * said drop. */
static gboolean
client_deliver (Client            *client,
                guint8            *msg,
                gsize              len,
                const IdgMbimNote *note)
{
  IdgDoorMbim *door = door_of (client);
  IdgGuard guard;
  IdgMbimVerdict verdict;
  guint major = door->device ? mbim_device_get_ms_mbimex_version (door->device, NULL) : 0;

  idg_broker_guard_begin (door->base.broker, client->base.identity, &guard);
  verdict = idg_mbim_filter_reply (msg, len, note, major, &guard);
  idg_broker_guard_end (door->base.broker, client->base.identity, IDG_DOOR_MBIM, &guard);
  if (verdict != IDG_MBIM_PASS)
    return FALSE;
  idg_door_mbim_client_queue (client, msg, len);
  return TRUE;
}

/* --- requests ------------------------------------------------------------ */

void
idg_door_mbim_request_free (Request *r)
{
  if (r->door != NULL) {
    g_queue_delete_link (&r->door->pending, r->link);
    g_hash_table_remove (r->door->requests, GUINT_TO_POINTER (r->door_tid));
  }
  g_hash_table_remove (r->client->in_flight, GUINT_TO_POINTER (r->tid));
  g_byte_array_unref (r->request);
  client_unref (r->client);
  g_free (r);
}

void
idg_door_mbim_answer_status (Client       *client,
               const guint8 *req,
               gsize         len,
               guint32       status)
{
  g_autoptr(GByteArray) done = idg_mbim_build_command_done (req, len, status);

  idg_door_mbim_client_queue (client, done->data, done->len);
}

/* The door's commands with no answer after COMMAND_TIMEOUT_SECS: given up
 * (as mbim-proxy: the client's own timeout tells it); the backend checks
 * whether the modem is still there. */
static gboolean
sweep_cb (gpointer user_data)
{
  IdgDoorMbim *door = user_data;
  gint64 limit = g_get_monotonic_time () - (gint64) COMMAND_TIMEOUT_SECS * G_USEC_PER_SEC;
  gboolean expired = FALSE;

  while (!g_queue_is_empty (&door->pending)) {
    Request *r = g_queue_peek_head (&door->pending);

    if (r->sent > limit)
      break;
    g_debug ("mbim door: client %" G_GUINT64_FORMAT ": no answer", r->client->base.id);
    idg_door_mbim_request_free (r);
    expired = TRUE;
  }
  if (expired)
    idg_modem_mbim_check (door->modem);
  if (!g_queue_is_empty (&door->pending))
    return G_SOURCE_CONTINUE;
  door->sweep_id = 0;
  return G_SOURCE_REMOVE;
}

/* Every command in flight is given up (the modem went away, the door
 * closes). */
static void
requests_clear (IdgDoorMbim *door)
{
  while (!g_queue_is_empty (&door->pending))
    idg_door_mbim_request_free (g_queue_peek_head (&door->pending));
  g_clear_handle_id (&door->sweep_id, g_source_remove);
}

/* From the multiplexer: the modem's whole answer to a command of the door's
 * (a COMMAND_DONE, or a FUNCTION_ERROR). */
static void
response_cb (guint8   *msg,
             gsize     len,
             gpointer  user_data)
{
  IdgDoorMbim *door = user_data;
  Request *r = g_hash_table_lookup (door->requests, GUINT_TO_POINTER (idg_mbim_read_u32 (msg + 8)));
  Client *client;

  if (r == NULL)
    return;   /* given up, or its client is gone */
  client = client_ref (r->client);
  if (!client->base.door) {
    idg_door_mbim_request_free (r);
    client_unref (client);
    return;
  }
  if (idg_mbim_read_u32 (msg) != 0x80000003u) {
    /* the modem's function error, under the client's id */
    g_autoptr(MbimMessage) ferr = mbim_message_function_error_new (
        r->tid, len >= 16 ? (MbimProtocolError) idg_mbim_read_u32 (msg + 12) : MBIM_PROTOCOL_ERROR_UNKNOWN);

    idg_door_mbim_client_queue_message (client, ferr);
    idg_door_mbim_request_free (r);
    client_unref (client);
    return;
  }
  idg_mbim_control_see_answer (door, msg, len);
  /* the multiplexer's buffer is the door's now: filtered in place */
  idg_mbim_write_u32 (msg + 8, r->tid);
  if (client->base.door && !client_deliver (client, msg, len, &r->note) && client->base.door)
    idg_door_mbim_answer_status (client, r->request->data, r->request->len, MBIM_STATUS_ERROR_FAILURE);
  idg_door_mbim_request_free (r);
  client_unref (client);
}

Request *
idg_door_mbim_request_new (Client       *client,
             const guint8 *msg,
             gsize         len)
{
  Request *r = g_new (Request, 1);

  /* zeroed up to the note's AT line, which is read only up to at_len */
  memset (r, 0, G_STRUCT_OFFSET (Request, note) + G_STRUCT_OFFSET (IdgMbimNote, at_line));
  r->note.at_line[0] = '\0';
  r->client = client_ref (client);
  r->tid = idg_mbim_read_u32 (msg + 8);
  g_hash_table_add (client->in_flight, GUINT_TO_POINTER (r->tid));
  r->request = g_byte_array_sized_new (len);
  g_byte_array_append (r->request, msg, len);
  return r;
}

/* The request goes to the modem as the filter re-encoded it, under a
 * transaction id of the MbimDevice (unique while in flight; libmbim pairs
 * the answer with it); the Request keeps what the filter noted about it,
 * so the answer is judged against the request the door sent, never against
 * what a client's transaction id might say. */
static void
forward_command (Client       *client,
                 const guint8 *msg,
                 gsize         len)
{
  IdgDoorMbim *door = door_of (client);
  g_autoptr(GByteArray) forward = g_byte_array_new ();
  IdgGuard guard;
  IdgMbimVerdict verdict;
  Request *r;

  r = idg_door_mbim_request_new (client, msg, len);
  idg_broker_guard_begin (door->base.broker, client->base.identity, &guard);
  verdict = idg_mbim_filter_request (msg, len, &guard, &r->note, forward);
  idg_broker_guard_end (door->base.broker, client->base.identity, IDG_DOOR_MBIM, &guard);
  switch (verdict) {
  case IDG_MBIM_PASS:
    break;
  case IDG_MBIM_REFUSE: {
    g_autoptr(GByteArray) refusal = idg_mbim_filter_refusal (msg, len, &r->note);

    idg_door_mbim_client_queue (client, refusal->data, refusal->len);
    idg_door_mbim_request_free (r);
    return;
  }
  case IDG_MBIM_DROP:
    idg_door_mbim_request_free (r);
    client_drop (client, "malformed command");
    return;
  }
  if (!door->mux) {
    g_autoptr(MbimMessage) ferr = mbim_message_function_error_new (r->tid, MBIM_PROTOCOL_ERROR_NOT_OPENED);

    idg_door_mbim_client_queue_message (client, ferr);
    idg_door_mbim_request_free (r);
    return;
  }
  r->door = door;
  r->door_tid = idg_mbim_mux_next_tid (door->mux);
  r->sent = g_get_monotonic_time ();
  g_queue_push_tail (&door->pending, r);
  r->link = g_queue_peek_tail_link (&door->pending);
  g_hash_table_insert (door->requests, GUINT_TO_POINTER (r->door_tid), r);
  if (door->sweep_id == 0)
    door->sweep_id = g_timeout_add_seconds (SWEEP_SECS, sweep_cb, door);
  idg_mbim_write_u32 (forward->data + 8, r->door_tid);
  idg_mbim_mux_send (door->mux, forward->data, forward->len);
}

/* --- proxy control ------------------------------------------------------- */

/* --- client input -------------------------------------------------------- */

/* A complete COMMAND (after reassembly). */
static void
handle_command (Client       *client,
                const guint8 *msg,
                gsize         len)
{
  const MbimUuid *service;
  guint32 cid;

  if (len < IDG_MBIM_COMMAND_BUFFER ||
      idg_mbim_read_u32 (msg + 44) != len - IDG_MBIM_COMMAND_BUFFER) {
    client_drop (client, "command with a lying length");
    return;
  }
  service = (const MbimUuid *) (gconstpointer) (msg + 20);
  cid = idg_mbim_read_u32 (msg + 36);
  if (mbim_uuid_cmp (service, MBIM_UUID_PROXY_CONTROL)) {
    if (cid == MBIM_CID_PROXY_CONTROL_CONFIGURATION)
      idg_mbim_control_configure (client, msg, len);
    else
      idg_door_mbim_answer_status (client, msg, len, MBIM_STATUS_ERROR_NO_DEVICE_SUPPORT);
    return;
  }
  if (!client->configured) {
    g_autoptr(MbimMessage) ferr = mbim_message_function_error_new (idg_mbim_read_u32 (msg + 8),
                                                                   MBIM_PROTOCOL_ERROR_NOT_OPENED);

    idg_door_mbim_client_queue_message (client, ferr);
    return;
  }
  if (g_hash_table_contains (client->in_flight, GUINT_TO_POINTER (idg_mbim_read_u32 (msg + 8)))) {
    /* two answers with one id: the client could not tell them apart */
    g_autoptr(MbimMessage) ferr = mbim_message_function_error_new (idg_mbim_read_u32 (msg + 8),
                                                                   MBIM_PROTOCOL_ERROR_DUPLICATED_TID);

    idg_door_mbim_client_queue_message (client, ferr);
    return;
  }
  if (mbim_uuid_cmp (service, MBIM_UUID_BASIC_CONNECT) &&
      cid == MBIM_CID_BASIC_CONNECT_DEVICE_SERVICE_SUBSCRIBE_LIST &&
      idg_mbim_read_u32 (msg + 40) == 1) {
    idg_mbim_control_subscribe (client, msg, len);
    return;
  }
  forward_command (client, msg, len);
}

static void
handle_message (Client       *client,
                const guint8 *msg,
                gsize         len)
{
  guint32 type = idg_mbim_read_u32 (msg);
  guint32 tid = idg_mbim_read_u32 (msg + 8);

  switch (type) {
  case TYPE_OPEN: {
    g_autoptr(MbimMessage) done = NULL;
    guint32 max;

    if (len != 16) {
      client_drop (client, "bad OPEN");
      return;
    }
    max = idg_mbim_read_u32 (msg + 12);
    client->max_transfer = CLAMP (max, MIN_TRANSFER, MAX_CLIENT_FRAGMENT);
    done = mbim_message_open_done_new (tid, (client->configured && door_of (client)->device)
                                            ? MBIM_STATUS_ERROR_NONE : MBIM_STATUS_ERROR_FAILURE);
    idg_door_mbim_client_queue_message (client, done);
    return;
  }
  case TYPE_CLOSE: {
    g_autoptr(MbimMessage) done = mbim_message_close_done_new (tid, MBIM_STATUS_ERROR_NONE);

    idg_door_mbim_client_queue_message (client, done);
    return;
  }
  case TYPE_COMMAND:
    handle_command (client, msg, len);
    return;
  case TYPE_HOST_ERROR:
    return;
  default:
    client_drop (client, "not a host message");
    return;
  }
}

static void
parse_input (Client *client)
{
  g_autoptr(GByteArray) msg = g_byte_array_new ();
  const gchar *why = NULL;

  while (client->base.door) {
    switch (idg_mbim_reasm_next (&client->reasm, msg, &why)) {
    case IDG_MBIM_REASM_MORE:
      return;
    case IDG_MBIM_REASM_BROKEN:
      client_drop (client, why);
      return;
    case IDG_MBIM_REASM_MESSAGE:
      handle_message (client, msg->data, msg->len);
      break;
    }
  }
}

/* Bytes from the client (the framework's read loop holds a reference). */
static void
client_received (IdgDoorClient *base,
                 const guint8  *data,
                 gsize          len)
{
  Client *client = (Client *) (gpointer) base;

  idg_mbim_reasm_push (&client->reasm, data, len);
  parse_input (client);
}

/* The framework dropped the client (its socket closed, its pending answers
 * discarded from now on): its configuration wait ends. */
static void
client_dropped (IdgDoorClient *base,
                IdgDoor       *door)
{
  Client *client = (Client *) (gpointer) base;

  g_clear_handle_id (&client->config_timer, g_source_remove);
}

/* --- the modem ----------------------------------------------------------- */

static void
indication_cb (guint8   *raw,
               gsize     len,
               gpointer  user_data)
{
  IdgDoorMbim *door = user_data;
  const MbimUuid *service;
  guint32 cid;
  GList *l, *copy;

  if (len < 44)
    return;
  service = (const MbimUuid *) (gconstpointer) (raw + 20);
  cid = idg_mbim_read_u32 (raw + 36);
  copy = g_list_copy_deep (door->base.clients.head, (GCopyFunc) (GCallback) client_ref, NULL);
  for (l = copy; l; l = l->next) {
    Client *c = l->data;

    if (c->base.door && c->configured && idg_mbim_subs_match (c->subs, service, cid)) {
      g_autoptr(GByteArray) mine = g_byte_array_sized_new ((guint) len);

      g_byte_array_append (mine, raw, (guint) len);
      client_deliver (c, mine->data, mine->len, NULL);
    }
  }
  g_list_free_full (copy, (GDestroyNotify) client_unref);
}

/* Indications come from the backend's device, not from the multiplexer:
 * the backend's own handler (connected first) has then taken a SIM swap's
 * new values into the broker before the door filters the indication with
 * them, as before the multiplexer. They are rare: the device's cost does
 * not matter here. */
static void
device_indication_cb (MbimDevice  *device,
                      MbimMessage *message,
                      IdgDoorMbim *door)
{
  guint32 len = 0;
  const guint8 *raw = mbim_message_get_raw (message, &len, NULL);
  g_autofree guint8 *copy = NULL;

  if (!raw)
    return;
  copy = g_memdup2 (raw, len);
  indication_cb (copy, len, door);
}

static const IdgMbimMuxDoorFuncs mux_funcs = { response_cb, NULL };

static void
device_watch (IdgModem   *modem,
              MbimDevice *device,
              gpointer    user_data)
{
  IdgDoorMbim *door = user_data;

  if (door->device) {
    g_clear_signal_handler (&door->indication_id, door->device);
    g_clear_object (&door->device);
    if (door->mux)
      idg_mbim_mux_set_door (door->mux, NULL, NULL);
    door->mux = NULL;
    requests_clear (door);
    /* the modem went away: every client's session went with it */
    while (door->base.clients.head)
      client_drop (door->base.clients.head->data, "modem gone");
  }
  g_ptr_array_unref (door->device_subs);
  door->device_subs = idg_mbim_subs_new_standard ();
  g_clear_pointer (&door->version_ind, g_bytes_unref);
  if (device) {
    door->device = g_object_ref (device);
    door->indication_id = g_signal_connect (device, MBIM_DEVICE_SIGNAL_INDICATE_STATUS,
                                            G_CALLBACK (device_indication_cb), door);
    door->mux = idg_modem_mbim_peek_mux (door->modem);
    if (door->mux)
      idg_mbim_mux_set_door (door->mux, &mux_funcs, door);
  }
}

/* --- listening ----------------------------------------------------------- */

static void
client_init (IdgDoorClient *base)
{
  Client *client = (Client *) (gpointer) base;

  idg_mbim_reasm_init (&client->reasm);
  client->max_transfer = DEFAULT_TRANSFER;
  client->subs = idg_mbim_subs_new_standard ();
  client->in_flight = g_hash_table_new (NULL, NULL);
}

static void
client_finalize (IdgDoorClient *base)
{
  Client *client = (Client *) (gpointer) base;

  idg_mbim_reasm_clear (&client->reasm);
  g_clear_pointer (&client->pending_config, g_byte_array_unref);
  g_clear_pointer (&client->subs, g_ptr_array_unref);
  g_clear_pointer (&client->in_flight, g_hash_table_unref);
}

static const IdgDoorClientClass client_class = {
  .client_size = sizeof (Client),
  .read_chunk = 16384,
  .out_cap = MAX_CLIENT_QUEUE,
  .init = client_init,
  .received = client_received,
  .dropped = client_dropped,
  .finalize = client_finalize,
};

IdgDoorMbim *
idg_door_mbim_new (IdgBroker     *broker,
                   IdgModemMbim  *modem,
                   const gchar   *abstract_name,
                   int            listen_fd,
                   GError       **error)
{
  IdgDoorMbim *door = g_new0 (IdgDoorMbim, 1);

  idg_door_init (&door->base, broker, IDG_DOOR_MBIM, &client_class);
  if (!idg_door_listen (&door->base, abstract_name, listen_fd, error)) {
    g_free (door);
    return NULL;
  }
  door->modem = modem;
  door->device_subs = idg_mbim_subs_new_standard ();
  door->requests = g_hash_table_new (NULL, NULL);
  g_queue_init (&door->pending);
  if (modem) {
    idg_door_follow (&door->base, modem, IDG_MODEM_SIGNAL_PORT_CHANGED,
                     G_CALLBACK (device_watch), door);
    if (idg_modem_mbim_peek_device (modem))
      device_watch (IDG_MODEM (modem), idg_modem_mbim_peek_device (modem), door);
  }
  return door;
}

guint
idg_door_mbim_get_n_clients (IdgDoorMbim *door)
{
  return door ? idg_door_get_n_clients (&door->base) : 0;
}

void
idg_door_mbim_free (IdgDoorMbim *door)
{
  if (!door)
    return;
  idg_door_clear (&door->base, "door closed");
  if (door->mux)
    idg_mbim_mux_set_door (door->mux, NULL, NULL);
  requests_clear (door);
  g_hash_table_unref (door->requests);
  if (door->device)
    g_clear_signal_handler (&door->indication_id, door->device);
  g_clear_object (&door->device);
  g_ptr_array_unref (door->device_subs);
  g_clear_pointer (&door->version_ind, g_bytes_unref);
  g_free (door);
}
