/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "sim-files.h"
#include "sim-qmi-private.h"

/* QMUX: marker 0x01, u16 length (excluding the marker), flags, service,
 * client id; then the SDU. The smallest request is a CTL one: 6 + 6. */
#define QMUX_MARKER      0x01
#define QMUX_HEADER_LEN  6
#define QMUX_MIN_LEN     (QMUX_HEADER_LEN + 6)
#define QMUX_FLAGS_OFS   3
#define SDU_FLAGS_OFS    6
#define SDU_FLAG_INDICATION 0x04
#define MAX_CLIENTS      254

/* Services a client id can be allocated for, with the version reported. */
static const struct {
  QmiService service;
  guint16    major;
  guint16    minor;
} services[] = {
  { QMI_SERVICE_CTL, 1, 5 },
  { QMI_SERVICE_WDS, 1, 67 },
  { QMI_SERVICE_DMS, 1, 14 },
  { QMI_SERVICE_NAS, 1, 25 },
  { QMI_SERVICE_UIM, 1, 46 },
};


SimQmi *
sim_qmi_new (const SimIds *ids)
{
  SimQmi *self = g_new0 (SimQmi, 1);

  self->ids = ids;
  self->in = g_byte_array_sized_new (4096);
  self->clients = g_array_new (FALSE, FALSE, sizeof (Client));
  sim_apdu_channels_reset (&self->channels);
  return self;
}

void
sim_qmi_free (SimQmi *self)
{
  if (!self)
    return;
  g_byte_array_unref (self->in);
  g_array_unref (self->clients);
  g_free (self);
}

static gboolean
service_known (guint8 service)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (services); i++)
    if (services[i].service == service)
      return TRUE;
  return FALSE;
}

