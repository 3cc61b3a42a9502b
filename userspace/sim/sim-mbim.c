/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "sim-apdu.h"
#include "sim-at.h"
#include "sim-files.h"
#include "sim-mbim-build.h"
#include "sim-mbim-net.h"
#include "sim-mbim-uicc.h"
#include "sim-mbim.h"
#include "sim-qmi.h"

#define OPEN_LEN             16
#define COMMAND_HEADER_LEN   48
#define DEFAULT_MAX_TRANSFER 4096
/* MBIMEx versions, BCD as in the Version CID */
#define MBIMEX_1 0x0100
#define MBIMEX_2 0x0200
#define MBIMEX_3 0x0300

struct _SimMbim {
  const SimIds *ids;
  GByteArray   *in;
  gboolean      open;
  guint32       max_transfer;   /* negotiated */
  guint32       cap_transfer;   /* forced from the command line, 0: none */
  guint16       mbimex;         /* negotiated MBIMEx version (BCD), 0x0100 */
  /* reassembly of a fragmented host command */
  GByteArray   *frag;
  guint32       frag_tid;
  guint32       frag_total;
  guint32       frag_next;
  SimQmi       *qmi;            /* QMI carried in MBIM (service QMI, CID 1) */
  SimApduChannels channels;     /* MS UICC low level access */
  SimAt        *at;             /* Intel AT tunnel */
  /* Device Service Subscribe List: until the host sets one after OPEN,
   * every notification is sent; then only those listed. */
  gboolean      list_set;
  gboolean      want_ready_status;
  gboolean      want_qmi;
};

/* Intel AT Tunnel service (libmbim >= 1.34 knows it by name): CID 1 carries
 * an AT command line and its reply as raw bytes. */
static const MbimUuid intel_at_tunnel = {
  .a = { 0xda, 0x13, 0x8c, 0x64 }, .b = { 0x65, 0x15 }, .c = { 0x48, 0x93 },
  .d = { 0x92, 0xb2 }, .e = { 0xa1, 0xe1, 0xca, 0x7c, 0x81, 0xca },
};
#define INTEL_AT_TUNNEL_CID_AT_COMMAND 1

/* Fibocom's AT tunnel: the same exchange (CID 1, raw AT bytes each way)
 * under a vendor service. */
static const MbimUuid fibocom_at_tunnel = {
  .a = { 0xff, 0xff, 0xff, 0xff }, .b = { 0xab, 0xca }, .c = { 0x4b, 0x11 },
  .d = { 0xa4, 0xe2 }, .e = { 0xf2, 0xfc, 0x87, 0xf9, 0x44, 0x88 },
};

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static void
set_u32 (guint8 *p, guint32 value)
{
  guint32 le = GUINT32_TO_LE (value);

  memcpy (p, &le, 4);
}

SimMbim *
sim_mbim_new (const SimIds *ids)
{
  SimMbim *self = g_new0 (SimMbim, 1);

  self->ids = ids;
  self->in = g_byte_array_sized_new (4096);
  self->frag = g_byte_array_new ();
  self->max_transfer = DEFAULT_MAX_TRANSFER;
  self->mbimex = MBIMEX_1;
  self->qmi = sim_qmi_new (ids);
  self->at = sim_at_new (ids);
  sim_apdu_channels_reset (&self->channels);
  return self;
}

void
sim_mbim_free (SimMbim *self)
{
  if (!self)
    return;
  g_byte_array_unref (self->in);
  g_byte_array_unref (self->frag);
  sim_qmi_free (self->qmi);
  sim_at_free (self->at);
  g_free (self);
}

void
sim_mbim_set_max_transfer (SimMbim *self,
                           guint32  max_transfer)
{
  self->cap_transfer = max_transfer;
  if (max_transfer && self->max_transfer > max_transfer)
    self->max_transfer = MAX (max_transfer, SIM_MBIM_MIN_CONTROL_TRANSFER);
}

gboolean
sim_mbim_is_open (SimMbim *self)
{
  return self->open;
}

