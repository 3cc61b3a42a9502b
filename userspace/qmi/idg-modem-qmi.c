/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMI modem backend: opens the modem's QMI port through the QMUX
 * multiplexer (idg-qmux.h: the port is read and written there, the QMI door
 * shares it) and talks to it with libqmi over the multiplexer's pty (QMI
 * mode: a pty is not a cdc-wdm device, so no AUTO/MBIM detection), allocates a DMS
 * and a UIM client, reads every identifier into the broker, follows SIM
 * changes (UIM card status and slot status indications: the SIM values are
 * cleared first, then read again) and re-opens a port that disappears or
 * stops answering, with exponential backoff. While the port is down every
 * identifier from this source is unknown: never served stale.
 *
 * The port is a device path (cdc-wdm, a pty) or a QRTR node, "qrtr://N"
 * (the modem of a Qualcomm SoC): then the session first joins the QRTR bus
 * (libqrtr-glib), waits for node N and its DMS service, and opens the
 * device on the node; the node leaving the bus ends the session like a
 * removed cdc-wdm node. A QRTR node has no port to multiplex: the door's
 * frames then go through the device (idg_qmux_new_for_device).
 *
 * One "session" is one open of the device; callbacks hold a reference on
 * their session and do nothing once it is over (a re-open or free).
 */
#include "idg-modem-qmi-private.h"
#include "idg-qmux.h"
#include "idg-backoff.h"
#include "idg-encoding.h"

#include <libqrtr-glib.h>
#include <string.h>

#define SOURCE          "qmi"
#define OPEN_TIMEOUT    10
#define CMD_TIMEOUT     5
#define BACKOFF_MIN     1
#define BACKOFF_MAX     60
/* QRTR: the bus's initial lookup, then the node and its DMS service */
#define QRTR_LOOKUP_MS  1000
#define QRTR_WAIT_MS    (OPEN_TIMEOUT * 1000)

typedef struct _Session Session;

struct _IdgModemQmi {
  IdgModem   parent;
  IdgBroker *broker;
  gchar     *path;
  Session   *session;
  IdgBackoff retry;
  gboolean   closing;    /* free: the doors are told nothing more */
};

G_DEFINE_FINAL_TYPE (IdgModemQmi, idg_modem_qmi, IDG_TYPE_MODEM)

static void
idg_modem_qmi_init (IdgModemQmi *modem)
{
}

static void
idg_modem_qmi_class_init (IdgModemQmiClass *klass)
{
}

typedef enum {
  STEP_IDS,
  STEP_IMSI,
  STEP_ICCID,
  STEP_MSISDN,
  STEP_SLOTS,
  STEP_EF_IMSI,
  STEP_EF_ICCID,
  STEP_DONE,
} ReadStep;

struct _Session {
  gint          ref;
  IdgModemQmi  *modem;        /* NULL once the session is over */
  GCancellable *cancellable;
  QrtrBus      *bus;          /* QRTR ports: the bus the node is on */
  IdgQmux      *mux;          /* the port; the device opens its pty */
  QmiDevice    *device;
  QmiClient    *dms;
  QmiClient    *uim;
  gboolean      announced;    /* watchers were given the port: after
                               * the first read of the identifiers */
  gulong        removed_id;
  gulong        card_id;
  gulong        slot_id;
  gboolean      reading;
  gboolean      reread;
  ReadStep      step;
  gboolean      have_imsi;
  gboolean      have_iccid;
};

static void schedule_retry (IdgModemQmi *modem, const gchar *reason);
static void read_start     (Session *s);
static void read_next      (Session *s);

/*****************************************************************************/

static Session *
session_ref (Session *s)
{
  s->ref++;
  return s;
}

static void
session_unref (Session *s)
{
  if (--s->ref > 0)
    return;
  g_clear_object (&s->dms);
  g_clear_object (&s->uim);
  g_clear_object (&s->device);
  g_clear_object (&s->bus);
  g_clear_object (&s->cancellable);
  idg_qmux_free (s->mux);
  g_free (s);
}

static void
notify_watchers (IdgModemQmi *modem,
                 IdgQmux     *mux)
{
  if (!modem->closing)
    idg_modem_emit_port_changed (IDG_MODEM (modem), mux);
}

