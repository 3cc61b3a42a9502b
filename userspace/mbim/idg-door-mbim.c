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
 * Every response and indication passes the MBIM filter with the guard of
 * the client it goes to, made at that instant (a revoke takes effect at the
 * next message). Listening, the connect policy and each client's bounded,
 * non-blocking output queue are the doors' shared code
 * (idg-door-listener.c); a client that sends garbage, lies about lengths,
 * sends oversized messages or lets its queue grow too long is dropped
 * alone.
 */
#include "idg-door-mbim.h"
#include "idg-mbim-private.h"
#include "idg-mbim-filter.h"
#include "idg-mbim-subs.h"
#include "idg-mbim-reasm.h"
#include "idg-door-client.h"
#include "idg-encoding.h"
#include "idg-personal.h"

#include <string.h>
#include <gio/gio.h>

#define TYPE_OPEN            0x00000001u
#define TYPE_CLOSE           0x00000002u
#define TYPE_COMMAND         0x00000003u
#define TYPE_HOST_ERROR      0x00000004u
#define TYPE_OPEN_DONE       0x80000001u
#define TYPE_CLOSE_DONE      0x80000002u
#define TYPE_INDICATE_STATUS 0x80000007u

#define MAX_CLIENT_FRAGMENT  IDG_MBIM_REASM_MAX_FRAGMENT
#define MAX_CLIENT_QUEUE     (4 * 1024 * 1024)
#define DEFAULT_TRANSFER     4096
#define MIN_TRANSFER         64
#define COMMAND_TIMEOUT_SECS 120
#define CONFIG_POLL_MS       100
#define DEFAULT_CONFIG_SECS  15
#define SWEEP_SECS           10

typedef struct _Client Client;

struct _IdgDoorMbim {
  IdgDoor       base;           /* first: listener, clients */
  IdgModemMbim *modem;
  gulong        changed_id;     /* the backend's "port-changed" */
  MbimDevice   *device;
  gulong        indication_id;
  GPtrArray    *device_subs;    /* IdgMbimSub: the list last set on the modem */
  GBytes       *version_ind;    /* Proxy Control Version indication, or NULL */
  IdgMbimMux   *mux;            /* the port, set with device */
  GHashTable   *requests;       /* door transaction id -> Request in flight */
  GQueue        pending;        /* the same Requests, oldest first */
  guint         sweep_id;
};

struct _Client {
  IdgDoorClient base;          /* first: the door framework's client */
  IdgMbimReasm  reasm;         /* the input stream, cut into messages */
  gboolean      configured;
  guint32       max_transfer;
  GPtrArray    *subs;          /* IdgMbimSub */
  GByteArray   *pending_config;
  GHashTable   *in_flight;     /* the client's transaction ids in flight */
  guint         config_timer;
  gint64        config_deadline;
};

typedef struct {
  Client      *client;
  guint32      tid;
  GByteArray  *request;        /* for error answers */
  IdgDoorMbim *door;           /* set while in the door's pending */
  guint32      door_tid;       /* sent to the modem with it */
  GList       *link;           /* in the door's pending */
  gint64       sent;           /* monotonic usec */
  IdgMbimNote  note;           /* last: its AT line (2 KiB) is not zeroed */
} Request;

static void client_queue (Client *client, const guint8 *data, gsize len);

/* --- client output ------------------------------------------------------- */