/* ------------------------------------------------------------------------ */
/* Information buffers */

static const MbimCidBasicConnect basic_connect_cids[] = {
  MBIM_CID_BASIC_CONNECT_DEVICE_CAPS,
  MBIM_CID_BASIC_CONNECT_SUBSCRIBER_READY_STATUS,
  MBIM_CID_BASIC_CONNECT_DEVICE_SERVICES,
  MBIM_CID_BASIC_CONNECT_DEVICE_SERVICE_SUBSCRIBE_LIST,
};

static void
device_caps_fields (const SimIds *ids, SimMbimBuilder *b)
{
  sim_mbim_builder_u32 (b, MBIM_DEVICE_TYPE_EMBEDDED);
  sim_mbim_builder_u32 (b, MBIM_CELLULAR_CLASS_GSM);
  sim_mbim_builder_u32 (b, MBIM_VOICE_CLASS_NO_VOICE);
  sim_mbim_builder_u32 (b, MBIM_SIM_CLASS_REMOVABLE);
  sim_mbim_builder_u32 (b, MBIM_DATA_CLASS_GPRS | MBIM_DATA_CLASS_EDGE |
                           MBIM_DATA_CLASS_UMTS | MBIM_DATA_CLASS_HSDPA |
                           MBIM_DATA_CLASS_HSUPA | MBIM_DATA_CLASS_LTE);
  sim_mbim_builder_u32 (b, MBIM_SMS_CAPS_PDU_RECEIVE | MBIM_SMS_CAPS_PDU_SEND);
  sim_mbim_builder_u32 (b, MBIM_CTRL_CAPS_REG_MANUAL | MBIM_CTRL_CAPS_HW_RADIO_SWITCH);
  sim_mbim_builder_u32 (b, 1);                        /* max sessions */
  sim_mbim_builder_string (b, NULL);                  /* custom data class */
  sim_mbim_builder_string (b, ids->imei);             /* device id */
  sim_mbim_builder_string (b, "SIM_" IDG_SIM_VERSION);
  sim_mbim_builder_string (b, "idguard-modem-sim");
}

static GByteArray *
device_caps_info (const SimIds *ids, gboolean v2)
{
  SimMbimBuilder b;

  sim_mbim_builder_init (&b);
  device_caps_fields (ids, &b);
  if (v2)
    sim_mbim_builder_u32 (&b, 0);                     /* executor index */
  return sim_mbim_builder_finish (&b);
}

static void
builder_tlv_string (SimMbimBuilder *b, const gchar *value)
{
  g_autoptr(MbimTlv) tlv = mbim_tlv_string_new (value ? value : "", NULL);

  if (tlv)
    sim_mbim_builder_tlv (b, tlv);
}

/* MBIMEx 3.0 Device Caps: fixed fields, then TLVs inline. */
static GByteArray *
device_caps_v3_info (const SimIds *ids)
{
  static const guint16 lte_bands[] = { GUINT16_TO_LE (1), GUINT16_TO_LE (3), GUINT16_TO_LE (7), GUINT16_TO_LE (20) };
  g_autoptr(MbimTlv) lte = mbim_tlv_new (MBIM_TLV_TYPE_UINT16_TBL, (const guint8 *) lte_bands, sizeof lte_bands);
  g_autoptr(MbimTlv) nr = mbim_tlv_new (MBIM_TLV_TYPE_UINT16_TBL, NULL, 0);
  SimMbimBuilder b;

  sim_mbim_builder_init (&b);
  sim_mbim_builder_u32 (&b, MBIM_DEVICE_TYPE_EMBEDDED);
  sim_mbim_builder_u32 (&b, MBIM_CELLULAR_CLASS_GSM);
  sim_mbim_builder_u32 (&b, MBIM_VOICE_CLASS_NO_VOICE);
  sim_mbim_builder_u32 (&b, MBIM_SIM_CLASS_REMOVABLE);
  sim_mbim_builder_u32 (&b, MBIM_DATA_CLASS_V3_UMTS | MBIM_DATA_CLASS_V3_LTE);
  sim_mbim_builder_u32 (&b, MBIM_SMS_CAPS_PDU_RECEIVE | MBIM_SMS_CAPS_PDU_SEND);
  sim_mbim_builder_u32 (&b, MBIM_CTRL_CAPS_REG_MANUAL | MBIM_CTRL_CAPS_HW_RADIO_SWITCH);
  sim_mbim_builder_u64 (&b, 0);                       /* data subclass */
  sim_mbim_builder_u32 (&b, 1);                       /* max sessions */
  sim_mbim_builder_u32 (&b, 0);                       /* executor index */
  sim_mbim_builder_u32 (&b, 0);                       /* WCDMA band class */
  sim_mbim_builder_tlv (&b, lte);
  sim_mbim_builder_tlv (&b, nr);
  builder_tlv_string (&b, NULL);                      /* custom data class */
  builder_tlv_string (&b, ids->imei);                 /* device id */
  builder_tlv_string (&b, "SIM_" IDG_SIM_VERSION);
  builder_tlv_string (&b, "idguard-modem-sim");
  return sim_mbim_builder_finish (&b);
}