/* Ends the current session: nothing of it is used again. */
static void
session_end (IdgModemQmi *modem)
{
  Session *s = modem->session;

  if (!s)
    return;
  modem->session = NULL;
  s->modem = NULL;
  g_cancellable_cancel (s->cancellable);
  if (s->uim) {
    g_clear_signal_handler (&s->card_id, s->uim);
    g_clear_signal_handler (&s->slot_id, s->uim);
  }
  if (s->device) {
    g_clear_signal_handler (&s->removed_id, s->device);
    if (qmi_device_is_open (s->device))
      qmi_device_close_async (s->device, 0, NULL, NULL, NULL);
  }
  if (s->announced)
    notify_watchers (modem, NULL);
  /* the port closes now (the pty with it): nothing of this session reads
   * or writes it again */
  g_clear_pointer (&s->mux, idg_qmux_free);
  session_unref (s);
}

static void
fail (IdgModemQmi *modem,
      const gchar *what,
      const GError *error)
{
  g_autofree gchar *reason = error ? g_strdup_printf ("%s: %s", what, error->message) : g_strdup (what);

  g_warning ("qmi modem: %s", reason);
  session_end (modem);
  idg_broker_clear_identifiers (modem->broker, SOURCE);
  schedule_retry (modem, reason);
}

/* A QMI protocol error is the modem's answer ("not supported", "SIM not
 * ready"...): that identifier is unknown, the port is fine; except
 * "invalid client id": a modem that reset has forgotten ours. Anything
 * else (timeout, closed port, garbage) means the port is not usable. */
static gboolean
is_transport_error (const GError *error)
{
  if (g_error_matches (error, QMI_PROTOCOL_ERROR, QMI_PROTOCOL_ERROR_INVALID_CLIENT_ID))
    return TRUE;
  if (error->domain == QMI_PROTOCOL_ERROR)
    return FALSE;
  if (g_error_matches (error, QMI_CORE_ERROR, QMI_CORE_ERROR_UNSUPPORTED))
    return FALSE;
  return TRUE;
}

/*****************************************************************************/
/* Values */

static gboolean
valid_value (IdgKind      kind,
             const gchar *value)
{
  gsize i, n;

  if (!value)
    return FALSE;
  n = strlen (value);
  if (n == 0 || n > 64)
    return FALSE;
  for (i = 0; i < n; i++) {
    gchar c = value[i];

    if (g_ascii_isdigit (c))
      continue;
    if ((kind == IDG_KIND_ESN || kind == IDG_KIND_MEID) && g_ascii_isxdigit (c))
      continue;
    if (kind == IDG_KIND_MSISDN && c == '+' && i == 0)
      continue;
    return FALSE;
  }
  return TRUE;
}

static void
set_value (Session     *s,
           IdgKind      kind,
           const gchar *value)
{
  idg_broker_set_identifier (s->modem->broker, SOURCE, kind,
                             valid_value (kind, value) ? value : NULL);
}

static void
clear_sim_values (IdgModemQmi *modem)
{
  idg_broker_set_identifier (modem->broker, SOURCE, IDG_KIND_IMSI, NULL);
  idg_broker_set_identifier (modem->broker, SOURCE, IDG_KIND_ICCID, NULL);
  idg_broker_set_identifier (modem->broker, SOURCE, IDG_KIND_MSISDN, NULL);
  idg_broker_set_identifier (modem->broker, SOURCE, IDG_KIND_EID, NULL);
}

/* Common tail of every read callback: FALSE if the session is over or the
 * port failed (then the session was ended). */
static gboolean
step_ok (Session      *s,
         const gchar  *what,
         const GError *error)
{
  if (!s->modem)
    return FALSE;
  if (error && is_transport_error (error)) {
    fail (s->modem, what, error);
    return FALSE;
  }
  return TRUE;
}

static void
advance (Session *s)
{
  s->step = MIN (s->step + 1, STEP_DONE);
  read_next (s);
}

/*****************************************************************************/
/* DMS reads */

