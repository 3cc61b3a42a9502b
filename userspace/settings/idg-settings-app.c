/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-settings-app.h"

#include <glib/gi18n.h>

#include "idg-prompt.h"
#include "idg-window.h"

#define BROKER_NAME "org.idguard.Broker1"
#define BROKER_PATH "/org/idguard/Broker1"
/* while a prompt is open: how often the app asks whether its request is
 * still pending (timed out, withdrawn, decided elsewhere) */
#define POLL_SECONDS 2
/* otherwise: how often it looks for pending requests, for a session whose
 * bus policy does not let RequestPending through (a user outside group
 * idguard, data/org.idguard.Broker1.conf); stops once listing is refused */
#define IDLE_POLL_SECONDS 10
/* prompts open at once; more pending requests wait for one to close (a
 * flood of requests from many users does not bury the screen) */
#define MAX_PROMPTS 3

struct _IdgSettingsApp {
  AdwApplication  parent_instance;

  gboolean        agent;
  gboolean        skip_activate;   /* the agent's own first activation */
  gint            width;
  gint            height;
  IdgDBusAdmin1  *admin;
  GCancellable   *cancellable;
  GHashTable     *prompts;         /* request id -> IdgPrompt (a window) */
  GHashTable     *hints;           /* request id -> a{sv} from RequestPending */
  GHashTable     *dismissed;       /* request ids closed without an answer */
  GtkWindow      *window;
  guint           poll_id;
  guint           idle_poll_id;
  gboolean        syncing;
  gboolean        sync_again;
};

G_DEFINE_FINAL_TYPE (IdgSettingsApp, idg_settings_app, ADW_TYPE_APPLICATION)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void sync_requests (IdgSettingsApp *self);

IdgDBusAdmin1 *
idg_settings_app_get_admin (IdgSettingsApp *app)
{
  g_autofree gchar *owner = NULL;

  if (app->admin == NULL)
    return NULL;
  owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (app->admin));
  return owner != NULL ? app->admin : NULL;
}

gboolean
idg_settings_app_get_size (IdgSettingsApp *app,
                           gint           *width,
                           gint           *height)
{
  if (app->width <= 0 || app->height <= 0)
    return FALSE;
  *width = app->width;
  *height = app->height;
  return TRUE;
}

gchar *
idg_settings_app_error_text (const GError *error)
{
  g_autofree gchar *remote = g_dbus_error_get_remote_error (error);
  g_autoptr(GError) copy = g_error_copy (error);

  g_dbus_error_strip_remote_error (copy);
  if (g_strcmp0 (remote, "org.idguard.Error.NotAuthorized") == 0)
    return g_strdup (_("You are not allowed to do this on this device (the system's authorization refused it)."));
  if (g_strcmp0 (remote, "org.idguard.Error.NotFound") == 0)
    return g_strdup (_("It no longer exists: it was decided, withdrawn or has expired."));
  if (g_strcmp0 (remote, "org.idguard.Error.Refused") == 0)
    return g_strdup (_("The broker refused it: the request is no longer pending."));
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    return g_strdup (_("The identifier broker is not running."));
  /* the broker's messages never hold an identifier or a token (docs/api.md) */
  return g_strdup_printf (_("The broker answered: %s"), copy->message);
}

/* ---- prompts ---- */

static void
poll_stop (IdgSettingsApp *self)
{
  if (self->poll_id != 0) {
    g_source_remove (self->poll_id);
    self->poll_id = 0;
  }
}

static gboolean
poll_cb (gpointer data)
{
  sync_requests (data);
  return G_SOURCE_CONTINUE;
}

static void
prompt_destroyed (gpointer  data,
                  GObject  *where_the_object_was)
{
  IdgSettingsApp *self = data;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->prompts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (value == (gpointer) where_the_object_was) {
      g_hash_table_iter_remove (&iter);
      break;
    }
  if (g_hash_table_size (self->prompts) == 0)
    poll_stop (self);
  /* a request that waited for a free prompt */
  sync_requests (self);
}

static void
prompt_dismissed (IdgPrompt      *prompt,
                  IdgSettingsApp *self)
{
  g_hash_table_add (self->dismissed, g_strdup (idg_prompt_get_id (prompt)));
}