/* Subscriber Ready Status; MBIMEx 3.0 adds Flags after ReadyState. */
static GByteArray *
subscriber_ready_info (const SimIds *ids, gboolean inserted, guint16 mbimex)
{
  SimMbimBuilder b;

  sim_mbim_builder_init (&b);
  if (!inserted || !ids->imsi) {
    sim_mbim_builder_u32 (&b, MBIM_SUBSCRIBER_READY_STATE_SIM_NOT_INSERTED);
    if (mbimex >= MBIMEX_3)
      sim_mbim_builder_u32 (&b, MBIM_SUBSCRIBER_READY_STATUS_FLAG_NONE);
    sim_mbim_builder_string (&b, NULL);
    sim_mbim_builder_string (&b, NULL);
    sim_mbim_builder_u32 (&b, MBIM_READY_INFO_FLAG_NONE);
    sim_mbim_builder_u32 (&b, 0);
    return sim_mbim_builder_finish (&b);
  }
  sim_mbim_builder_u32 (&b, MBIM_SUBSCRIBER_READY_STATE_INITIALIZED);
  if (mbimex >= MBIMEX_3)
    sim_mbim_builder_u32 (&b, MBIM_SUBSCRIBER_READY_STATUS_FLAG_SIM_REMOVABILITY_KNOWN |
                              MBIM_SUBSCRIBER_READY_STATUS_FLAG_SIM_REMOVABLE);
  sim_mbim_builder_string (&b, ids->imsi);
  sim_mbim_builder_string (&b, ids->iccid);
  sim_mbim_builder_u32 (&b, MBIM_READY_INFO_FLAG_NONE);
  sim_mbim_builder_u32 (&b, ids->msisdn ? 1 : 0);
  if (ids->msisdn)
    sim_mbim_builder_string (&b, ids->msisdn);
  return sim_mbim_builder_finish (&b);
}

static void
service_element (SimMbimBuilder *list, const MbimUuid *uuid, const guint32 *cids, guint n_cids)
{
  SimMbimBuilder e;
  g_autoptr(GByteArray) blob = NULL;
  guint i;

  sim_mbim_builder_init (&e);
  sim_mbim_builder_uuid (&e, uuid);
  sim_mbim_builder_u32 (&e, 0);    /* DSS payload */
  sim_mbim_builder_u32 (&e, 0);    /* max DSS instances */
  sim_mbim_builder_u32 (&e, n_cids);
  for (i = 0; i < n_cids; i++)
    sim_mbim_builder_u32 (&e, cids[i]);
  blob = sim_mbim_builder_finish (&e);
  sim_mbim_builder_bytes (list, blob->data, blob->len);
}

