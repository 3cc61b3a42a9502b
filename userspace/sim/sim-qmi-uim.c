/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The UIM service of the simulated modem: card and slot status, the
 * identifier files (Read Transparent/Record), event and refresh
 * registration with their indications, raw SIM access (Send APDU, logical
 * channels).
 */
#include <string.h>
#include "idg-encoding.h"
#include "sim-files.h"
#include "sim-qmi-private.h"

static const guint8 usim_aid[] = {
  0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xFF,
  0x33, 0xFF, 0xFF, 0x89, 0x01, 0x01, 0x01, 0x00,
};
static const guint8 atr[] = {
  0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31,
  0xE0, 0x73, 0xFE, 0x21, 0x1B, 0x63, 0x3A, 0x20,
  0x4E, 0x83, 0x00, 0x90, 0x00, 0x31,
};

static void
tlv_card_status (QmiMessage *m, guint8 type)
{
  gsize ofs = qmi_message_tlv_write_init (m, type, NULL);
  gboolean ok;

  if (!ofs)
    return;
  ok = qmi_message_tlv_write_guint16 (m, QMI_ENDIAN_LITTLE, 0x0000, NULL) &&  /* GW primary: card 0 app 0 */
       qmi_message_tlv_write_guint16 (m, QMI_ENDIAN_LITTLE, 0xFFFF, NULL) &&
       qmi_message_tlv_write_guint16 (m, QMI_ENDIAN_LITTLE, 0xFFFF, NULL) &&
       qmi_message_tlv_write_guint16 (m, QMI_ENDIAN_LITTLE, 0xFFFF, NULL) &&
       qmi_message_tlv_write_guint8 (m, 1, NULL) &&                           /* cards */
       qmi_message_tlv_write_guint8 (m, QMI_UIM_CARD_STATE_PRESENT, NULL) &&
       qmi_message_tlv_write_guint8 (m, QMI_UIM_PIN_STATE_NOT_INITIALIZED, NULL) &&
       qmi_message_tlv_write_guint8 (m, 0, NULL) &&
       qmi_message_tlv_write_guint8 (m, 0, NULL) &&
       qmi_message_tlv_write_guint8 (m, 0, NULL) &&                           /* error code */
       qmi_message_tlv_write_guint8 (m, 1, NULL) &&                           /* applications */
       qmi_message_tlv_write_guint8 (m, QMI_UIM_CARD_APPLICATION_TYPE_USIM, NULL) &&
       qmi_message_tlv_write_guint8 (m, QMI_UIM_CARD_APPLICATION_STATE_READY, NULL) &&
       qmi_message_tlv_write_guint8 (m, QMI_UIM_CARD_APPLICATION_PERSONALIZATION_STATE_READY, NULL) &&
       qmi_message_tlv_write_guint8 (m, 0, NULL) &&
       qmi_message_tlv_write_guint8 (m, 0, NULL) &&
       qmi_message_tlv_write_guint8 (m, 0, NULL) &&
       qmi_message_tlv_write_guint8 (m, sizeof usim_aid, NULL) &&
       sim_qmi_write_bytes (m, usim_aid, sizeof usim_aid) &&
       qmi_message_tlv_write_guint8 (m, 0, NULL) &&                           /* UPIN replaces PIN1 */
       qmi_message_tlv_write_guint8 (m, QMI_UIM_PIN_STATE_DISABLED, NULL) &&
       qmi_message_tlv_write_guint8 (m, 3, NULL) &&
       qmi_message_tlv_write_guint8 (m, 10, NULL) &&
       qmi_message_tlv_write_guint8 (m, QMI_UIM_PIN_STATE_ENABLED_NOT_VERIFIED, NULL) &&
       qmi_message_tlv_write_guint8 (m, 3, NULL) &&
       qmi_message_tlv_write_guint8 (m, 10, NULL) &&
       qmi_message_tlv_write_complete (m, ofs, NULL);
  if (!ok)
    qmi_message_tlv_write_reset (m, ofs);
}