IDG_DOOR_CLIENT_DEFINE_HELPERS (Client, IdgDoorMbim)

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
static void
client_queue (Client       *client,
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

static void
client_queue_message (Client      *client,
                      MbimMessage *message)
{
  guint32 len = 0;
  const guint8 *raw = mbim_message_get_raw (message, &len, NULL);

  if (raw)
    client_queue (client, raw, len);
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
  client_queue (client, msg, len);
  return TRUE;
}

/* --- requests ------------------------------------------------------------ */

static void
request_free (Request *r)
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

static void
answer_status (Client       *client,
               const guint8 *req,
               gsize         len,
               guint32       status)
{
  g_autoptr(GByteArray) done = idg_mbim_build_command_done (req, len, status);

  client_queue (client, done->data, done->len);
}

static void
announce_version (IdgDoorMbim *door,
                  guint16      mbim_version,
                  guint16      mbimex_version)
{
  guint8 m[IDG_MBIM_INDICATION_BUFFER + 4];
  GList *l, *copy;

  memset (m, 0, sizeof m);
  idg_mbim_write_u32 (m, TYPE_INDICATE_STATUS);
  idg_mbim_write_u32 (m + 4, sizeof m);
  idg_mbim_write_u32 (m + 12, 1);
  memcpy (m + 20, MBIM_UUID_PROXY_CONTROL, 16);
  idg_mbim_write_u32 (m + 36, MBIM_CID_PROXY_CONTROL_VERSION);
  idg_mbim_write_u32 (m + 40, 4);
  m[44] = (guint8) mbim_version;
  m[45] = (guint8) (mbim_version >> 8);
  m[46] = (guint8) mbimex_version;
  m[47] = (guint8) (mbimex_version >> 8);
  g_clear_pointer (&door->version_ind, g_bytes_unref);
  door->version_ind = g_bytes_new (m, sizeof m);
  copy = g_list_copy (door->base.clients.head);
  for (l = copy; l; l = l->next) {
    Client *c = l->data;

    /* a drop frees the client only from an idle: the copy stays valid */
    if (c->base.door && c->configured)
      client_queue (c, m, sizeof m);
  }
  g_list_free (copy);
}

/* What mbim-proxy does too: a client that agreed an MBIMEx version with the
 * modem sets it for everyone on the shared device. */
static void
monitor_version (IdgDoorMbim *door,
                 MbimMessage *response)
{
  guint16 mbim_version = 0, mbimex_version = 0;

  if (!door->device ||
      mbim_message_get_message_type (response) != MBIM_MESSAGE_TYPE_COMMAND_DONE ||
      mbim_message_command_done_get_service (response) != MBIM_SERVICE_MS_BASIC_CONNECT_EXTENSIONS ||
      mbim_message_command_done_get_cid (response) != MBIM_CID_MS_BASIC_CONNECT_EXTENSIONS_VERSION ||
      !mbim_message_response_get_result (response, MBIM_MESSAGE_TYPE_COMMAND_DONE, NULL) ||
      !mbim_message_ms_basic_connect_extensions_v2_version_response_parse (response, &mbim_version,
                                                                           &mbimex_version, NULL))
    return;
  mbim_device_set_ms_mbimex_version (door->device, (guint8) (mbimex_version >> 8),
                                     (guint8) (mbimex_version & 0xFF), NULL);
  announce_version (door, mbim_version, mbimex_version);
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
    request_free (r);
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
    request_free (g_queue_peek_head (&door->pending));
  g_clear_handle_id (&door->sweep_id, g_source_remove);
}

/* An MBIMEx version answer, by its header: only then parsed by libmbim. */
static gboolean
is_version_answer (const guint8 *msg,
                   gsize         len)
{
  return len >= 48 && idg_mbim_read_u32 (msg) == 0x80000003u &&
         idg_mbim_read_u32 (msg + 36) == MBIM_CID_MS_BASIC_CONNECT_EXTENSIONS_VERSION &&
         memcmp (msg + 20, mbim_uuid_from_service (MBIM_SERVICE_MS_BASIC_CONNECT_EXTENSIONS), 16) == 0;
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
    request_free (r);
    client_unref (client);
    return;
  }
  if (idg_mbim_read_u32 (msg) != 0x80000003u) {
    /* the modem's function error, under the client's id */
    g_autoptr(MbimMessage) ferr = mbim_message_function_error_new (
        r->tid, len >= 16 ? (MbimProtocolError) idg_mbim_read_u32 (msg + 12) : MBIM_PROTOCOL_ERROR_UNKNOWN);

    client_queue_message (client, ferr);
    request_free (r);
    client_unref (client);
    return;
  }
  if (is_version_answer (msg, len)) {
    g_autoptr(MbimMessage) response = mbim_message_new (msg, (guint32) len);

    monitor_version (door, response);
  }
  /* the multiplexer's buffer is the door's now: filtered in place */
  idg_mbim_write_u32 (msg + 8, r->tid);
  if (client->base.door && !client_deliver (client, msg, len, &r->note) && client->base.door)
    answer_status (client, r->request->data, r->request->len, MBIM_STATUS_ERROR_FAILURE);
  request_free (r);
  client_unref (client);
}

/* Echo the client's own list, as mbim-proxy does. */
static void
answer_subscribe (Client       *client,
                  const guint8 *req,
                  gsize         len,
                  guint32       status)
{
  g_autoptr(GByteArray) done = idg_mbim_build_command_done (req, len, status);
  guint32 blen = idg_mbim_read_u32 (req + 44);

  g_byte_array_append (done, req + IDG_MBIM_COMMAND_BUFFER, blen);
  idg_mbim_write_u32 (done->data + 4, done->len);
  idg_mbim_write_u32 (done->data + 44, blen);
  client_queue (client, done->data, done->len);
}