static GByteArray *
device_services_info (void)
{
  static const guint32 ext_cids[] = {
    MBIM_CID_MS_BASIC_CONNECT_EXTENSIONS_DEVICE_CAPS,
    MBIM_CID_MS_BASIC_CONNECT_EXTENSIONS_VERSION,
  };
  static const guint32 qmi_cids[] = { MBIM_CID_QMI_MSG };
  static const guint32 at_cids[] = { INTEL_AT_TUNNEL_CID_AT_COMMAND };
  static const guint32 uicc_cids[] = {
    MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_ATR,
    MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_OPEN_CHANNEL,
    MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_CLOSE_CHANNEL,
    MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_APDU,
    MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_BINARY,
    MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_RECORD,
  };
  guint32 bc_cids[G_N_ELEMENTS (basic_connect_cids)];
  SimMbimBuilder b;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (basic_connect_cids); i++)
    bc_cids[i] = basic_connect_cids[i];
  sim_mbim_builder_init (&b);
  sim_mbim_builder_u32 (&b, 6);    /* services */
  sim_mbim_builder_u32 (&b, 0);    /* max DSS sessions */
  service_element (&b, MBIM_UUID_BASIC_CONNECT, bc_cids, G_N_ELEMENTS (bc_cids));
  service_element (&b, MBIM_UUID_MS_BASIC_CONNECT_EXTENSIONS, ext_cids, G_N_ELEMENTS (ext_cids));
  service_element (&b, MBIM_UUID_QMI, qmi_cids, G_N_ELEMENTS (qmi_cids));
  service_element (&b, MBIM_UUID_MS_UICC_LOW_LEVEL_ACCESS, uicc_cids, G_N_ELEMENTS (uicc_cids));
  service_element (&b, &intel_at_tunnel, at_cids, G_N_ELEMENTS (at_cids));
  service_element (&b, &fibocom_at_tunnel, at_cids, G_N_ELEMENTS (at_cids));
  return sim_mbim_builder_finish (&b);
}

/* ------------------------------------------------------------------------ */

static void
send (SimMbim *self, GByteArray *out, MbimMessage *message)
{
  sim_mbim_append_fragmented (out, message, self->max_transfer);
  mbim_message_unref (message);
}

static void
command_done (SimMbim *self, GByteArray *out, guint32 tid, const MbimUuid *service,
              guint32 cid, MbimStatusError status, GByteArray *info)
{
  send (self, out, sim_mbim_command_done_new (tid, service, cid, status,
                                              info ? info->data : NULL,
                                              info ? info->len : 0));
  if (info)
    g_byte_array_unref (info);
}

/* Device Service Subscribe List set: ElementCount, then offset/length
 * pairs to {service UUID, CidCount, CIDs} (a CidCount of 0: all CIDs of
 * that service). Notes which of our notifications the host wants. */
static gboolean
parse_subscribe_list (SimMbim *self, const guint8 *info, guint32 len)
{
  gboolean ready = FALSE, qmi = FALSE;
  guint32 count, i;

  if (!sim_mbim_info_u32 (info, len, 0, &count) || count > len / 8)
    return FALSE;
  for (i = 0; i < count; i++) {
    const guint8 *entry;
    guint32 entry_len, n_cids, j;
    MbimService service;

    if (!sim_mbim_info_ref (info, len, 4 + 8 * i, FALSE, &entry, &entry_len) ||
        !sim_mbim_info_u32 (entry, entry_len, 16, &n_cids) ||
        n_cids > (entry_len - 20) / 4)
      return FALSE;
    service = mbim_uuid_to_service ((const MbimUuid *) entry);
    for (j = 0; j <= n_cids; j++) {
      guint32 c = 0;

      if (j == n_cids) {
        if (n_cids != 0)
          break;
      } else {
        sim_mbim_info_u32 (entry, entry_len, 20 + 4 * j, &c);
      }
      if (service == MBIM_SERVICE_BASIC_CONNECT &&
          (n_cids == 0 || c == MBIM_CID_BASIC_CONNECT_SUBSCRIBER_READY_STATUS))
        ready = TRUE;
      if (service == MBIM_SERVICE_QMI && (n_cids == 0 || c == MBIM_CID_QMI_MSG))
        qmi = TRUE;
    }
  }
  self->list_set = TRUE;
  self->want_ready_status = ready;
  self->want_qmi = qmi;
  return TRUE;
}