static void
tlv_slot_status (const SimIds *ids, QmiMessage *m)
{
  guint8 iccid[IDG_EF_ICCID_LEN];
  guint8 eid[16];
  gboolean have_iccid = ids->iccid && idg_bcd_encode (ids->iccid, iccid, sizeof iccid);
  gboolean have_eid = sim_files_eid_bcd (ids->eid, eid);
  gsize ofs;
  gboolean ok;

  ofs = qmi_message_tlv_write_init (m, 0x10, NULL);
  if (!ofs)
    return;
  ok = qmi_message_tlv_write_guint8 (m, 1, NULL) &&
       qmi_message_tlv_write_guint32 (m, QMI_ENDIAN_LITTLE, QMI_UIM_PHYSICAL_CARD_STATE_PRESENT, NULL) &&
       qmi_message_tlv_write_guint32 (m, QMI_ENDIAN_LITTLE, QMI_UIM_SLOT_STATE_ACTIVE, NULL) &&
       qmi_message_tlv_write_guint8 (m, 1, NULL) &&
       qmi_message_tlv_write_guint8 (m, have_iccid ? sizeof iccid : 0, NULL) &&
       (!have_iccid || sim_qmi_write_bytes (m, iccid, sizeof iccid)) &&
       qmi_message_tlv_write_complete (m, ofs, NULL);
  if (!ok) {
    qmi_message_tlv_write_reset (m, ofs);
    return;
  }

  ofs = qmi_message_tlv_write_init (m, 0x11, NULL);
  if (!ofs)
    return;
  ok = qmi_message_tlv_write_guint8 (m, 1, NULL) &&
       qmi_message_tlv_write_guint32 (m, QMI_ENDIAN_LITTLE, QMI_UIM_CARD_PROTOCOL_UICC, NULL) &&
       qmi_message_tlv_write_guint8 (m, 1, NULL) &&
       qmi_message_tlv_write_guint8 (m, sizeof atr, NULL) &&
       sim_qmi_write_bytes (m, atr, sizeof atr) &&
       qmi_message_tlv_write_guint8 (m, have_eid, NULL) &&
       qmi_message_tlv_write_complete (m, ofs, NULL);
  if (!ok) {
    qmi_message_tlv_write_reset (m, ofs);
    return;
  }

  ofs = qmi_message_tlv_write_init (m, 0x12, NULL);
  if (!ofs)
    return;
  ok = qmi_message_tlv_write_guint8 (m, 1, NULL) &&
       qmi_message_tlv_write_guint8 (m, have_eid ? sizeof eid : 0, NULL) &&
       (!have_eid || sim_qmi_write_bytes (m, eid, sizeof eid)) &&
       qmi_message_tlv_write_complete (m, ofs, NULL);
  if (!ok)
    qmi_message_tlv_write_reset (m, ofs);
}

/* Parses the File TLV (0x02): u16 file id, u8 path length, path bytes (u16
 * little-endian DF ids). */
static SimFile
request_file (QmiMessage *req)
{
  guint16 tlv_len = 0;
  const guint8 *tlv = qmi_message_get_raw_tlv (req, 0x02, &tlv_len);
  guint16 path[8];
  guint16 file_id;
  gsize n_path, i;

  if (!tlv || tlv_len < 3)
    return SIM_FILE_NONE;
  file_id = (guint16) (tlv[0] | (tlv[1] << 8));
  if (tlv[2] % 2 || tlv[2] / 2 > G_N_ELEMENTS (path) || (gsize) tlv[2] + 3 > tlv_len)
    return SIM_FILE_NONE;
  n_path = tlv[2] / 2;
  for (i = 0; i < n_path; i++)
    path[i] = (guint16) (tlv[3 + 2 * i] | (tlv[4 + 2 * i] << 8));
  if (n_path == 0)
    return SIM_FILE_NONE;
  return sim_files_lookup (file_id, path, n_path);
}

static QmiMessage *
card_error (QmiMessage *req, QmiProtocolError error, guint8 sw1, guint8 sw2)
{
  QmiMessage *rsp = qmi_message_response_new (req, error);
  gsize ofs = qmi_message_tlv_write_init (rsp, 0x10, NULL);

  if (ofs && (!qmi_message_tlv_write_guint8 (rsp, sw1, NULL) ||
              !qmi_message_tlv_write_guint8 (rsp, sw2, NULL) ||
              !qmi_message_tlv_write_complete (rsp, ofs, NULL)))
    qmi_message_tlv_write_reset (rsp, ofs);
  return rsp;
}