Client *
sim_qmi_find_client (SimQmi *self, guint8 service, guint8 cid, guint *index)
{
  guint i;

  for (i = 0; i < self->clients->len; i++) {
    Client *c = &g_array_index (self->clients, Client, i);

    if (c->service == service && c->cid == cid) {
      if (index)
        *index = i;
      return c;
    }
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* TLV helpers over libqmi's writers */

void
sim_qmi_tlv_string (QmiMessage *m, guint8 type, const gchar *value)
{
  gsize ofs = qmi_message_tlv_write_init (m, type, NULL);

  if (!ofs)
    return;
  if (!qmi_message_tlv_write_string (m, 0, value, -1, NULL) ||
      !qmi_message_tlv_write_complete (m, ofs, NULL))
    qmi_message_tlv_write_reset (m, ofs);
}

void
sim_qmi_tlv_guint8 (QmiMessage *m, guint8 type, guint8 value)
{
  gsize ofs = qmi_message_tlv_write_init (m, type, NULL);

  if (!ofs)
    return;
  if (!qmi_message_tlv_write_guint8 (m, value, NULL) ||
      !qmi_message_tlv_write_complete (m, ofs, NULL))
    qmi_message_tlv_write_reset (m, ofs);
}

void
sim_qmi_tlv_guint32 (QmiMessage *m, guint8 type, guint32 value)
{
  gsize ofs = qmi_message_tlv_write_init (m, type, NULL);

  if (!ofs)
    return;
  if (!qmi_message_tlv_write_guint32 (m, QMI_ENDIAN_LITTLE, value, NULL) ||
      !qmi_message_tlv_write_complete (m, ofs, NULL))
    qmi_message_tlv_write_reset (m, ofs);
}

gboolean
sim_qmi_write_bytes (QmiMessage *m, const guint8 *data, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++)
    if (!qmi_message_tlv_write_guint8 (m, data[i], NULL))
      return FALSE;
  return TRUE;
}

/* A TLV holding a u16-length-prefixed byte array. */
void
sim_qmi_tlv_u16_array (QmiMessage *m, guint8 type, const guint8 *data, gsize len)
{
  gsize ofs = qmi_message_tlv_write_init (m, type, NULL);

  if (!ofs)
    return;
  if (!qmi_message_tlv_write_guint16 (m, QMI_ENDIAN_LITTLE, (guint16) len, NULL) ||
      !sim_qmi_write_bytes (m, data, len) ||
      !qmi_message_tlv_write_complete (m, ofs, NULL))
    qmi_message_tlv_write_reset (m, ofs);
}

QmiMessage *
sim_qmi_error_reply (QmiMessage *request, QmiProtocolError error)
{
  return qmi_message_response_new (request, error);
}

/* ------------------------------------------------------------------------ */
/* CTL */

static QmiMessage *
ctl_reply (SimQmi *self, QmiMessage *req)
{
  const guint8 *tlv;
  guint16 tlv_len = 0;
  QmiMessage *rsp;
  gsize ofs;
  guint i;

  switch (qmi_message_get_message_id (req)) {
  case 0x0020: /* Set Instance ID */
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    ofs = qmi_message_tlv_write_init (rsp, 0x01, NULL);
    if (ofs && (!qmi_message_tlv_write_guint16 (rsp, QMI_ENDIAN_LITTLE, 0, NULL) ||
                !qmi_message_tlv_write_complete (rsp, ofs, NULL)))
      qmi_message_tlv_write_reset (rsp, ofs);
    return rsp;
  case 0x0021: /* Get Version Info */
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    ofs = qmi_message_tlv_write_init (rsp, 0x01, NULL);
    if (!ofs)
      return rsp;
    qmi_message_tlv_write_guint8 (rsp, G_N_ELEMENTS (services), NULL);
    for (i = 0; i < G_N_ELEMENTS (services); i++) {
      qmi_message_tlv_write_guint8 (rsp, services[i].service, NULL);
      qmi_message_tlv_write_guint16 (rsp, QMI_ENDIAN_LITTLE, services[i].major, NULL);
      qmi_message_tlv_write_guint16 (rsp, QMI_ENDIAN_LITTLE, services[i].minor, NULL);
    }
    if (!qmi_message_tlv_write_complete (rsp, ofs, NULL))
      qmi_message_tlv_write_reset (rsp, ofs);
    return rsp;
  case 0x0022: { /* Allocate CID */
    Client c = { 0, };
    guint tries;

    tlv = qmi_message_get_raw_tlv (req, 0x01, &tlv_len);
    if (!tlv || tlv_len < 1)
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_MISSING_ARGUMENT);
    if (tlv[0] == QMI_SERVICE_CTL || !service_known (tlv[0]))
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_INVALID_SERVICE_TYPE);
    c.service = tlv[0];
    for (tries = 0; tries < MAX_CLIENTS; tries++) {
      guint8 cid = (guint8) (self->next_cid[c.service] % MAX_CLIENTS + 1);

      self->next_cid[c.service] = cid;
      if (!sim_qmi_find_client (self, c.service, cid, NULL)) {
        c.cid = cid;
        break;
      }
    }
    if (!c.cid)
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_CLIENT_IDS_EXHAUSTED);
    g_array_append_val (self->clients, c);
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    ofs = qmi_message_tlv_write_init (rsp, 0x01, NULL);
    if (ofs && (!qmi_message_tlv_write_guint8 (rsp, c.service, NULL) ||
                !qmi_message_tlv_write_guint8 (rsp, c.cid, NULL) ||
                !qmi_message_tlv_write_complete (rsp, ofs, NULL)))
      qmi_message_tlv_write_reset (rsp, ofs);
    return rsp;
  }
  case 0x0023: { /* Release CID */
    guint index;

    tlv = qmi_message_get_raw_tlv (req, 0x01, &tlv_len);
    if (!tlv || tlv_len < 2)
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_MISSING_ARGUMENT);
    if (!sim_qmi_find_client (self, tlv[0], tlv[1], &index))
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_INVALID_CLIENT_ID);
    g_array_remove_index_fast (self->clients, index);
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    ofs = qmi_message_tlv_write_init (rsp, 0x01, NULL);
    if (ofs && (!qmi_message_tlv_write_guint8 (rsp, tlv[0], NULL) ||
                !qmi_message_tlv_write_guint8 (rsp, tlv[1], NULL) ||
                !qmi_message_tlv_write_complete (rsp, ofs, NULL)))
      qmi_message_tlv_write_reset (rsp, ofs);
    return rsp;
  }
  case 0x0026: /* Set Data Format */
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    ofs = qmi_message_tlv_write_init (rsp, 0x10, NULL);
    if (ofs && (!qmi_message_tlv_write_guint16 (rsp, QMI_ENDIAN_LITTLE, 1, NULL) ||
                !qmi_message_tlv_write_complete (rsp, ofs, NULL)))
      qmi_message_tlv_write_reset (rsp, ofs);
    return rsp;
  case 0x0027: /* Sync: forget every client */
    g_array_set_size (self->clients, 0);
    sim_apdu_channels_reset (&self->channels);
    return qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  case 0xFF00: /* libqmi's internal proxy open: harmless */
    return qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  default:
    return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_INVALID_QMI_COMMAND);
  }
}

