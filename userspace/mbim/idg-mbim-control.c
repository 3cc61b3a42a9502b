// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The MBIM door's own control plane (idg-door-mbim-private.h), what
 * mbim-proxy answers itself rather than the modem:
 *  - Proxy Control Configuration (DevicePath, Timeout): the path must be
 *    one of the broker's MBIM ports; the answer waits (up to the timeout)
 *    for the backend's device;
 *  - the MBIMEx version a client agreed with the modem: set on the shared
 *    device and announced to every client (Proxy Control Version
 *    indication), and to each client that configures later;
 *  - Device Service Subscribe List: kept per client, the union with the
 *    standard list set on the modem, the client's own list echoed back.
 */
#include "idg-door-mbim-private.h"
#include "idg-encoding.h"

#include <string.h>

#define CONFIG_POLL_MS       100
#define DEFAULT_CONFIG_SECS  15

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
      idg_door_mbim_client_queue (c, m, sizeof m);
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

/* An MBIMEx version answer, by its header: only then parsed by libmbim. */
static gboolean
is_version_answer (const guint8 *msg,
                   gsize         len)
{
  return len >= 48 && idg_mbim_read_u32 (msg) == 0x80000003u &&
         idg_mbim_read_u32 (msg + 36) == MBIM_CID_MS_BASIC_CONNECT_EXTENSIONS_VERSION &&
         memcmp (msg + 20, mbim_uuid_from_service (MBIM_SERVICE_MS_BASIC_CONNECT_EXTENSIONS), 16) == 0;
}

/* From the door's answers: an MBIMEx version a client agreed with the
 * modem is set on the device and announced to every client. */
void
idg_mbim_control_see_answer (IdgDoorMbim  *door,
                             const guint8 *msg,
                             gsize         len)
{
  g_autoptr(MbimMessage) response = NULL;

  if (!is_version_answer (msg, len))
    return;
  response = mbim_message_new (msg, (guint32) len);
  monitor_version (door, response);
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
  idg_door_mbim_client_queue (client, done->data, done->len);
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
  idg_door_mbim_request_free (r);
}

void
idg_mbim_control_subscribe (Client       *client,
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
    idg_door_mbim_answer_status (client, msg, len, MBIM_STATUS_ERROR_INVALID_PARAMETERS);
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
                       (GAsyncReadyCallback) subscribe_ready, idg_door_mbim_request_new (client, msg, len));
}

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
  idg_door_mbim_answer_status (client, req->data, req->len, status);
  if (client->base.door && client->configured && door_of (client)->version_ind) {
    gsize n;
    const guint8 *d = g_bytes_get_data (door_of (client)->version_ind, &n);

    idg_door_mbim_client_queue (client, d, n);
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
void
idg_mbim_control_configure (Client       *client,
                            const guint8 *msg,
                            gsize         len)
{
  const guint8 *b = msg + IDG_MBIM_COMMAND_BUFFER;
  gsize blen = len - IDG_MBIM_COMMAND_BUFFER;
  g_autofree gchar *path = NULL;
  guint32 off, plen, timeout;

  if (client->pending_config) {
    idg_door_mbim_answer_status (client, msg, len, MBIM_STATUS_ERROR_BUSY);
    return;
  }
  if (idg_mbim_read_u32 (msg + 40) != 1 /* set */ || blen < 12) {
    idg_door_mbim_answer_status (client, msg, len, MBIM_STATUS_ERROR_INVALID_PARAMETERS);
    return;
  }
  off = idg_mbim_read_u32 (b);
  plen = idg_mbim_read_u32 (b + 4);
  timeout = idg_mbim_read_u32 (b + 8);
  if (off < 12 || off > blen || plen > blen - off ||
      !(path = idg_utf16le_decode_dup (b + off, plen))) {
    idg_door_mbim_answer_status (client, msg, len, MBIM_STATUS_ERROR_INVALID_PARAMETERS);
    return;
  }
  if (!idg_broker_is_modem_port (client->base.door->broker, "mbim", path)) {
    g_message ("mbim door: client %" G_GUINT64_FORMAT " asked for a port that is not a modem of the broker",
               client->base.id);
    idg_door_mbim_answer_status (client, msg, len, MBIM_STATUS_ERROR_FAILURE);
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