static QmiMessage *
file_reply (SimQmi *self, QmiMessage *req, gboolean record)
{
  SimFile file = request_file (req);
  guint8 content[SIM_FILE_MAX_LEN];
  guint16 tlv_len = 0;
  const guint8 *tlv;
  gsize len, start = 0, count;
  QmiMessage *rsp;

  if (!qmi_message_get_raw_tlv (req, 0x02, &tlv_len) ||
      !qmi_message_get_raw_tlv (req, 0x03, &tlv_len))
    return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_MISSING_ARGUMENT);
  len = sim_files_content (self->ids, file, content);
  if (file == SIM_FILE_NONE || len == 0 || sim_files_is_record (file) != record)
    return card_error (req, QMI_PROTOCOL_ERROR_SIM_FILE_NOT_FOUND, 0x6A, 0x82);

  tlv = qmi_message_get_raw_tlv (req, 0x03, &tlv_len);
  if (!tlv || tlv_len < 4)
    return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_MALFORMED_MESSAGE);
  if (record) {
    guint16 number = (guint16) (tlv[0] | (tlv[1] << 8));
    guint16 want = (guint16) (tlv[2] | (tlv[3] << 8));

    guint16 last_len = 0;
    const guint8 *last = qmi_message_get_raw_tlv (req, 0x10, &last_len);

    /* one record; as a card does, a shorter length returns the start of
     * the record, a longer one is refused */
    if (number != 1 || (last && (last_len < 2 || (last[0] | (last[1] << 8)) != number)))
      return card_error (req, QMI_PROTOCOL_ERROR_INVALID_ARGUMENT, 0x6A, 0x83);
    if (want > len)
      return card_error (req, QMI_PROTOCOL_ERROR_INVALID_ARGUMENT, 0x67, 0x00);
    count = want ? want : len;
  } else {
    guint16 offset = (guint16) (tlv[0] | (tlv[1] << 8));
    guint16 want = (guint16) (tlv[2] | (tlv[3] << 8));

    if (offset > len || (want && (gsize) offset + want > len))
      return card_error (req, QMI_PROTOCOL_ERROR_INVALID_ARGUMENT, 0x6B, 0x00);
    start = offset;
    count = want ? want : len - offset;
  }

  rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  {
    gsize ofs = qmi_message_tlv_write_init (rsp, 0x10, NULL);

    if (ofs && (!qmi_message_tlv_write_guint8 (rsp, 0x90, NULL) ||
                !qmi_message_tlv_write_guint8 (rsp, 0x00, NULL) ||
                !qmi_message_tlv_write_complete (rsp, ofs, NULL)))
      qmi_message_tlv_write_reset (rsp, ofs);
  }
  sim_qmi_tlv_u16_array (rsp, 0x11, content + start, count);
  return rsp;
}

/* Raw SIM access: Send APDU (0x003B), Open Logical Channel (0x0042) and
 * Logical Channel (0x003F, open with an AID or close a channel id). */
static QmiMessage *
channel_open_reply (SimQmi *self, QmiMessage *req)
{
  gint i = sim_apdu_channels_open (&self->channels);
  QmiMessage *rsp;
  gsize ofs;

  if (i < 0)
    return card_error (req, QMI_PROTOCOL_ERROR_INSUFFICIENT_RESOURCES, 0x6A, 0x84);
  rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  sim_qmi_tlv_guint8 (rsp, 0x10, (guint8) i);
  ofs = qmi_message_tlv_write_init (rsp, 0x11, NULL);
  if (ofs && (!qmi_message_tlv_write_guint8 (rsp, 0x90, NULL) ||
              !qmi_message_tlv_write_guint8 (rsp, 0x00, NULL) ||
              !qmi_message_tlv_write_complete (rsp, ofs, NULL)))
    qmi_message_tlv_write_reset (rsp, ofs);
  return rsp;
}

static QmiMessage *
raw_sim_reply (SimQmi *self, QmiMessage *req)
{
  guint8 resp[SIM_APDU_MAX_RESPONSE];
  guint16 tlv_len = 0;
  const guint8 *tlv;
  QmiMessage *rsp;
  guint channel = 0;
  SimApdu *apdu;
  gsize rlen;

  switch (qmi_message_get_message_id (req)) {
  case 0x003B: /* Send APDU */
    tlv = qmi_message_get_raw_tlv (req, 0x02, &tlv_len);
    if (!tlv || tlv_len < 2 || (gsize) (tlv[0] | (tlv[1] << 8)) + 2 != tlv_len)
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_MISSING_ARGUMENT);
    {
      guint16 n = 0;
      const guint8 *ch = qmi_message_get_raw_tlv (req, 0x10, &n);

      if (ch && n >= 1)
        channel = ch[0];
    }
    apdu = sim_apdu_channels_get (&self->channels, channel);
    if (!apdu)
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_INVALID_ARGUMENT);
    rlen = sim_apdu_process (apdu, self->ids, tlv + 2, tlv_len - 2U, resp);
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    sim_qmi_tlv_u16_array (rsp, 0x10, resp, rlen);
    return rsp;
  case 0x0042: /* Open Logical Channel */
    return channel_open_reply (self, req);
  default:     /* 0x003F Logical Channel */
    tlv = qmi_message_get_raw_tlv (req, 0x11, &tlv_len);
    if (!tlv || tlv_len < 1)
      return channel_open_reply (self, req);
    if (!sim_apdu_channels_close (&self->channels, tlv[0]))
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_INVALID_ARGUMENT);
    return qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  }
}