/* ------------------------------------------------------------------------ */
/* DMS */

static QmiMessage *
string_reply (QmiMessage *req, guint8 type, const gchar *value)
{
  QmiMessage *rsp;

  if (!value)
    return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_NOT_PROVISIONED);
  rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  sim_qmi_tlv_string (rsp, type, value);
  return rsp;
}

/* DMS 0x5556: a test-only route (tests/broker/tripwire-door.sh), not a
 * real modem's message: identifiers in TLVs no filter knows, as text, as
 * the bytes of EF_IMSI and as UTF-16LE: what the broker's value tripwire
 * is for. */
static QmiMessage *
vendor_leak_reply (const SimIds *ids, QmiMessage *req)
{
  guint8 ef[SIM_FILE_MAX_LEN], wide[64];
  g_autofree gchar *text = NULL;
  QmiMessage *rsp;
  gsize n, i;

  n = sim_files_content (ids, SIM_FILE_IMSI, ef);
  if (!ids->imsi || !ids->iccid || n == 0 || strlen (ids->iccid) * 2 > sizeof wide)
    return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_NOT_PROVISIONED);
  rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  text = g_strdup_printf ("build 7 %s rev 2", ids->imsi);
  for (i = 0; ids->iccid[i]; i++) {
    wide[2 * i] = (guint8) ids->iccid[i];
    wide[2 * i + 1] = 0;
  }
  if (!qmi_message_add_raw_tlv (rsp, 0x10, (const guint8 *) text, strlen (text), NULL) ||
      !qmi_message_add_raw_tlv (rsp, 0x11, ef, n, NULL) ||
      !qmi_message_add_raw_tlv (rsp, 0x12, wide, 2 * i, NULL))
    g_warning ("sim: the test-only DMS 0x5556 reply does not fit");
  return rsp;
}