static void
prompt_show (IdgSettingsApp *self,
             GVariant       *request)
{
  g_auto(GVariantDict) d = G_VARIANT_DICT_INIT (request);
  const gchar *id = NULL;
  IdgPrompt *prompt;

  if (!g_variant_dict_lookup (&d, "id", "&s", &id) ||
      g_hash_table_contains (self->prompts, id) ||
      g_hash_table_contains (self->dismissed, id) ||
      g_hash_table_size (self->prompts) >= MAX_PROMPTS)
    return;
  prompt = idg_prompt_new (self, request);
  g_hash_table_insert (self->prompts, g_strdup (id), prompt);
  g_object_weak_ref (G_OBJECT (prompt), prompt_destroyed, self);
  g_signal_connect (prompt, "dismissed", G_CALLBACK (prompt_dismissed), self);
  if (self->window != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (prompt), self->window);
  gtk_window_present (GTK_WINDOW (prompt));
  if (self->poll_id == 0)
    self->poll_id = g_timeout_add_seconds (POLL_SECONDS, poll_cb, self);
}

static void
requests_listed (GObject      *source,
                 GAsyncResult *res,
                 gpointer      data)
{
  g_autoptr(IdgSettingsApp) self = data;
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) pending = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;
  GVariantIter it;
  GVariant *req;

  self->syncing = FALSE;
  if (!idg_dbus_admin1_call_list_requests_finish (IDG_DBUS_ADMIN1 (source), &list, res, &error)) {
    /* not allowed to list (no polkit rule): prompt from the signals alone */
    g_debug ("ListRequests: %s", error->message);
    g_clear_handle_id (&self->idle_poll_id, g_source_remove);
    g_hash_table_iter_init (&iter, self->hints);
    while (g_hash_table_iter_next (&iter, &key, &value))
      prompt_show (self, value);
    g_hash_table_remove_all (self->hints);
  } else {
    g_variant_iter_init (&it, list);
    while ((req = g_variant_iter_next_value (&it)) != NULL) {
      g_auto(GVariantDict) d = G_VARIANT_DICT_INIT (req);
      const gchar *id = NULL, *state = NULL;

      if (g_variant_dict_lookup (&d, "id", "&s", &id) &&
          g_variant_dict_lookup (&d, "state", "&s", &state) &&
          g_str_equal (state, "pending")) {
        g_hash_table_add (pending, (gpointer) id);
        prompt_show (self, req);
      }
      g_variant_unref (req);
    }
    g_hash_table_remove_all (self->hints);
    /* a request that timed out, was withdrawn or decided elsewhere (the
     * prompts are closed after the walk: closing one removes it from
     * self->prompts) */
    g_hash_table_iter_init (&iter, self->prompts);
    while (g_hash_table_iter_next (&iter, &key, &value))
      if (!g_hash_table_contains (pending, key))
        g_ptr_array_add (gone, value);
    g_ptr_array_foreach (gone, (GFunc) idg_prompt_withdraw, NULL);
  }
  if (self->sync_again) {
    self->sync_again = FALSE;
    sync_requests (self);
  }
}

static void
sync_requests (IdgSettingsApp *self)
{
  IdgDBusAdmin1 *admin = idg_settings_app_get_admin (self);

  if (admin == NULL)
    return;
  if (self->syncing) {
    self->sync_again = TRUE;
    return;
  }
  self->syncing = TRUE;
  idg_dbus_admin1_call_list_requests (admin, G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                                      requests_listed, g_object_ref (self));
}

static void
on_request_pending (IdgDBusAdmin1  *admin,
                    const gchar    *id,
                    const gchar    *requester,
                    const gchar    *scopes,
                    const gchar    *purpose,
                    IdgSettingsApp *self)
{
  g_auto(GVariantDict) d = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&d, "id", "s", id);
  g_variant_dict_insert (&d, "requester", "s", requester);
  g_variant_dict_insert (&d, "scopes", "s", scopes);
  g_variant_dict_insert (&d, "purpose", "s", purpose);
  g_hash_table_insert (self->hints, g_strdup (id), g_variant_ref_sink (g_variant_dict_end (&d)));
  sync_requests (self);
}

static void
on_changed (IdgSettingsApp *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  sync_requests (self);
}

static void
proxy_ready (GObject      *source,
             GAsyncResult *res,
             gpointer      data)
{
  g_autoptr(IdgSettingsApp) self = data;
  g_autoptr(GError) error = NULL;

  self->admin = idg_dbus_admin1_proxy_new_for_bus_finish (res, &error);
  if (self->admin == NULL) {
    g_warning ("cannot reach the system bus: %s", error->message);
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
    return;
  }
  /* the broker's calls can wait for a person at a polkit prompt */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (self->admin), 120 * 1000);
  g_signal_connect (self->admin, "request-pending", G_CALLBACK (on_request_pending), self);
  g_signal_connect_swapped (self->admin, "grants-changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->admin, "notify::g-name-owner", G_CALLBACK (on_changed), self);
  self->idle_poll_id = g_timeout_add_seconds (IDLE_POLL_SECONDS, poll_cb, self);
  on_changed (self);
}