static void
get_ids_ready (QmiClientDms *client,
               GAsyncResult *res,
               Session      *s)
{
  g_autoptr(QmiMessageDmsGetIdsOutput) out = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *esn = NULL, *imei = NULL, *meid = NULL, *imeisv = NULL;

  out = qmi_client_dms_get_ids_finish (client, res, &error);
  if (out && qmi_message_dms_get_ids_output_get_result (out, &error)) {
    qmi_message_dms_get_ids_output_get_esn (out, &esn, NULL);
    qmi_message_dms_get_ids_output_get_imei (out, &imei, NULL);
    qmi_message_dms_get_ids_output_get_meid (out, &meid, NULL);
    qmi_message_dms_get_ids_output_get_imei_software_version (out, &imeisv, NULL);
  }
  if (step_ok (s, "get ids", error)) {
    /* an ESN of all zeros means "none" on GSM modems */
    set_value (s, IDG_KIND_ESN, esn && strspn (esn, "0") != strlen (esn) ? esn : NULL);
    set_value (s, IDG_KIND_IMEI, imei);
    set_value (s, IDG_KIND_MEID, meid && strspn (meid, "0") != strlen (meid) ? meid : NULL);
    /* IMEISV: the 2-digit SVN after the first 14 digits of the IMEI */
    if (imei && imeisv && strlen (imei) >= 14 && strlen (imeisv) == 2) {
      g_autofree gchar *full = g_strdup_printf ("%.14s%s", imei, imeisv);

      set_value (s, IDG_KIND_IMEISV, full);
    } else {
      set_value (s, IDG_KIND_IMEISV, imeisv);
    }
    advance (s);
  }
  session_unref (s);
}

static void
get_imsi_ready (QmiClientDms *client,
                GAsyncResult *res,
                Session      *s)
{
  g_autoptr(QmiMessageDmsUimGetImsiOutput) out = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *v = NULL;

  out = qmi_client_dms_uim_get_imsi_finish (client, res, &error);
  if (out && qmi_message_dms_uim_get_imsi_output_get_result (out, &error))
    qmi_message_dms_uim_get_imsi_output_get_imsi (out, &v, NULL);
  if (step_ok (s, "get imsi", error)) {
    set_value (s, IDG_KIND_IMSI, v);
    s->have_imsi = valid_value (IDG_KIND_IMSI, v);
    advance (s);
  }
  session_unref (s);
}

static void
get_iccid_ready (QmiClientDms *client,
                 GAsyncResult *res,
                 Session      *s)
{
  g_autoptr(QmiMessageDmsUimGetIccidOutput) out = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *v = NULL;

  out = qmi_client_dms_uim_get_iccid_finish (client, res, &error);
  if (out && qmi_message_dms_uim_get_iccid_output_get_result (out, &error))
    qmi_message_dms_uim_get_iccid_output_get_iccid (out, &v, NULL);
  if (step_ok (s, "get iccid", error)) {
    set_value (s, IDG_KIND_ICCID, v);
    s->have_iccid = valid_value (IDG_KIND_ICCID, v);
    advance (s);
  }
  session_unref (s);
}

static void
get_msisdn_ready (QmiClientDms *client,
                  GAsyncResult *res,
                  Session      *s)
{
  g_autoptr(QmiMessageDmsGetMsisdnOutput) out = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *v = NULL;

  out = qmi_client_dms_get_msisdn_finish (client, res, &error);
  if (out && qmi_message_dms_get_msisdn_output_get_result (out, &error))
    qmi_message_dms_get_msisdn_output_get_msisdn (out, &v, NULL);
  if (step_ok (s, "get msisdn", error)) {
    set_value (s, IDG_KIND_MSISDN, v);
    advance (s);
  }
  session_unref (s);
}

/*****************************************************************************/
/* UIM reads */