/* QMI in MBIM: every QMUX frame of the buffer is executed, as a modem
 * does; the answers come back in one buffer. */
static GByteArray *
qmi_in_mbim (SimMbim *self, const guint8 *info, guint32 info_len)
{
  GByteArray *out = g_byte_array_new ();

  sim_qmi_reset_input (self->qmi);
  sim_qmi_feed (self->qmi, info, info_len, out);
  sim_qmi_reset_input (self->qmi);
  if (out->len == 0) {
    g_byte_array_unref (out);
    return NULL;
  }
  return out;
}

/* The AT tunnels: every line of the buffer is executed (with the AT
 * engine's line editing), the replies come back in one buffer, without
 * echo. */
static GByteArray *
at_in_mbim (SimMbim *self, const guint8 *info, guint32 info_len)
{
  GByteArray *out = g_byte_array_new ();
  g_autoptr(GByteArray) echo = g_byte_array_new ();

  sim_at_feed (self->at, (const guint8 *) "ATE0\r", 5, echo);
  sim_at_feed (self->at, info, info_len, out);
  if (info_len == 0 || info[info_len - 1] != '\r')
    sim_at_feed (self->at, (const guint8 *) "\r", 1, out);
  return out;
}

static void
handle_command (SimMbim *self, const guint8 *msg, guint32 len, GByteArray *out)
{
  guint32 tid = get_u32 (msg + 8);
  const MbimUuid *uuid = (const MbimUuid *) (msg + 20);
  guint32 cid = get_u32 (msg + 36);
  guint32 type = get_u32 (msg + 40);
  guint32 info_len = get_u32 (msg + 44);
  MbimService service;

  if (info_len > len - COMMAND_HEADER_LEN) {
    send (self, out, mbim_message_function_error_new (tid, MBIM_PROTOCOL_ERROR_LENGTH_MISMATCH));
    return;
  }
  service = mbim_uuid_to_service (uuid);
  if (service == MBIM_SERVICE_BASIC_CONNECT) {
    switch (cid) {
    case MBIM_CID_BASIC_CONNECT_DEVICE_CAPS:
      if (type == MBIM_MESSAGE_COMMAND_TYPE_QUERY) {
        command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_NONE, device_caps_info (self->ids, FALSE));
        return;
      }
      break;
    case MBIM_CID_BASIC_CONNECT_SUBSCRIBER_READY_STATUS:
      if (type == MBIM_MESSAGE_COMMAND_TYPE_QUERY) {
        command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_NONE, subscriber_ready_info (self->ids, TRUE, self->mbimex));
        return;
      }
      break;
    case MBIM_CID_BASIC_CONNECT_DEVICE_SERVICES:
      if (type == MBIM_MESSAGE_COMMAND_TYPE_QUERY) {
        command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_NONE, device_services_info ());
        return;
      }
      break;
    case MBIM_CID_BASIC_CONNECT_DEVICE_SERVICE_SUBSCRIBE_LIST:
      if (type == MBIM_MESSAGE_COMMAND_TYPE_SET) {
        GByteArray *echo;

        if (!parse_subscribe_list (self, msg + COMMAND_HEADER_LEN, info_len)) {
          command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_INVALID_PARAMETERS, NULL);
          return;
        }
        /* Accept the list and answer with it, as devices do. */
        echo = g_byte_array_new ();
        g_byte_array_append (echo, msg + COMMAND_HEADER_LEN, info_len);
        command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_NONE, echo);
        return;
      }
      break;
    default: {
      GByteArray *net = sim_mbim_net_command (cid, type, self->mbimex);

      if (net) {
        command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_NONE, net);
        return;
      }
      break;
    }
    }
  } else if (service == MBIM_SERVICE_QMI && cid == MBIM_CID_QMI_MSG &&
             type == MBIM_MESSAGE_COMMAND_TYPE_SET) {
    GByteArray *reply = qmi_in_mbim (self, msg + COMMAND_HEADER_LEN, info_len);

    if (reply) {
      command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_NONE, reply);
      return;
    }
  } else if ((mbim_uuid_cmp (uuid, &intel_at_tunnel) || mbim_uuid_cmp (uuid, &fibocom_at_tunnel)) &&
             cid == INTEL_AT_TUNNEL_CID_AT_COMMAND && type == MBIM_MESSAGE_COMMAND_TYPE_SET) {
    command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_NONE,
                  at_in_mbim (self, msg + COMMAND_HEADER_LEN, info_len));
    return;
  } else if (service == MBIM_SERVICE_MS_UICC_LOW_LEVEL_ACCESS) {
    GByteArray *reply = sim_mbim_uicc_command (&self->channels, self->ids, cid, type,
                                              msg + COMMAND_HEADER_LEN, info_len);

    if (reply) {
      command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_NONE, reply);
      return;
    }
    if (cid >= MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_ATR && cid <= MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_RECORD) {
      command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_INVALID_PARAMETERS, NULL);
      return;
    }
  } else if (service == MBIM_SERVICE_MS_BASIC_CONNECT_EXTENSIONS &&
             cid == MBIM_CID_MS_BASIC_CONNECT_EXTENSIONS_DEVICE_CAPS &&
             type == MBIM_MESSAGE_COMMAND_TYPE_QUERY) {
    command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_NONE,
                  self->mbimex >= MBIMEX_3 ? device_caps_v3_info (self->ids) : device_caps_info (self->ids, TRUE));
    return;
  } else if (service == MBIM_SERVICE_MS_BASIC_CONNECT_EXTENSIONS &&
             cid == MBIM_CID_MS_BASIC_CONNECT_EXTENSIONS_VERSION &&
             type == MBIM_MESSAGE_COMMAND_TYPE_QUERY && info_len >= 4) {
    /* MBIMEx version exchange: the host's highest, capped at ours (3.0) */
    const guint8 *v = msg + COMMAND_HEADER_LEN;
    guint16 asked = (guint16) (v[2] | (v[3] << 8));
    guint8 reply[4] = { 0x00, 0x01, 0x00, 0x00 };

    self->mbimex = asked >= MBIMEX_3 ? MBIMEX_3 : asked >= MBIMEX_2 ? MBIMEX_2 : MBIMEX_1;
    reply[2] = (guint8) (self->mbimex & 0xFF);
    reply[3] = (guint8) (self->mbimex >> 8);
    {
      GByteArray *info = g_byte_array_new ();

      g_byte_array_append (info, reply, sizeof reply);
      command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_NONE, info);
    }
    return;
  }
  command_done (self, out, tid, uuid, cid, MBIM_STATUS_ERROR_NO_DEVICE_SUPPORT, NULL);
}