/* ---- GApplication ---- */

static void
idg_settings_app_startup (GApplication *app)
{
  IdgSettingsApp *self = IDG_SETTINGS_APP (app);

  G_APPLICATION_CLASS (idg_settings_app_parent_class)->startup (app);
  gtk_window_set_default_icon_name (IDG_SETTINGS_APP_ID);
  idg_dbus_admin1_proxy_new_for_bus (G_BUS_TYPE_SYSTEM,
                                     G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                     G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                     BROKER_NAME, BROKER_PATH, self->cancellable,
                                     proxy_ready, g_object_ref (self));
}

static void
window_destroyed (gpointer  data,
                  GObject  *where_the_object_was)
{
  IDG_SETTINGS_APP (data)->window = NULL;
}

static void
idg_settings_app_activate (GApplication *app)
{
  IdgSettingsApp *self = IDG_SETTINGS_APP (app);

  if (self->skip_activate) {
    self->skip_activate = FALSE;
    return;
  }
  if (self->window == NULL) {
    self->window = GTK_WINDOW (idg_window_new (self));
    g_object_weak_ref (G_OBJECT (self->window), window_destroyed, self);
  }
  gtk_window_present (self->window);
}

static gboolean
parse_size (const gchar *s,
            gint        *w,
            gint        *h)
{
  g_auto(GStrv) parts = g_strsplit (s, "x", 2);
  guint64 a, b;

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 200, 8192, &a, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 200, 8192, &b, NULL))
    return FALSE;
  *w = (gint) a;
  *h = (gint) b;
  return TRUE;
}

static gint
idg_settings_app_handle_local_options (GApplication *app,
                                       GVariantDict *options)
{
  IdgSettingsApp *self = IDG_SETTINGS_APP (app);
  g_autoptr(GError) error = NULL;
  const gchar *size = NULL;

  if (g_variant_dict_contains (options, "version")) {
    g_print ("idguard-settings %s\n", IDG_VERSION);
    return 0;
  }
  if (g_variant_dict_lookup (options, "size", "&s", &size) &&
      !parse_size (size, &self->width, &self->height)) {
    g_printerr ("idguard-settings: --size takes WIDTHxHEIGHT (e.g. 360x720)\n");
    return 2;
  }
  self->agent = g_variant_dict_contains (options, "agent");
  if (self->agent) {
    if (!g_application_register (app, NULL, &error)) {
      g_printerr ("idguard-settings: %s\n", error->message);
      return 1;
    }
    /* an instance already runs (agent or window): it shows the prompts */
    if (g_application_get_is_remote (app))
      return 0;
    self->skip_activate = TRUE;
    g_application_hold (app);
  }
  return -1;
}

static void
idg_settings_app_dispose (GObject *object)
{
  IdgSettingsApp *self = IDG_SETTINGS_APP (object);

  poll_stop (self);
  g_clear_handle_id (&self->idle_poll_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->admin);
  G_OBJECT_CLASS (idg_settings_app_parent_class)->dispose (object);
}

static void
idg_settings_app_finalize (GObject *object)
{
  IdgSettingsApp *self = IDG_SETTINGS_APP (object);

  g_hash_table_unref (self->prompts);
  g_hash_table_unref (self->hints);
  g_hash_table_unref (self->dismissed);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (idg_settings_app_parent_class)->finalize (object);
}

static void
idg_settings_app_class_init (IdgSettingsAppClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = idg_settings_app_dispose;
  object_class->finalize = idg_settings_app_finalize;
  app_class->startup = idg_settings_app_startup;
  app_class->activate = idg_settings_app_activate;
  app_class->handle_local_options = idg_settings_app_handle_local_options;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
idg_settings_app_init (IdgSettingsApp *self)
{
  static const GOptionEntry entries[] = {
    { "agent", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Run in the background and only show consent prompts"), NULL },
    { "size", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Open windows at this size"), N_("WIDTHxHEIGHT") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version"), NULL },
    { NULL }
  };

  self->cancellable = g_cancellable_new ();
  self->prompts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->hints = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_variant_unref);
  self->dismissed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

IdgSettingsApp *
idg_settings_app_new (void)
{
  return g_object_new (IDG_TYPE_SETTINGS_APP,
                       "application-id", IDG_SETTINGS_APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}