static void
slot_status_ready (QmiClientUim *client,
                   GAsyncResult *res,
                   Session      *s)
{
  g_autoptr(QmiMessageUimGetSlotStatusOutput) out = NULL;
  g_autoptr(GError) error = NULL;
  GArray *slots = NULL, *eids = NULL;
  gchar iccid[41] = "", eid[33] = "";
  guint i;

  out = qmi_client_uim_get_slot_status_finish (client, res, &error);
  if (out && qmi_message_uim_get_slot_status_output_get_result (out, &error)) {
    qmi_message_uim_get_slot_status_output_get_physical_slot_status (out, &slots, NULL);
    qmi_message_uim_get_slot_status_output_get_slot_eid (out, &eids, NULL);
  }
  for (i = 0; slots && i < slots->len; i++) {
    QmiPhysicalSlotStatusSlot *slot = &g_array_index (slots, QmiPhysicalSlotStatusSlot, i);

    if (slot->physical_slot_status != QMI_UIM_SLOT_STATE_ACTIVE)
      continue;
    if (slot->physical_card_status == QMI_UIM_PHYSICAL_CARD_STATE_PRESENT && slot->iccid &&
        idg_bcd_decode ((const guint8 *) slot->iccid->data, slot->iccid->len, iccid, sizeof iccid) < 0)
      iccid[0] = '\0';
    if (eids && i < eids->len) {
      QmiSlotEidElement *e = &g_array_index (eids, QmiSlotEidElement, i);

      /* 16 bytes of BCD, high nibble first */
      if (e->eid && e->eid->len == 16) {
        guint8 swapped[16];
        guint j;

        for (j = 0; j < 16; j++) {
          guint8 b = g_array_index (e->eid, guint8, j);

          swapped[j] = (guint8) ((b << 4) | (b >> 4));
        }
        if (idg_bcd_decode (swapped, sizeof swapped, eid, sizeof eid) != 32)
          eid[0] = '\0';
        memset (swapped, 0, sizeof swapped);
      }
    }
    break;
  }
  if (step_ok (s, "get slot status", error)) {
    if (!s->have_iccid && iccid[0]) {
      set_value (s, IDG_KIND_ICCID, iccid);
      s->have_iccid = TRUE;
    }
    set_value (s, IDG_KIND_EID, eid[0] ? eid : NULL);
    advance (s);
  }
  memset (iccid, 0, sizeof iccid);
  memset (eid, 0, sizeof eid);
  session_unref (s);
}

static void
read_transparent_ready (QmiClientUim *client,
                        GAsyncResult *res,
                        Session      *s)
{
  g_autoptr(QmiMessageUimReadTransparentOutput) out = NULL;
  g_autoptr(GError) error = NULL;
  GArray *data = NULL;
  gchar value[41] = "";

  out = qmi_client_uim_read_transparent_finish (client, res, &error);
  if (out && qmi_message_uim_read_transparent_output_get_result (out, &error))
    qmi_message_uim_read_transparent_output_get_read_result (out, &data, NULL);
  if (data && s->step == STEP_EF_IMSI) {
    if (idg_ef_imsi_decode ((const guint8 *) data->data, data->len, value, sizeof value) < 0)
      value[0] = '\0';
  } else if (data) {
    if (idg_bcd_decode ((const guint8 *) data->data, data->len, value, sizeof value) < 0)
      value[0] = '\0';
  }
  if (step_ok (s, "read sim file", error)) {
    if (value[0]) {
      set_value (s, s->step == STEP_EF_IMSI ? IDG_KIND_IMSI : IDG_KIND_ICCID, value);
    }
    advance (s);
  }
  memset (value, 0, sizeof value);
  session_unref (s);
}

static void
read_ef (Session *s,
         guint16  file_id,
         gboolean adf)
{
  g_autoptr(QmiMessageUimReadTransparentInput) in = qmi_message_uim_read_transparent_input_new ();
  g_autoptr(GArray) aid = g_array_new (FALSE, FALSE, 1);
  g_autoptr(GArray) path = g_array_new (FALSE, FALSE, 1);
  static const guint8 mf[] = { 0x00, 0x3F };
  static const guint8 adf_usim[] = { 0x00, 0x3F, 0xFF, 0x7F };

  if (adf)
    g_array_append_vals (path, adf_usim, sizeof adf_usim);
  else
    g_array_append_vals (path, mf, sizeof mf);
  qmi_message_uim_read_transparent_input_set_session (
      in, adf ? QMI_UIM_SESSION_TYPE_PRIMARY_GW_PROVISIONING : QMI_UIM_SESSION_TYPE_CARD_SLOT_1,
      aid, NULL);
  qmi_message_uim_read_transparent_input_set_file (in, file_id, path, NULL);
  qmi_message_uim_read_transparent_input_set_read_information (in, 0, 0, NULL);
  qmi_client_uim_read_transparent (QMI_CLIENT_UIM (s->uim), in, CMD_TIMEOUT, s->cancellable,
                                   (GAsyncReadyCallback) read_transparent_ready, session_ref (s));
}