static QmiMessage *
dms_reply (SimQmi *self, QmiMessage *req)
{
  const SimIds *ids = self->ids;
  QmiMessage *rsp;
  gsize ofs;

  switch (qmi_message_get_message_id (req)) {
  case 0x0020: /* Get Capabilities */
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    ofs = qmi_message_tlv_write_init (rsp, 0x01, NULL);
    if (ofs && (!qmi_message_tlv_write_guint32 (rsp, QMI_ENDIAN_LITTLE, 50000000, NULL) ||
                !qmi_message_tlv_write_guint32 (rsp, QMI_ENDIAN_LITTLE, 150000000, NULL) ||
                !qmi_message_tlv_write_guint8 (rsp, QMI_DMS_DATA_SERVICE_CAPABILITY_SIMULTANEOUS_CS_PS, NULL) ||
                !qmi_message_tlv_write_guint8 (rsp, QMI_DMS_SIM_CAPABILITY_SUPPORTED, NULL) ||
                !qmi_message_tlv_write_guint8 (rsp, 3, NULL) ||
                !qmi_message_tlv_write_guint8 (rsp, QMI_DMS_RADIO_INTERFACE_GSM, NULL) ||
                !qmi_message_tlv_write_guint8 (rsp, QMI_DMS_RADIO_INTERFACE_UMTS, NULL) ||
                !qmi_message_tlv_write_guint8 (rsp, QMI_DMS_RADIO_INTERFACE_LTE, NULL) ||
                !qmi_message_tlv_write_complete (rsp, ofs, NULL)))
      qmi_message_tlv_write_reset (rsp, ofs);
    return rsp;
  case 0x0021: /* Get Manufacturer */
    return string_reply (req, 0x01, "idguard");
  case 0x0022: /* Get Model */
    return string_reply (req, 0x01, "idguard-modem-sim");
  case 0x0023: /* Get Revision */
    return string_reply (req, 0x01, "SIM_" IDG_SIM_VERSION);
  case 0x002C: /* Get Hardware Revision */
    return string_reply (req, 0x01, "1.0");
  case 0x0024: /* Get MSISDN */
    return string_reply (req, 0x01, ids->msisdn);
  case 0x0025: /* Get IDs */
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    if (ids->esn)
      sim_qmi_tlv_string (rsp, 0x10, ids->esn);
    if (ids->imei)
      sim_qmi_tlv_string (rsp, 0x11, ids->imei);
    if (ids->meid)
      sim_qmi_tlv_string (rsp, 0x12, ids->meid);
    if (ids->imeisv)
      sim_qmi_tlv_string (rsp, 0x13, ids->imeisv);
    return rsp;
  case 0x002D: /* Get Operating Mode */
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    sim_qmi_tlv_guint8 (rsp, 0x01, QMI_DMS_OPERATING_MODE_ONLINE);
    sim_qmi_tlv_guint8 (rsp, 0x11, 0);
    return rsp;
  case 0x003C: /* UIM Get ICCID */
    return string_reply (req, 0x01, ids->iccid);
  case 0x0043: /* UIM Get IMSI */
    return string_reply (req, 0x01, ids->imsi);
  case 0x5556: /* test only, see vendor_leak_reply */
    return vendor_leak_reply (ids, req);
  default:
    return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_INVALID_QMI_COMMAND);
  }
}

/* ------------------------------------------------------------------------ */

QmiMessage *
sim_qmi_reply (SimQmi     *self,
               QmiMessage *request)
{
  if (!qmi_message_is_request (request))
    return NULL;
  switch (qmi_message_get_service (request)) {
  case QMI_SERVICE_CTL:
    return ctl_reply (self, request);
  case QMI_SERVICE_DMS:
    return dms_reply (self, request);
  case QMI_SERVICE_UIM:
    return sim_qmi_uim_reply (self, request);
  case QMI_SERVICE_NAS:
    return sim_qmi_nas_reply (self, request);
  default:
    if (!service_known ((guint8) qmi_message_get_service (request)))
      return NULL;  /* a modem does not answer services it lacks */
    return sim_qmi_error_reply (request, QMI_PROTOCOL_ERROR_INVALID_QMI_COMMAND);
  }
}

void
sim_qmi_append_message (GByteArray *out, QmiMessage *m)
{
  gsize len = 0;
  const guint8 *raw = qmi_message_get_raw (m, &len, NULL);

  if (raw)
    g_byte_array_append (out, raw, (guint) len);
}

/* A host request whose QMUX and SDU lengths agree (total = marker + QMUX
 * length). */
static gboolean
request_header_plausible (const guint8 *p, gsize total)
{
  if (p[3] != 0x00)                      /* sent by the control point */
    return FALSE;
  if (p[4] == QMI_SERVICE_CTL)
    return total == 12 + (gsize) (p[10] | (p[11] << 8));
  return total >= 13 && total == 13 + (gsize) (p[11] | (p[12] << 8));
}