/* Collects the fragments of a host command; returns a whole message once
 * the last one arrived (owned by self->frag), or NULL. */
static const guint8 *
reassemble (SimMbim *self, const guint8 *msg, guint32 len, guint32 *out_len, GByteArray *out)
{
  guint32 tid = get_u32 (msg + 8);
  guint32 total = get_u32 (msg + 12);
  guint32 current = get_u32 (msg + 16);

  if (total == 0 || current >= total) {
    send (self, out, mbim_message_function_error_new (tid, MBIM_PROTOCOL_ERROR_FRAGMENT_OUT_OF_SEQUENCE));
    return NULL;
  }
  if (total == 1) {
    *out_len = len;
    return msg;
  }
  if (current == 0) {
    g_byte_array_set_size (self->frag, 0);
    g_byte_array_append (self->frag, msg, len);
    self->frag_tid = tid;
    self->frag_total = total;
    self->frag_next = 1;
    return NULL;
  }
  if (self->frag->len == 0 || tid != self->frag_tid || total != self->frag_total ||
      current != self->frag_next || self->frag->len + len - SIM_MBIM_FRAGMENT_LEN > SIM_MBIM_MAX_MESSAGE) {
    g_byte_array_set_size (self->frag, 0);
    send (self, out, mbim_message_function_error_new (tid, MBIM_PROTOCOL_ERROR_FRAGMENT_OUT_OF_SEQUENCE));
    return NULL;
  }
  g_byte_array_append (self->frag, msg + SIM_MBIM_FRAGMENT_LEN, len - SIM_MBIM_FRAGMENT_LEN);
  self->frag_next++;
  if (self->frag_next < self->frag_total)
    return NULL;
  set_u32 (self->frag->data + 4, self->frag->len);
  set_u32 (self->frag->data + 12, 1);
  set_u32 (self->frag->data + 16, 0);
  *out_len = self->frag->len;
  return self->frag->data;
}

