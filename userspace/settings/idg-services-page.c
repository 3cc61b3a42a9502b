/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-services-page.h"

#include <glib/gi18n.h>

#include "idg-rows.h"
#include "idg-window.h"
#include "idg-words.h"

/* past (revoked, expired) grants shown per service, newest first */
#define PAST_SHOWN 3

struct _IdgServicesPage {
  IdgPage parent_instance;
};

G_DEFINE_FINAL_TYPE (IdgServicesPage, idg_services_page, IDG_TYPE_PAGE)

typedef struct {
  gchar     *key;
  IdgWho    *who;
  GPtrArray *active;            /* GVariant a{sv} grants */
  GPtrArray *past;
  guint64    total[IDG_TALLY_DECISIONS];
  guint64    tripwire;
} Service;

static void
service_free (gpointer data)
{
  Service *s = data;

  g_free (s->key);
  idg_words_who_free (s->who);
  g_ptr_array_unref (s->active);
  g_ptr_array_unref (s->past);
  g_free (s);
}

static Service *
service_get (GHashTable  *services,
             IdgWho      *who)
{
  g_autofree gchar *key = idg_words_who_key (who);
  Service *s = g_hash_table_lookup (services, key);

  if (s != NULL) {
    idg_words_who_free (who);
    return s;
  }
  s = g_new0 (Service, 1);
  s->key = g_strdup (key);
  s->who = who;
  s->active = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  s->past = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_hash_table_insert (services, g_steal_pointer (&key), s);
  return s;
}

static const gchar *
str_of (GVariant    *record,
        const gchar *key)
{
  const gchar *v = NULL;

  if (!g_variant_lookup (record, key, "&s", &v))
    return "";
  return v;
}

static gint64
int_of (GVariant    *record,
        const gchar *key)
{
  gint64 v = 0;

  g_variant_lookup (record, key, "x", &v);
  return v;
}

static gint
newest_first (gconstpointer a,
              gconstpointer b)
{
  gint64 ca = int_of (*(GVariant *const *) a, "created");
  gint64 cb = int_of (*(GVariant *const *) b, "created");

  return ca < cb ? 1 : ca > cb ? -1 : 0;
}

static gint
service_order (gconstpointer a,
               gconstpointer b)
{
  const Service *sa = *(Service *const *) a;
  const Service *sb = *(Service *const *) b;

  /* those with access first, then those that were given the most */
  if ((sa->active->len > 0) != (sb->active->len > 0))
    return sa->active->len > 0 ? -1 : 1;
  if (sa->total[IDG_TALLY_RELEASED] != sb->total[IDG_TALLY_RELEASED])
    return sa->total[IDG_TALLY_RELEASED] > sb->total[IDG_TALLY_RELEASED] ? -1 : 1;
  return g_strcmp0 (sa->key, sb->key);
}

/* ---- revoking ---- */

static void
revoked (GObject      *source,
         GAsyncResult *res,
         gpointer      data)
{
  g_autoptr(GtkSwitch) sw = data;
  g_autoptr(GError) error = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (sw), TRUE);
  if (!idg_dbus_admin1_call_revoke_finish (IDG_DBUS_ADMIN1 (source), res, &error)) {
    g_autofree gchar *text = idg_settings_app_error_text (error);

    gtk_switch_set_state (sw, TRUE);
    gtk_switch_set_active (sw, TRUE);
    idg_window_toast (GTK_WIDGET (sw), text, TRUE);
    return;
  }
  gtk_switch_set_state (sw, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (sw), FALSE);
  idg_window_toast (GTK_WIDGET (sw), _("Access revoked"), FALSE);
}

static gboolean
switch_state_set (GtkSwitch       *sw,
                  gboolean         state,
                  IdgServicesPage *self)
{
  IdgSettingsApp *app = idg_page_get_app (IDG_PAGE (self));
  IdgDBusAdmin1 *admin = app != NULL ? idg_settings_app_get_admin (app) : NULL;
  const gchar *grant = g_object_get_data (G_OBJECT (sw), "grant-id");

  /* on again: a revoked grant stays revoked; the service asks anew */
  if (state)
    return TRUE;
  if (admin == NULL) {
    gtk_switch_set_active (sw, TRUE);
    idg_window_toast (GTK_WIDGET (sw), _("The identifier broker is not running."), TRUE);
    return TRUE;
  }
  gtk_widget_set_sensitive (GTK_WIDGET (sw), FALSE);
  /* not the page's cancellable: the reload that the revoke itself causes
   * (GrantsChanged) cancels that one; the call holds the switch */
  idg_dbus_admin1_call_revoke (admin, grant, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, -1,
                               NULL, revoked, g_object_ref (sw));
  return TRUE;
}

/* ---- building ---- */

/* "phone number and IMEI" as a row's title */
static gchar *
capitalized (const gchar *text)
{
  gchar first[8] = { 0 };

  if (*text == '\0')
    return g_strdup (text);
  g_unichar_to_utf8 (g_unichar_totitle (g_utf8_get_char (text)), first);
  return g_strconcat (first, g_utf8_next_char (text), NULL);
}