/*****************************************************************************/
/* The read sequence */

static void
read_done (Session *s)
{
  IdgModemQmi *modem = s->modem;

  s->reading = FALSE;
  if (s->reread) {
    read_start (s);
    return;
  }
  idg_backoff_reset (&modem->retry);
  idg_broker_set_modem_state (modem->broker, SOURCE, "ready");
  /* the doors get the port only now: before the first read the broker
   * does not know the values, and the tripwire could not recognise one
   * in an answer no filter knows (clients that opened meanwhile wait) */
  if (!s->announced) {
    s->announced = TRUE;
    notify_watchers (modem, s->mux);
  }
}

static void
read_next (Session *s)
{
  switch (s->step) {
  case STEP_IDS:
    qmi_client_dms_get_ids (QMI_CLIENT_DMS (s->dms), NULL, CMD_TIMEOUT, s->cancellable,
                            (GAsyncReadyCallback) get_ids_ready, session_ref (s));
    return;
  case STEP_IMSI:
    qmi_client_dms_uim_get_imsi (QMI_CLIENT_DMS (s->dms), NULL, CMD_TIMEOUT, s->cancellable,
                                 (GAsyncReadyCallback) get_imsi_ready, session_ref (s));
    return;
  case STEP_ICCID:
    qmi_client_dms_uim_get_iccid (QMI_CLIENT_DMS (s->dms), NULL, CMD_TIMEOUT, s->cancellable,
                                  (GAsyncReadyCallback) get_iccid_ready, session_ref (s));
    return;
  case STEP_MSISDN:
    qmi_client_dms_get_msisdn (QMI_CLIENT_DMS (s->dms), NULL, CMD_TIMEOUT, s->cancellable,
                               (GAsyncReadyCallback) get_msisdn_ready, session_ref (s));
    return;
  case STEP_SLOTS:
    if (!s->uim)
      break;
    qmi_client_uim_get_slot_status (QMI_CLIENT_UIM (s->uim), NULL, CMD_TIMEOUT, s->cancellable,
                                    (GAsyncReadyCallback) slot_status_ready, session_ref (s));
    return;
  case STEP_EF_IMSI:
    if (!s->uim || s->have_imsi)
      break;
    read_ef (s, 0x6F07, TRUE);
    return;
  case STEP_EF_ICCID:
    if (!s->uim || s->have_iccid)
      break;
    read_ef (s, 0x2FE2, FALSE);
    return;
  case STEP_DONE:
    read_done (s);
    return;
  }
  advance (s);
}

static void
read_start (Session *s)
{
  s->reading = TRUE;
  s->reread = FALSE;
  s->step = STEP_IDS;
  s->have_imsi = FALSE;
  s->have_iccid = FALSE;
  idg_broker_set_modem_state (s->modem->broker, SOURCE, "reading identifiers");
  read_next (s);
}

/* A SIM came, went or changed: forget the SIM's values at once, read again. */
static void
sim_changed_cb (QmiClientUim *client,
                gpointer      output,
                Session      *s)
{
  if (!s->modem)
    return;
  g_debug ("qmi modem: SIM change indication, reading identifiers again");
  clear_sim_values (s->modem);
  if (s->reading)
    s->reread = TRUE;
  else
    read_start (s);
}

/*****************************************************************************/
/* Opening */

static void
register_events_ready (QmiClientUim *client,
                       GAsyncResult *res,
                       Session      *s)
{
  g_autoptr(QmiMessageUimRegisterEventsOutput) out = NULL;
  g_autoptr(GError) error = NULL;

  out = qmi_client_uim_register_events_finish (client, res, &error);
  if (out)
    qmi_message_uim_register_events_output_get_result (out, &error);
  if (error)
    g_debug ("qmi modem: no UIM event registration: %s", error->message);
  if (step_ok (s, "register uim events", error))
    read_start (s);
  session_unref (s);
}