static void
handle_message (SimMbim *self, const guint8 *msg, guint32 len, GByteArray *out)
{
  guint32 type = get_u32 (msg);
  guint32 tid = get_u32 (msg + 8);
  const guint8 *whole;
  guint32 whole_len = 0;

  switch (type) {
  case MBIM_MESSAGE_TYPE_OPEN: {
    guint32 max = get_u32 (msg + 12);

    if (max < SIM_MBIM_MIN_CONTROL_TRANSFER)
      max = SIM_MBIM_MIN_CONTROL_TRANSFER;
    if (self->cap_transfer && max > self->cap_transfer)
      max = MAX (self->cap_transfer, SIM_MBIM_MIN_CONTROL_TRANSFER);
    self->max_transfer = MIN (max, SIM_MBIM_MAX_MESSAGE);
    self->open = TRUE;
    self->mbimex = MBIMEX_1;
    self->list_set = FALSE;
    /* a new session: QMI client ids of the old one are gone */
    sim_qmi_free (self->qmi);
    self->qmi = sim_qmi_new (self->ids);
    g_byte_array_set_size (self->frag, 0);
    sim_apdu_channels_reset (&self->channels);
    send (self, out, mbim_message_open_done_new (tid, MBIM_STATUS_ERROR_NONE));
    return;
  }
  case MBIM_MESSAGE_TYPE_CLOSE:
    self->open = FALSE;
    g_byte_array_set_size (self->frag, 0);
    send (self, out, mbim_message_close_done_new (tid, MBIM_STATUS_ERROR_NONE));
    return;
  case MBIM_MESSAGE_TYPE_HOST_ERROR:
    g_byte_array_set_size (self->frag, 0);
    return;
  case MBIM_MESSAGE_TYPE_COMMAND:
    if (!self->open) {
      send (self, out, mbim_message_function_error_new (tid, MBIM_PROTOCOL_ERROR_NOT_OPENED));
      return;
    }
    whole = reassemble (self, msg, len, &whole_len, out);
    if (!whole)
      return;
    if (whole_len < COMMAND_HEADER_LEN) {
      send (self, out, mbim_message_function_error_new (tid, MBIM_PROTOCOL_ERROR_LENGTH_MISMATCH));
      g_byte_array_set_size (self->frag, 0);
      return;
    }
    handle_command (self, whole, whole_len, out);
    g_byte_array_set_size (self->frag, 0);
    return;
  default:
    return;
  }
}

static gboolean
header_plausible (const guint8 *p)
{
  guint32 type = get_u32 (p);
  guint32 len = get_u32 (p + 4);

  if (len > SIM_MBIM_MAX_MESSAGE)
    return FALSE;
  switch (type) {
  case MBIM_MESSAGE_TYPE_OPEN:
    return len >= OPEN_LEN;
  case MBIM_MESSAGE_TYPE_CLOSE:
    return len >= SIM_MBIM_HEADER_LEN;
  case MBIM_MESSAGE_TYPE_COMMAND:
    return len >= SIM_MBIM_FRAGMENT_LEN;
  case MBIM_MESSAGE_TYPE_HOST_ERROR:
    return len >= SIM_MBIM_HEADER_LEN + 4;
  default:
    return FALSE;
  }
}

