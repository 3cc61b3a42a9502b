/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MBIM modem backend: opens the MBIM control port with libmbim (idguardd
 * is the only process that does), reads Device Caps (IMEI, or ESN/MEID) and
 * Subscriber Ready Status (IMSI, ICCID, MSISDN) into the broker, follows
 * Subscriber Ready Status indications (a SIM swap clears the SIM values,
 * then sets the new ones), and on any failure clears everything it reported,
 * says why in the modem state and retries with exponential backoff. The
 * port is read and written by the MBIM multiplexer (idg-mbim-mux.h): the
 * MbimDevice opens its pty, the MBIM door sends its commands through it;
 * the open device and the multiplexer are shared with the door through
 * watches.
 */
#include "idg-backoff.h"
#include "idg-mbim-private.h"
#include "idg-mbim-filter.h"
#include "idg-personal.h"

#define SOURCE             "mbim"
#define OPEN_TIMEOUT_SECS  10
#define QUERY_TIMEOUT_SECS 10
#define CHECK_TIMEOUT_SECS 5
#define BACKOFF_MIN_SECS   1
#define BACKOFF_MAX_SECS   30

struct _IdgModemMbim {
  IdgModem      parent;
  IdgBroker    *broker;
  gchar        *path;
  MbimDevice   *device;       /* set once open and both queries answered */
  MbimDevice   *opening;      /* the device being opened/queried */
  IdgMbimMux   *mux;          /* the port, while a device is open or opening */
  GCancellable *cancellable;
  IdgBackoff    retry;
  gulong        indication_id;
  gulong        removed_id;
  gulong        error_id;
  gboolean      checking;
};

G_DEFINE_FINAL_TYPE (IdgModemMbim, idg_modem_mbim, IDG_TYPE_MODEM)

static void
idg_modem_mbim_init (IdgModemMbim *self)
{
}

static void
idg_modem_mbim_class_init (IdgModemMbimClass *klass)
{
}

static void start (IdgModemMbim *self);

static void
notify_watches (IdgModemMbim *self)
{
  idg_modem_emit_port_changed (IDG_MODEM (self), self->device);
}

MbimDevice *
idg_modem_mbim_peek_device (IdgModemMbim *self)
{
  return self ? self->device : NULL;
}

static void
set_sim (IdgModemMbim *self,
         const gchar  *imsi,
         const gchar  *iccid,
         gchar       **numbers)
{
  /* clear first: a swapped SIM never shows a mix of old and new */
  idg_broker_set_identifier (self->broker, SOURCE, IDG_KIND_IMSI, NULL);
  idg_broker_set_identifier (self->broker, SOURCE, IDG_KIND_ICCID, NULL);
  idg_broker_set_identifier (self->broker, SOURCE, IDG_KIND_MSISDN, NULL);
  if (imsi && *imsi)
    idg_broker_set_identifier (self->broker, SOURCE, IDG_KIND_IMSI, imsi);
  if (iccid && *iccid)
    idg_broker_set_identifier (self->broker, SOURCE, IDG_KIND_ICCID, iccid);
  if (numbers && numbers[0] && *numbers[0])
    idg_broker_set_identifier (self->broker, SOURCE, IDG_KIND_MSISDN, numbers[0]);
}

/* Subscriber Ready Status, response or indication, v1 or MBIMEx v3 layout. */
static gboolean
parse_subscriber (MbimDevice   *device,
                  MbimMessage  *message,
                  gboolean      indication,
                  gchar       **imsi,
                  gchar       **iccid,
                  gchar      ***numbers,
                  GError      **error)
{
  if (mbim_device_check_ms_mbimex_version (device, 3, 0)) {
    if (indication)
      return mbim_message_ms_basic_connect_v3_subscriber_ready_status_notification_parse (
          message, NULL, NULL, imsi, iccid, NULL, NULL, numbers, error);
    return mbim_message_ms_basic_connect_v3_subscriber_ready_status_response_parse (
        message, NULL, NULL, imsi, iccid, NULL, NULL, numbers, error);
  }
  if (indication)
    return mbim_message_subscriber_ready_status_notification_parse (
        message, NULL, imsi, iccid, NULL, NULL, numbers, error);
  return mbim_message_subscriber_ready_status_response_parse (
      message, NULL, imsi, iccid, NULL, NULL, numbers, error);
}

static void
indication_cb (MbimDevice   *device,
               MbimMessage  *message,
               IdgModemMbim *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *imsi = NULL;
  g_autofree gchar *iccid = NULL;
  g_auto(GStrv) numbers = NULL;

  if (mbim_message_indicate_status_get_service (message) != MBIM_SERVICE_BASIC_CONNECT ||
      mbim_message_indicate_status_get_cid (message) != MBIM_CID_BASIC_CONNECT_SUBSCRIBER_READY_STATUS)
    return;
  if (!parse_subscriber (device, message, TRUE, &imsi, &iccid, &numbers, &error)) {
    /* an unreadable SIM state: serve nothing rather than stale values */
    g_debug ("mbim: unreadable subscriber ready status indication: %s", error->message);
    set_sim (self, NULL, NULL, NULL);
    return;
  }
  g_debug ("mbim: SIM changed: imsi %s iccid %s", idg_personal (imsi), idg_personal (iccid));
  set_sim (self, imsi, iccid, numbers);
}