static void
subscribe_ready (MbimDevice   *device,
                 GAsyncResult *res,
                 Request      *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MbimMessage) response = NULL;
  guint32 status = MBIM_STATUS_ERROR_FAILURE;

  response = mbim_device_command_finish (device, res, &error);
  if (response && mbim_message_get_message_type (response) == MBIM_MESSAGE_TYPE_COMMAND_DONE)
    status = mbim_message_command_done_get_status_code (response);
  if (r->client->base.door)
    answer_subscribe (r->client, r->request->data, r->request->len, status);
  request_free (r);
}

static Request *
request_new (Client       *client,
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

static void
handle_subscribe (Client       *client,
                  const guint8 *msg,
                  gsize         len)
{
  IdgDoorMbim *door = door_of (client);
  g_autoptr(GPtrArray) mine = idg_mbim_subs_parse (msg + IDG_MBIM_COMMAND_BUFFER, len - IDG_MBIM_COMMAND_BUFFER);
  g_autoptr(GPtrArray) merged = NULL;
  g_autoptr(MbimMessage) request = NULL;
  g_autofree MbimEventEntry *entries = NULL;
  g_autofree MbimEventEntry **ptrs = NULL;
  GList *l;
  guint i;

  if (!mine) {
    answer_status (client, msg, len, MBIM_STATUS_ERROR_INVALID_PARAMETERS);
    return;
  }
  g_ptr_array_unref (client->subs);
  client->subs = g_steal_pointer (&mine);

  merged = idg_mbim_subs_new_standard ();
  for (l = door->base.clients.head; l; l = l->next) {
    Client *c = l->data;

    for (i = 0; i < c->subs->len; i++) {
      IdgMbimSub *s = g_ptr_array_index (c->subs, i);

      idg_mbim_subs_add (merged, &s->uuid, s->cids ? (const guint32 *) (gpointer) s->cids->data : NULL,
                s->cids ? s->cids->len : 0);
    }
  }
  if (!door->device || idg_mbim_subs_equal (merged, door->device_subs)) {
    /* nothing to change on the modem: answer at once */
    answer_subscribe (client, msg, len, MBIM_STATUS_ERROR_NONE);
    return;
  }

  entries = g_new0 (MbimEventEntry, merged->len);
  ptrs = g_new0 (MbimEventEntry *, merged->len + 1);
  for (i = 0; i < merged->len; i++) {
    IdgMbimSub *s = g_ptr_array_index (merged, i);

    entries[i].device_service_id = s->uuid;
    entries[i].cids_count = s->cids ? s->cids->len : 0;
    entries[i].cids = s->cids ? (guint32 *) (gpointer) s->cids->data : NULL;
    ptrs[i] = &entries[i];
  }
  request = mbim_message_device_service_subscribe_list_set_new (merged->len,
                                                                (const MbimEventEntry *const *) ptrs,
                                                                NULL);
  g_ptr_array_unref (door->device_subs);
  door->device_subs = g_steal_pointer (&merged);
  mbim_device_command (door->device, request, COMMAND_TIMEOUT_SECS, NULL,
                       (GAsyncReadyCallback) subscribe_ready, request_new (client, msg, len));
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

  r = request_new (client, msg, len);
  idg_broker_guard_begin (door->base.broker, client->base.identity, &guard);
  verdict = idg_mbim_filter_request (msg, len, &guard, &r->note, forward);
  idg_broker_guard_end (door->base.broker, client->base.identity, IDG_DOOR_MBIM, &guard);
  switch (verdict) {
  case IDG_MBIM_PASS:
    break;
  case IDG_MBIM_REFUSE: {
    g_autoptr(GByteArray) refusal = idg_mbim_filter_refusal (msg, len, &r->note);

    client_queue (client, refusal->data, refusal->len);
    request_free (r);
    return;
  }
  case IDG_MBIM_DROP:
    request_free (r);
    client_drop (client, "malformed command");
    return;
  }
  if (!door->mux) {
    g_autoptr(MbimMessage) ferr = mbim_message_function_error_new (r->tid, MBIM_PROTOCOL_ERROR_NOT_OPENED);

    client_queue_message (client, ferr);
    request_free (r);
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

static void
config_answer (Client  *client,
               guint32  status)
{
  g_autoptr(GByteArray) req = g_steal_pointer (&client->pending_config);

  if (client->config_timer) {
    g_source_remove (client->config_timer);
    client->config_timer = 0;
  }
  if (!req)
    return;
  if (status == MBIM_STATUS_ERROR_NONE)
    client->configured = TRUE;
  answer_status (client, req->data, req->len, status);
  if (client->base.door && client->configured && door_of (client)->version_ind) {
    gsize n;
    const guint8 *d = g_bytes_get_data (door_of (client)->version_ind, &n);

    client_queue (client, d, n);
  }
}

static gboolean
config_poll_cb (gpointer user_data)
{
  Client *client = user_data;

  if (client->base.door && door_of (client)->device) {
    client->config_timer = 0;
    config_answer (client, MBIM_STATUS_ERROR_NONE);
    return G_SOURCE_REMOVE;
  }
  if (g_get_monotonic_time () >= client->config_deadline) {
    client->config_timer = 0;
    config_answer (client, MBIM_STATUS_ERROR_FAILURE);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* DevicePath (string at offset/length 0/4) and Timeout (8). */
static void
handle_config (Client       *client,
               const guint8 *msg,
               gsize         len)
{
  const guint8 *b = msg + IDG_MBIM_COMMAND_BUFFER;
  gsize blen = len - IDG_MBIM_COMMAND_BUFFER;
  g_autofree gchar *path = NULL;
  guint32 off, plen, timeout;

  if (client->pending_config) {
    answer_status (client, msg, len, MBIM_STATUS_ERROR_BUSY);
    return;
  }
  if (idg_mbim_read_u32 (msg + 40) != 1 /* set */ || blen < 12) {
    answer_status (client, msg, len, MBIM_STATUS_ERROR_INVALID_PARAMETERS);
    return;
  }
  off = idg_mbim_read_u32 (b);
  plen = idg_mbim_read_u32 (b + 4);
  timeout = idg_mbim_read_u32 (b + 8);
  if (off < 12 || off > blen || plen > blen - off ||
      !(path = idg_utf16le_decode_dup (b + off, plen))) {
    answer_status (client, msg, len, MBIM_STATUS_ERROR_INVALID_PARAMETERS);
    return;
  }
  if (!idg_broker_is_modem_port (client->base.door->broker, "mbim", path)) {
    g_message ("mbim door: client %" G_GUINT64_FORMAT " asked for a port that is not a modem of the broker",
               client->base.id);
    answer_status (client, msg, len, MBIM_STATUS_ERROR_FAILURE);
    return;
  }
  client->pending_config = g_byte_array_sized_new (len);
  g_byte_array_append (client->pending_config, msg, len);
  if (door_of (client)->device) {
    config_answer (client, MBIM_STATUS_ERROR_NONE);
    return;
  }
  /* the backend is still opening the modem: wait for it, as long as the
   * client said it would */
  client->config_deadline = g_get_monotonic_time () +
    (gint64) CLAMP (timeout ? timeout : DEFAULT_CONFIG_SECS, 1, 60) * G_USEC_PER_SEC;
  client->config_timer = g_timeout_add (CONFIG_POLL_MS, config_poll_cb, client);
}

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
      handle_config (client, msg, len);
    else
      answer_status (client, msg, len, MBIM_STATUS_ERROR_NO_DEVICE_SUPPORT);
    return;
  }
  if (!client->configured) {
    g_autoptr(MbimMessage) ferr = mbim_message_function_error_new (idg_mbim_read_u32 (msg + 8),
                                                                   MBIM_PROTOCOL_ERROR_NOT_OPENED);

    client_queue_message (client, ferr);
    return;
  }
  if (g_hash_table_contains (client->in_flight, GUINT_TO_POINTER (idg_mbim_read_u32 (msg + 8)))) {
    /* two answers with one id: the client could not tell them apart */
    g_autoptr(MbimMessage) ferr = mbim_message_function_error_new (idg_mbim_read_u32 (msg + 8),
                                                                   MBIM_PROTOCOL_ERROR_DUPLICATED_TID);

    client_queue_message (client, ferr);
    return;
  }
  if (mbim_uuid_cmp (service, MBIM_UUID_BASIC_CONNECT) &&
      cid == MBIM_CID_BASIC_CONNECT_DEVICE_SERVICE_SUBSCRIBE_LIST &&
      idg_mbim_read_u32 (msg + 40) == 1) {
    handle_subscribe (client, msg, len);
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
    client_queue_message (client, done);
    return;
  }
  case TYPE_CLOSE: {
    g_autoptr(MbimMessage) done = mbim_message_close_done_new (tid, MBIM_STATUS_ERROR_NONE);

    client_queue_message (client, done);
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
    door->changed_id = g_signal_connect (modem, IDG_MODEM_SIGNAL_PORT_CHANGED,
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
  if (door->modem)
    g_clear_signal_handler (&door->changed_id, door->modem);
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