static GtkWidget *
grant_row (IdgServicesPage *self,
           const gchar     *name,
           GVariant        *grant,
           gint64           now,
           gboolean         active)
{
  g_autofree gchar *what = idg_words_scopes (str_of (grant, "scopes"));
  g_autofree gchar *purpose = idg_words_printable (str_of (grant, "purpose"));
  g_autofree gchar *expiry = idg_words_expiry (str_of (grant, "state"), int_of (grant, "expires"), now);
  /* TRANSLATORS: a grant: its purpose text, then when it expires */
  g_autofree gchar *subtitle = g_strdup_printf (_("For “%s”\n%s"), purpose, expiry);
  g_autofree gchar *title = capitalized (what);
  GtkWidget *row = idg_rows_text (title, subtitle);

  if (active) {
    GtkWidget *sw = gtk_switch_new ();
    /* TRANSLATORS: the switch of a grant, read out by a screen reader */
    g_autofree gchar *label = g_strdup_printf (_("Allow %s to read %s"), name, what);

    gtk_switch_set_active (GTK_SWITCH (sw), TRUE);
    gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
    gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    g_object_set_data_full (G_OBJECT (sw), "grant-id", g_strdup (str_of (grant, "id")), g_free);
    g_signal_connect (sw, "state-set", G_CALLBACK (switch_state_set), self);
    /* the switch alone revokes: a tap on the row does not */
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
  } else {
    gtk_widget_add_css_class (row, "dim-label");
  }
  return row;
}

static GtkWidget *
service_group (IdgServicesPage *self,
               Service         *s,
               gint64           now)
{
  GtkWidget *g = adw_preferences_group_new ();
  g_autofree gchar *name = idg_words_who_name (s->who);
  guint i;

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (g), idg_rows_service (s->who));

  for (i = 0; i < s->active->len; i++)
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (g),
                               grant_row (self, name, g_ptr_array_index (s->active, i), now, TRUE));
  g_ptr_array_sort (s->past, newest_first);
  for (i = 0; i < s->past->len && i < PAST_SHOWN; i++)
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (g),
                               grant_row (self, name, g_ptr_array_index (s->past, i), now, FALSE));
  if (s->active->len == 0)
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (g),
                               idg_rows_text (_("No access"),
                                        _("It gets rewritten or refused values until it asks again and you allow it.")));
  {
    g_autofree gchar *counts = idg_words_counts (s->total[IDG_TALLY_RELEASED], s->total[IDG_TALLY_REWRITTEN],
                                                 s->total[IDG_TALLY_REFUSED], s->tripwire);

    adw_preferences_group_add (ADW_PREFERENCES_GROUP (g), idg_rows_text (_("Last 7 days"), counts));
  }
  return g;
}

static GtkWidget *
build (IdgPage     *self,
       IdgSnapshot     *snap)
{
  g_autoptr(GHashTable) services = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, service_free);
  g_autoptr(GPtrArray) order = NULL;
  GtkWidget *page;
  GVariantIter iter;
  GVariant *grant;
  GHashTableIter hiter;
  gpointer value;
  guint i;

  g_variant_iter_init (&iter, snap->grants);
  while ((grant = g_variant_iter_next_value (&iter)) != NULL) {
    Service *s = service_get (services, idg_words_who_from_selector (str_of (grant, "selector")));

    g_ptr_array_add (g_str_equal (str_of (grant, "state"), "active") ? s->active : s->past, grant);
  }
  for (i = 0; i < snap->tally->rows->len; i++) {
    IdgTallyRow *row = g_ptr_array_index (snap->tally->rows, i);
    Service *s = service_get (services, idg_words_who_from_service (row->service));
    guint d;

    for (d = 0; d < IDG_TALLY_DECISIONS; d++)
      s->total[d] += row->total[d];
    s->tripwire += row->tripwire;
  }
  if (g_hash_table_size (services) == 0) {
    idg_page_show_status (self, "security-high-symbolic", _("No service has asked"),
                          _("No service holds or has asked for the modem's identifiers in the last 7 days. "
                            "When one asks, you will be asked here first."));
    return NULL;
  }
  order = g_ptr_array_new ();
  g_hash_table_iter_init (&hiter, services);
  while (g_hash_table_iter_next (&hiter, NULL, &value))
    g_ptr_array_add (order, value);
  g_ptr_array_sort (order, service_order);
  page = adw_preferences_page_new ();
  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("Services"));
  for (i = 0; i < order->len; i++)
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page),
                              ADW_PREFERENCES_GROUP (service_group (IDG_SERVICES_PAGE (self), g_ptr_array_index (order, i), snap->now)));
  return page;
}

static void
idg_services_page_class_init (IdgServicesPageClass *klass)
{
  IDG_PAGE_CLASS (klass)->build = build;
}

static void
idg_services_page_init (IdgServicesPage *self)
{
}

GtkWidget *
idg_services_page_new (IdgSettingsApp *app)
{
  IdgPage *self = g_object_new (IDG_TYPE_SERVICES_PAGE, NULL);

  idg_page_attach (self, app);
  return GTK_WIDGET (self);
}