/* The offset of the first later frame marker that starts a complete frame
 * libqmi accepts, or 0. Bounded work: a buffer full of markers costs at most
 * MAX_CANDIDATES header checks. */
#define MAX_CANDIDATES 256

static gsize
complete_frame_after (GByteArray *in)
{
  const guint8 *p = in->data + 1;
  const guint8 *end = in->data + in->len;
  guint tries = 0;

  while (tries++ < MAX_CANDIDATES && (p = memchr (p, QMUX_MARKER, (gsize) (end - p)))) {
    gsize avail = (gsize) (end - p);
    guint16 len;

    if (avail < 3)
      return 0;
    len = (guint16) (p[1] | (p[2] << 8));
    if (len >= QMUX_MIN_LEN - 1 && (gsize) len + 1 <= avail &&
        request_header_plausible (p, (gsize) len + 1)) {
      g_autoptr(GByteArray) copy = g_byte_array_sized_new (len + 1U);
      g_autoptr(QmiMessage) m = NULL;

      g_byte_array_append (copy, p, len + 1U);
      m = qmi_message_new_from_raw (copy, NULL);
      if (m)
        return (gsize) (p - in->data);
    }
    p++;
  }
  return 0;
}

QmiMessage *
sim_qmi_parse_next (GByteArray *in)
{
  while (in->len > 0) {
    QmiMessage *req;
    const guint8 *marker;
    guint16 qmux_len;

    /* Resynchronise on the frame marker. */
    marker = memchr (in->data, QMUX_MARKER, in->len);
    if (!marker) {
      g_byte_array_set_size (in, 0);
      return NULL;
    }
    if (marker != in->data)
      g_byte_array_remove_range (in, 0, (guint) (marker - in->data));
    if (in->len < 3)
      return NULL;
    qmux_len = (guint16) (in->data[1] | (in->data[2] << 8));
    if (qmux_len < QMUX_MIN_LEN - 1) {
      g_byte_array_remove_range (in, 0, 1);
      continue;
    }
    if (in->len < (guint) qmux_len + 1) {
      /* Incomplete. If its length lied, a whole valid request may follow
       * inside what it claims: resynchronise on that one. */
      gsize skip = complete_frame_after (in);

      if (!skip)
        return NULL;
      g_byte_array_remove_range (in, 0, (guint) skip);
      continue;
    }
    /* libqmi consumes the frame, accepted or not; a rejected one is
     * skipped and the rest goes on */
    req = qmi_message_new_from_raw (in, NULL);
    if (req)
      return req;
  }
  return NULL;
}

void
sim_qmi_feed (SimQmi       *self,
              const guint8 *data,
              gsize         len,
              GByteArray   *out)
{
  QmiMessage *req;

  g_byte_array_append (self->in, data, (guint) len);
  while ((req = sim_qmi_parse_next (self->in))) {
    g_autoptr(QmiMessage) rsp = sim_qmi_reply (self, req);

    if (rsp)
      sim_qmi_append_message (out, rsp);
    qmi_message_unref (req);
  }
}

void
sim_qmi_reset_input (SimQmi *self)
{
  g_byte_array_set_size (self->in, 0);
}

gsize
sim_qmi_pending_input (SimQmi *self)
{
  return self->in->len;
}

QmiMessage *
sim_qmi_indication_new (guint8 cid, guint16 message_id)
{
  QmiMessage *m = qmi_message_new (QMI_SERVICE_UIM, cid, 0, message_id);
  GByteArray *raw = (GByteArray *) m;

  /* libqmi builds requests only: mark it as sent by the service, as an
   * indication. */
  raw->data[QMUX_FLAGS_OFS] = 0x80;
  raw->data[SDU_FLAGS_OFS] = SDU_FLAG_INDICATION;
  return m;
}

void
sim_qmi_sim_changed (SimQmi     *self,
                     GByteArray *out)
{
  /* DMS has nothing to say; UIM tells its registered clients */
  sim_qmi_uim_sim_changed (self, out);
}