static void
uim_ready (QmiDevice    *device,
           GAsyncResult *res,
           Session      *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QmiMessageUimRegisterEventsInput) in = NULL;

  s->uim = qmi_device_allocate_client_finish (device, res, &error);
  if (!s->modem)
    goto out;
  if (!s->uim) {
    /* a modem without UIM: DMS still gives the SIM identifiers */
    g_debug ("qmi modem: no UIM client: %s", error->message);
    read_start (s);
    goto out;
  }
  s->card_id = g_signal_connect (s->uim, "card-status", G_CALLBACK (sim_changed_cb), s);
  s->slot_id = g_signal_connect (s->uim, "slot-status", G_CALLBACK (sim_changed_cb), s);
  in = qmi_message_uim_register_events_input_new ();
  qmi_message_uim_register_events_input_set_event_registration_mask (
      in, QMI_UIM_EVENT_REGISTRATION_FLAG_CARD_STATUS | QMI_UIM_EVENT_REGISTRATION_FLAG_PHYSICAL_SLOT_STATUS,
      NULL);
  qmi_client_uim_register_events (QMI_CLIENT_UIM (s->uim), in, CMD_TIMEOUT, s->cancellable,
                                  (GAsyncReadyCallback) register_events_ready, session_ref (s));
out:
  session_unref (s);
}

static void
dms_ready (QmiDevice    *device,
           GAsyncResult *res,
           Session      *s)
{
  g_autoptr(GError) error = NULL;

  s->dms = qmi_device_allocate_client_finish (device, res, &error);
  if (!s->modem)
    goto out;
  if (!s->dms) {
    fail (s->modem, "allocating a DMS client", error);
    goto out;
  }
  qmi_device_allocate_client (device, QMI_SERVICE_UIM, QMI_CID_NONE, CMD_TIMEOUT, s->cancellable,
                              (GAsyncReadyCallback) uim_ready, session_ref (s));
out:
  session_unref (s);
}

static void
device_removed_cb (QmiDevice *device,
                   Session   *s)
{
  if (s->modem)
    fail (s->modem, "device removed", NULL);
}

static void
open_ready (QmiDevice    *device,
            GAsyncResult *res,
            Session      *s)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = qmi_device_open_finish (device, res, &error);
  if (!s->modem)
    goto out;
  if (!ok) {
    fail (s->modem, "opening", error);
    goto out;
  }
  s->removed_id = g_signal_connect (device, QMI_DEVICE_SIGNAL_REMOVED,
                                    G_CALLBACK (device_removed_cb), s);
  /* a QRTR node has no port to multiplex: the door's frames go through
   * the device */
  if (!s->mux)
    s->mux = idg_qmux_new_for_device (device);
  qmi_device_allocate_client (device, QMI_SERVICE_DMS, QMI_CID_NONE, CMD_TIMEOUT, s->cancellable,
                              (GAsyncReadyCallback) dms_ready, session_ref (s));
out:
  session_unref (s);
}

static void
device_new_ready (GObject      *source,
                  GAsyncResult *res,
                  Session      *s)
{
  g_autoptr(GError) error = NULL;

  s->device = qmi_device_new_finish (res, &error);
  if (!s->modem)
    goto out;
  if (!s->device) {
    fail (s->modem, "creating the device", error);
    goto out;
  }
  /* QMI mode explicitly: the port may be a pty, where libqmi cannot tell
   * QMI from MBIM. */
  qmi_device_open (s->device,
                   QMI_DEVICE_OPEN_FLAGS_VERSION_INFO | QMI_DEVICE_OPEN_FLAGS_SYNC,
                   OPEN_TIMEOUT, s->cancellable,
                   (GAsyncReadyCallback) open_ready, session_ref (s));
out:
  session_unref (s);
}

/* QRTR: the bus, node N on it, DMS on the node, then the device. */

static void
qrtr_services_ready (QrtrNode     *node,
                     GAsyncResult *res,
                     Session      *s)
{
  g_autoptr(GError) error = NULL;

  if (!qrtr_node_wait_for_services_finish (node, res, &error)) {
    if (s->modem)
      fail (s->modem, "waiting for the QRTR node's DMS service", error);
  } else if (s->modem) {
    qmi_device_new_from_node (node, s->cancellable, (GAsyncReadyCallback) device_new_ready,
                              session_ref (s));
  }
  session_unref (s);
}