QmiMessage *
sim_qmi_uim_reply (SimQmi *self, QmiMessage *req)
{
  guint16 tlv_len = 0;
  const guint8 *tlv;
  QmiMessage *rsp;
  Client *c;

  switch (qmi_message_get_message_id (req)) {
  case 0x0020: /* Read Transparent */
    return file_reply (self, req, FALSE);
  case 0x0021: /* Read Record */
    return file_reply (self, req, TRUE);
  case 0x002A: /* Refresh Register */
  case 0x0044: /* Refresh Register All */
    tlv = qmi_message_get_raw_tlv (req, 0x02, &tlv_len);
    if (!tlv || tlv_len < 1)
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_MISSING_ARGUMENT);
    c = sim_qmi_find_client (self, QMI_SERVICE_UIM, qmi_message_get_client_id (req), NULL);
    if (!c)
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_INVALID_CLIENT_ID);
    c->refresh = tlv[0] != 0;
    return qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  case 0x002C: /* Refresh Complete */
    return qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  case 0x002E: { /* Register Events */
    guint32 mask;

    tlv = qmi_message_get_raw_tlv (req, 0x01, &tlv_len);
    if (!tlv || tlv_len < 4)
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_MISSING_ARGUMENT);
    mask = (guint32) tlv[0] | ((guint32) tlv[1] << 8) | ((guint32) tlv[2] << 16) | ((guint32) tlv[3] << 24);
    mask &= QMI_UIM_EVENT_REGISTRATION_FLAG_CARD_STATUS |
            QMI_UIM_EVENT_REGISTRATION_FLAG_PHYSICAL_SLOT_STATUS;
    c = sim_qmi_find_client (self, QMI_SERVICE_UIM, qmi_message_get_client_id (req), NULL);
    if (!c)
      return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_INVALID_CLIENT_ID);
    c->uim_events = mask;
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    sim_qmi_tlv_guint32 (rsp, 0x10, mask);
    return rsp;
  }
  case 0x003B: /* Send APDU */
  case 0x003F: /* Logical Channel */
  case 0x0042: /* Open Logical Channel */
    return raw_sim_reply (self, req);
  case 0x002F: /* Get Card Status */
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    tlv_card_status (rsp, 0x10);
    return rsp;
  case 0x0047: /* Get Slot Status */
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    tlv_slot_status (self->ids, rsp);
    return rsp;
  default:
    return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_INVALID_QMI_COMMAND);
  }
}

void
sim_qmi_uim_sim_changed (SimQmi     *self,
                         GByteArray *out)
{
  guint i;

  for (i = 0; i < self->clients->len; i++) {
    Client *c = &g_array_index (self->clients, Client, i);

    if (c->service != QMI_SERVICE_UIM)
      continue;
    if (c->uim_events & QMI_UIM_EVENT_REGISTRATION_FLAG_PHYSICAL_SLOT_STATUS) {
      g_autoptr(QmiMessage) ind = sim_qmi_indication_new (c->cid, 0x0048);

      tlv_slot_status (self->ids, ind);
      sim_qmi_append_message (out, ind);
    }
    if (c->uim_events & QMI_UIM_EVENT_REGISTRATION_FLAG_CARD_STATUS) {
      g_autoptr(QmiMessage) ind = sim_qmi_indication_new (c->cid, 0x0032);

      tlv_card_status (ind, 0x10);
      sim_qmi_append_message (out, ind);
    }
    if (c->refresh) {
      /* a new card: the whole session is reset */
      g_autoptr(QmiMessage) ind = sim_qmi_indication_new (c->cid, 0x0033);
      gsize ofs = qmi_message_tlv_write_init (ind, 0x10, NULL);

      if (ofs && (!qmi_message_tlv_write_guint8 (ind, QMI_UIM_REFRESH_STAGE_START, NULL) ||
                  !qmi_message_tlv_write_guint8 (ind, QMI_UIM_REFRESH_MODE_RESET, NULL) ||
                  !qmi_message_tlv_write_guint8 (ind, QMI_UIM_SESSION_TYPE_PRIMARY_GW_PROVISIONING, NULL) ||
                  !qmi_message_tlv_write_guint8 (ind, 0, NULL) ||
                  !qmi_message_tlv_write_guint16 (ind, QMI_ENDIAN_LITTLE, 0, NULL) ||
                  !qmi_message_tlv_write_complete (ind, ofs, NULL)))
        qmi_message_tlv_write_reset (ind, ofs);
      sim_qmi_append_message (out, ind);
    }
  }
}