static void
disconnect_device (IdgModemMbim *self,
                   MbimDevice   *device)
{
  if (self->indication_id)
    g_signal_handler_disconnect (device, self->indication_id);
  if (self->removed_id)
    g_signal_handler_disconnect (device, self->removed_id);
  if (self->error_id)
    g_signal_handler_disconnect (device, self->error_id);
  self->indication_id = self->removed_id = self->error_id = 0;
}

static void
retry_cb (gpointer user_data)
{
  start (user_data);
}

/* Anything wrong: forget every value, drop the device, retry later. */
static void
fail (IdgModemMbim *self,
      const gchar  *reason)
{
  g_autofree gchar *state = NULL;
  g_autoptr(MbimDevice) device = NULL;
  gboolean was_ready = self->device != NULL;

  device = self->device ? g_steal_pointer (&self->device) : g_steal_pointer (&self->opening);
  idg_broker_clear_identifiers (self->broker, SOURCE);
  if (device) {
    disconnect_device (self, device);
    mbim_device_close_force (device, NULL);
  }
  if (was_ready)
    notify_watches (self);
  g_clear_pointer (&self->mux, idg_mbim_mux_free);

  state = idg_backoff_schedule (&self->retry, reason);
  g_message ("mbim: %s: %s", self->path, state);
  idg_broker_set_modem_state (self->broker, SOURCE, state);
}

static void
removed_cb (MbimDevice   *device,
            IdgModemMbim *self)
{
  fail (self, "modem gone");
}

static void
error_cb (MbimDevice   *device,
          GError       *error,
          IdgModemMbim *self)
{
  /* the modem says the channel is closed: it lost our session */
  if (g_error_matches (error, MBIM_PROTOCOL_ERROR, MBIM_PROTOCOL_ERROR_NOT_OPENED))
    fail (self, "modem closed the session");
}

static void
subscriber_ready (MbimDevice   *device,
                  GAsyncResult *res,
                  IdgModemMbim *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MbimMessage) response = NULL;
  g_autofree gchar *imsi = NULL;
  g_autofree gchar *iccid = NULL;
  g_auto(GStrv) numbers = NULL;

  response = mbim_device_command_finish (device, res, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (device != self->opening)
    return;
  if (response && mbim_message_response_get_result (response, MBIM_MESSAGE_TYPE_COMMAND_DONE, &error) &&
      parse_subscriber (device, response, FALSE, &imsi, &iccid, &numbers, &error)) {
    set_sim (self, imsi, iccid, numbers);
  } else if (g_error_matches (error, MBIM_STATUS_ERROR, MBIM_STATUS_ERROR_SIM_NOT_INSERTED) ||
             g_error_matches (error, MBIM_STATUS_ERROR, MBIM_STATUS_ERROR_BAD_SIM) ||
             g_error_matches (error, MBIM_STATUS_ERROR, MBIM_STATUS_ERROR_PIN_REQUIRED) ||
             g_error_matches (error, MBIM_STATUS_ERROR, MBIM_STATUS_ERROR_NOT_INITIALIZED)) {
    /* no SIM (yet): the device is fine, the indication will tell */
    set_sim (self, NULL, NULL, NULL);
  } else {
    g_autofree gchar *reason = g_strdup_printf ("subscriber ready status failed: %s",
                                                error ? error->message : "no answer");
    fail (self, reason);
    return;
  }

  self->device = g_steal_pointer (&self->opening);
  idg_backoff_reset (&self->retry);
  idg_broker_set_modem_state (self->broker, SOURCE, "ready");
  g_message ("mbim: %s ready", self->path);
  notify_watches (self);
}

static void
caps_ready (MbimDevice   *device,
            GAsyncResult *res,
            IdgModemMbim *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MbimMessage) response = NULL;
  g_autoptr(MbimMessage) request = NULL;
  g_autofree gchar *device_id = NULL;
  MbimCellularClass cellular_class = 0;

  response = mbim_device_command_finish (device, res, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (device != self->opening)
    return;
  if (!response || !mbim_message_response_get_result (response, MBIM_MESSAGE_TYPE_COMMAND_DONE, &error) ||
      !mbim_message_device_caps_response_parse (response, NULL, &cellular_class, NULL, NULL, NULL,
                                                NULL, NULL, NULL, NULL, &device_id, NULL, NULL,
                                                &error)) {
    g_autofree gchar *reason = g_strdup_printf ("device caps failed: %s", error ? error->message : "no answer");
    fail (self, reason);
    return;
  }
  if (device_id && *device_id)
    idg_broker_set_identifier (self->broker, SOURCE,
                               idg_mbim_device_id_kind (cellular_class, device_id), device_id);

  request = mbim_message_subscriber_ready_status_query_new (NULL);
  mbim_device_command (device, request, QUERY_TIMEOUT_SECS, self->cancellable,
                       (GAsyncReadyCallback) subscriber_ready, self);
}