static void
qrtr_node_ready (QrtrBus      *bus,
                 GAsyncResult *res,
                 Session      *s)
{
  g_autoptr(QrtrNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = qrtr_bus_wait_for_node_finish (bus, res, &error);
  if (!s->modem)
    goto out;
  if (!node) {
    fail (s->modem, "waiting for the QRTR node", error);
  } else {
    g_autoptr(GArray) services = g_array_new (FALSE, FALSE, sizeof (guint32));
    guint32 dms = QMI_SERVICE_DMS;

    g_array_append_val (services, dms);
    qrtr_node_wait_for_services (node, services, QRTR_WAIT_MS, s->cancellable,
                                 (GAsyncReadyCallback) qrtr_services_ready, session_ref (s));
  }
out:
  session_unref (s);
}

static void
qrtr_bus_ready (GObject      *source,
                GAsyncResult *res,
                Session      *s)
{
  g_autoptr(GError) error = NULL;
  guint32 node_id = 0;

  s->bus = qrtr_bus_new_finish (res, &error);
  if (!s->modem)
    goto out;
  if (!s->bus) {
    fail (s->modem, "joining the QRTR bus", error);
    goto out;
  }
  qrtr_get_node_for_uri (s->modem->path, &node_id);
  qrtr_bus_wait_for_node (s->bus, node_id, QRTR_WAIT_MS, s->cancellable,
                          (GAsyncReadyCallback) qrtr_node_ready, session_ref (s));
out:
  session_unref (s);
}

static void
mux_lost_cb (const gchar *why,
             gpointer     user_data)
{
  IdgModemQmi *modem = user_data;

  fail (modem, why, NULL);
}

static void
start_open (IdgModemQmi *modem)
{
  g_autoptr(GError) error = NULL;
  guint32 node_id;
  Session *s;

  s = g_new0 (Session, 1);
  s->ref = 1;
  s->modem = modem;
  s->cancellable = g_cancellable_new ();
  modem->session = s;
  idg_broker_set_modem_state (modem->broker, SOURCE, "opening");
  if (qrtr_get_node_for_uri (modem->path, &node_id)) {
    /* no port to read: the door talks through the device (open_ready) */
    qrtr_bus_new (QRTR_LOOKUP_MS, s->cancellable, (GAsyncReadyCallback) qrtr_bus_ready,
                  session_ref (s));
  } else {
    g_autoptr(GFile) file = NULL;

    s->mux = idg_qmux_open (modem->path, mux_lost_cb, modem, &error);
    if (!s->mux) {
      fail (modem, "opening", error);
      return;
    }
    file = g_file_new_for_path (idg_qmux_get_backend_path (s->mux));
    qmi_device_new (file, s->cancellable, (GAsyncReadyCallback) device_new_ready, session_ref (s));
  }
}

static void
retry_cb (gpointer user_data)
{
  start_open (user_data);
}

static void
schedule_retry (IdgModemQmi *modem,
                const gchar *reason)
{
  g_autofree gchar *state = idg_backoff_schedule (&modem->retry, reason);

  idg_broker_set_modem_state (modem->broker, SOURCE, state);
}

/*****************************************************************************/

IdgModemQmi *
idg_modem_qmi_new (IdgBroker   *broker,
                   const gchar *path)
{
  IdgModemQmi *modem = g_object_new (IDG_TYPE_MODEM_QMI, NULL);

  /* libqmi prints message contents only with traces on; personal fields
   * stay hidden even then */
  qmi_utils_set_show_personal_info (FALSE);
  modem->broker = broker;
  modem->path = g_strdup (path);
  idg_backoff_init (&modem->retry, BACKOFF_MIN, BACKOFF_MAX, retry_cb, modem);
  /* a hotplugged port: retried as soon as it appears (idg-backoff.h) */
  idg_backoff_watch_path (&modem->retry, modem->path);
  start_open (modem);
  return modem;
}

QmiDevice *
idg_modem_qmi_peek_device (IdgModemQmi *modem)
{
  if (!modem || !modem->session || !modem->session->announced)
    return NULL;
  return modem->session->device;
}

IdgQmux *
idg_modem_qmi_peek_qmux (IdgModemQmi *modem)
{
  if (!modem || !modem->session || !modem->session->announced)
    return NULL;
  return modem->session->mux;
}

void
idg_modem_qmi_free (IdgModemQmi *modem)
{
  if (!modem)
    return;
  idg_backoff_cancel (&modem->retry);
  modem->closing = TRUE;
  session_end (modem);
  g_free (modem->path);
  g_object_unref (modem);
}