/* A complete host message whose lengths all agree (stricter than
 * header_plausible: used only to look past a message whose length lied). */
static gboolean
message_consistent (const guint8 *p, gsize avail)
{
  guint32 len;

  if (avail < SIM_MBIM_HEADER_LEN || !header_plausible (p))
    return FALSE;
  len = get_u32 (p + 4);
  if (len > avail)
    return FALSE;
  switch (get_u32 (p)) {
  case MBIM_MESSAGE_TYPE_OPEN:
  case MBIM_MESSAGE_TYPE_HOST_ERROR:
    return len == OPEN_LEN;
  case MBIM_MESSAGE_TYPE_CLOSE:
    return len == SIM_MBIM_HEADER_LEN;
  case MBIM_MESSAGE_TYPE_COMMAND:
    return len >= COMMAND_HEADER_LEN && get_u32 (p + 12) == 1 && get_u32 (p + 16) == 0 &&
           get_u32 (p + 44) == len - COMMAND_HEADER_LEN;
  default:
    return FALSE;
  }
}

static gsize
whole_message_after (const guint8 *p, gsize avail)
{
  gsize off;

  for (off = 1; off + SIM_MBIM_HEADER_LEN <= avail; off++)
    if (message_consistent (p + off, avail - off))
      return off;
  return 0;
}

void
sim_mbim_feed (SimMbim      *self,
               const guint8 *data,
               gsize         len,
               GByteArray   *out)
{
  guint pos = 0;

  g_byte_array_append (self->in, data, (guint) len);
  while (self->in->len - pos >= SIM_MBIM_HEADER_LEN) {
    const guint8 *p = self->in->data + pos;
    guint32 mlen;

    /* No frame marker in MBIM: skip bytes until a plausible header. */
    if (!header_plausible (p)) {
      pos++;
      continue;
    }
    mlen = get_u32 (p + 4);
    if (self->in->len - pos < mlen) {
      /* Incomplete. If its length lied, a whole message may follow inside
       * what it claims: resynchronise on that one. */
      gsize next = whole_message_after (p, self->in->len - pos);

      if (!next)
        break;
      pos += (guint) next;
      continue;
    }
    handle_message (self, p, mlen, out);
    pos += mlen;
  }
  if (pos)
    g_byte_array_remove_range (self->in, 0, pos);
}

void
sim_mbim_reset_input (SimMbim *self)
{
  g_byte_array_set_size (self->in, 0);
}

gsize
sim_mbim_pending_input (SimMbim *self)
{
  return self->in->len;
}

void
sim_mbim_sim_changed (SimMbim    *self,
                      GByteArray *out)
{
  const MbimUuid *bc = mbim_uuid_from_service (MBIM_SERVICE_BASIC_CONNECT);
  gboolean inserted;

  if (!self->open)
    return;
  /* The old card leaves, the new one is read: two indications. */
  for (inserted = FALSE; inserted <= TRUE && (!self->list_set || self->want_ready_status); inserted++) {
    g_autoptr(GByteArray) info = subscriber_ready_info (self->ids, inserted, self->mbimex);

    send (self, out, sim_mbim_indicate_status_new (bc, MBIM_CID_BASIC_CONNECT_SUBSCRIBER_READY_STATUS,
                                                   info->data, info->len));
  }
  /* QMI clients carried in MBIM get their UIM indications, one per message */
  if (!self->list_set || self->want_qmi) {
    g_autoptr(GByteArray) qmux = g_byte_array_new ();
    guint pos = 0;

    sim_qmi_sim_changed (self->qmi, qmux);
    while (pos + 3 <= qmux->len) {
      guint n = 1 + (guint) (qmux->data[pos + 1] | (qmux->data[pos + 2] << 8));

      if (pos + n > qmux->len)
        break;
      send (self, out, sim_mbim_indicate_status_new (mbim_uuid_from_service (MBIM_SERVICE_QMI),
                                                     MBIM_CID_QMI_MSG, qmux->data + pos, n));
      pos += n;
    }
  }
}