static void
check_ready (MbimDevice   *device,
             GAsyncResult *res,
             IdgModemMbim *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MbimMessage) response = NULL;

  response = mbim_device_command_finish (device, res, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->checking = FALSE;
  if (device != self->device)
    return;
  if (!response)
    fail (self, "modem stopped answering");
}

void
idg_modem_mbim_check (IdgModemMbim *self)
{
  g_autoptr(MbimMessage) request = NULL;

  if (!self || !self->device || self->checking)
    return;
  self->checking = TRUE;
  request = mbim_message_device_caps_query_new (NULL);
  mbim_device_command (self->device, request, CHECK_TIMEOUT_SECS, self->cancellable,
                       (GAsyncReadyCallback) check_ready, self);
}

static void
open_ready (MbimDevice   *device,
            GAsyncResult *res,
            IdgModemMbim *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MbimMessage) request = NULL;

  if (!mbim_device_open_full_finish (device, res, &error)) {
    g_autofree gchar *reason = NULL;

    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    reason = g_strdup_printf ("open failed: %s", error->message);
    fail (self, reason);
    return;
  }
  self->indication_id = g_signal_connect (device, MBIM_DEVICE_SIGNAL_INDICATE_STATUS,
                                          G_CALLBACK (indication_cb), self);
  self->removed_id = g_signal_connect (device, MBIM_DEVICE_SIGNAL_REMOVED,
                                       G_CALLBACK (removed_cb), self);
  self->error_id = g_signal_connect (device, MBIM_DEVICE_SIGNAL_ERROR,
                                     G_CALLBACK (error_cb), self);
  request = mbim_message_device_caps_query_new (NULL);
  mbim_device_command (device, request, QUERY_TIMEOUT_SECS, self->cancellable,
                       (GAsyncReadyCallback) caps_ready, self);
}

static void
new_ready (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  IdgModemMbim *self = user_data;
  g_autoptr(GError) error = NULL;
  MbimDevice *device;

  device = mbim_device_new_finish (res, &error);
  if (!device) {
    g_autofree gchar *reason = NULL;

    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    reason = g_strdup_printf ("cannot create device: %s", error->message);
    fail (self, reason);
    return;
  }
  self->opening = device;
  mbim_device_open_full (device, MBIM_DEVICE_OPEN_FLAGS_NONE, OPEN_TIMEOUT_SECS, self->cancellable,
                         (GAsyncReadyCallback) open_ready, self);
}

static void
mux_lost_cb (const gchar *why,
             gpointer     user_data)
{
  g_autofree gchar *reason = g_strdup_printf ("port: %s", why);

  fail (user_data, reason);
}

static void
start (IdgModemMbim *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  idg_broker_set_modem_state (self->broker, SOURCE, "opening");
  if (!g_file_test (self->path, G_FILE_TEST_EXISTS)) {
    fail (self, "no such port");
    return;
  }
  self->mux = idg_mbim_mux_open (self->path, mux_lost_cb, self, &error);
  if (!self->mux) {
    fail (self, error->message);
    return;
  }
  file = g_file_new_for_path (idg_mbim_mux_get_backend_path (self->mux));
  mbim_device_new (file, self->cancellable, new_ready, self);
}

IdgMbimMux *
idg_modem_mbim_peek_mux (IdgModemMbim *self)
{
  return self && self->device ? self->mux : NULL;
}

IdgModemMbim *
idg_modem_mbim_new (IdgBroker   *broker,
                    const gchar *path)
{
  IdgModemMbim *self = g_object_new (IDG_TYPE_MODEM_MBIM, NULL);

  self->broker = broker;
  self->path = g_strdup (path);
  self->cancellable = g_cancellable_new ();
  idg_backoff_init (&self->retry, BACKOFF_MIN_SECS, BACKOFF_MAX_SECS, retry_cb, self);
  /* a hotplugged port: retried as soon as it appears (idg-backoff.h) */
  idg_backoff_watch_path (&self->retry, self->path);
  start (self);
  return self;
}

void
idg_modem_mbim_free (IdgModemMbim *self)
{
  MbimDevice *device;

  if (!self)
    return;
  g_cancellable_cancel (self->cancellable);
  idg_backoff_cancel (&self->retry);
  device = self->device ? self->device : self->opening;
  if (device) {
    disconnect_device (self, device);
    mbim_device_close_force (device, NULL);
  }
  g_clear_object (&self->device);
  g_clear_object (&self->opening);
  g_clear_pointer (&self->mux, idg_mbim_mux_free);
  idg_broker_clear_identifiers (self->broker, SOURCE);
  g_object_unref (self->cancellable);
  g_free (self->path);
  g_object_unref (self);
}
