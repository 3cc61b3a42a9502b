// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NAS service of the simulated QMI modem, as a modem registered on a
 * network answers it: Get Serving System (registered, CS and PS attached,
 * LTE, current PLMN), Get Home Network, Get Signal Strength, and Register
 * Indications accepted. The network is the ITU test network 001/01, the
 * same for every SIM: no identifier is derived here.
 */
#include "sim-qmi-private.h"

#define NET_MCC  1
#define NET_MNC  1
#define NET_NAME "idguard-net"

/* MCC, MNC and a u8-length-prefixed description: Current PLMN, Home
 * Network */
static void
plmn_tlv (QmiMessage *rsp, guint8 type)
{
  gsize ofs = qmi_message_tlv_write_init (rsp, type, NULL);

  if (!ofs)
    return;
  if (!qmi_message_tlv_write_guint16 (rsp, QMI_ENDIAN_LITTLE, NET_MCC, NULL) ||
      !qmi_message_tlv_write_guint16 (rsp, QMI_ENDIAN_LITTLE, NET_MNC, NULL) ||
      !qmi_message_tlv_write_string (rsp, 1, NET_NAME, -1, NULL) ||
      !qmi_message_tlv_write_complete (rsp, ofs, NULL))
    qmi_message_tlv_write_reset (rsp, ofs);
}

static QmiMessage *
serving_system_reply (QmiMessage *req)
{
  QmiMessage *rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  gsize ofs = qmi_message_tlv_write_init (rsp, 0x01, NULL);

  if (ofs && (!qmi_message_tlv_write_guint8 (rsp, QMI_NAS_REGISTRATION_STATE_REGISTERED, NULL) ||
              !qmi_message_tlv_write_guint8 (rsp, QMI_NAS_ATTACH_STATE_ATTACHED, NULL) ||  /* CS */
              !qmi_message_tlv_write_guint8 (rsp, QMI_NAS_ATTACH_STATE_ATTACHED, NULL) ||  /* PS */
              !qmi_message_tlv_write_guint8 (rsp, QMI_NAS_NETWORK_TYPE_3GPP, NULL) ||
              !qmi_message_tlv_write_guint8 (rsp, 1, NULL) ||
              !qmi_message_tlv_write_guint8 (rsp, QMI_NAS_RADIO_INTERFACE_LTE, NULL) ||
              !qmi_message_tlv_write_complete (rsp, ofs, NULL)))
    qmi_message_tlv_write_reset (rsp, ofs);
  sim_qmi_tlv_guint8 (rsp, 0x10, QMI_NAS_ROAMING_INDICATOR_STATUS_OFF);
  plmn_tlv (rsp, 0x12);
  return rsp;
}

static QmiMessage *
signal_strength_reply (QmiMessage *req)
{
  QmiMessage *rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  gsize ofs = qmi_message_tlv_write_init (rsp, 0x01, NULL);

  if (ofs && (!qmi_message_tlv_write_gint8 (rsp, -73, NULL) ||    /* dBm */
              !qmi_message_tlv_write_guint8 (rsp, QMI_NAS_RADIO_INTERFACE_LTE, NULL) ||
              !qmi_message_tlv_write_complete (rsp, ofs, NULL)))
    qmi_message_tlv_write_reset (rsp, ofs);
  return rsp;
}

QmiMessage *
sim_qmi_nas_reply (SimQmi     *self,
                   QmiMessage *req)
{
  QmiMessage *rsp;

  (void) self;
  switch (qmi_message_get_message_id (req)) {
  case 0x0003: /* Register Indications: accepted, none are sent */
    return qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
  case 0x0020: /* Get Signal Strength */
    return signal_strength_reply (req);
  case 0x0024: /* Get Serving System */
    return serving_system_reply (req);
  case 0x0025: /* Get Home Network */
    rsp = qmi_message_response_new (req, QMI_PROTOCOL_ERROR_NONE);
    plmn_tlv (rsp, 0x01);
    return rsp;
  default:
    return sim_qmi_error_reply (req, QMI_PROTOCOL_ERROR_INVALID_QMI_COMMAND);
  }
}
