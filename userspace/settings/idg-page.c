/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-page.h"

#include <glib/gi18n.h>

/* while a page is in view: how often it looks again (reads leave no
 * signal); it is rebuilt only when something changed */
#define REFRESH_SECONDS 5

typedef struct {
  IdgSettingsApp *app;          /* weak */
  GtkWidget      *stack;
  GtkWidget      *status;
  GtkWidget      *content;      /* what build gave last, or NULL */
  GVariant       *grants;       /* what it was built from */
  GVariant       *records;
  GCancellable   *cancellable;
  guint           refresh_id;
} IdgPagePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (IdgPage, idg_page, ADW_TYPE_BIN)

IdgSettingsApp *
idg_page_get_app (IdgPage *page)
{
  IdgPagePrivate *priv = idg_page_get_instance_private (page);

  return priv->app;
}

void
idg_page_show_status (IdgPage     *page,
                      const gchar *icon,
                      const gchar *title,
                      const gchar *description)
{
  IdgPagePrivate *priv = idg_page_get_instance_private (page);

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (priv->status), icon);
  adw_status_page_set_title (ADW_STATUS_PAGE (priv->status), title);
  adw_status_page_set_description (ADW_STATUS_PAGE (priv->status), description);
  gtk_stack_set_visible_child (GTK_STACK (priv->stack), priv->status);
}

static void
loaded (GObject      *source,
        GAsyncResult *res,
        gpointer      data)
{
  g_autoptr(IdgPage) self = data;
  IdgPagePrivate *priv = idg_page_get_instance_private (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgSnapshot) snap = idg_snapshot_load_finish (res, &error);
  GtkWidget *content;

  if (snap == NULL) {
    g_autofree gchar *text = NULL;

    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    text = idg_settings_app_error_text (error);
    idg_page_show_status (self, "dialog-warning-symbolic", _("Cannot read from the broker"), text);
    return;
  }
  if (priv->content != NULL && priv->grants != NULL && priv->records != NULL &&
      gtk_stack_get_visible_child (GTK_STACK (priv->stack)) == priv->content &&
      g_variant_equal (priv->grants, snap->grants) && g_variant_equal (priv->records, snap->records))
    return;   /* nothing new: keep the page as it is (scroll position, focus) */
  g_clear_pointer (&priv->grants, g_variant_unref);
  g_clear_pointer (&priv->records, g_variant_unref);
  priv->grants = g_variant_ref (snap->grants);
  priv->records = g_variant_ref (snap->records);
  content = IDG_PAGE_GET_CLASS (self)->build (self, snap);
  if (content == NULL)
    return;
  if (priv->content != NULL)
    gtk_stack_remove (GTK_STACK (priv->stack), priv->content);
  priv->content = content;
  gtk_stack_add_child (GTK_STACK (priv->stack), content);
  gtk_stack_set_visible_child (GTK_STACK (priv->stack), content);
}

static void
reload (IdgPage *self)
{
  IdgPagePrivate *priv = idg_page_get_instance_private (self);
  IdgDBusAdmin1 *admin = priv->app ? idg_settings_app_get_admin (priv->app) : NULL;

  g_cancellable_cancel (priv->cancellable);
  g_clear_object (&priv->cancellable);
  priv->cancellable = g_cancellable_new ();
  if (admin == NULL) {
    idg_page_show_status (self, "network-offline-symbolic", _("The identifier broker is not running"),
                          _("Nothing can read the modem's identifiers without it. Start idguardd."));
    return;
  }
  idg_snapshot_load (admin, priv->cancellable, loaded, g_object_ref (self));
}

void
idg_page_attach (IdgPage        *page,
                 IdgSettingsApp *app)
{
  IdgPagePrivate *priv = idg_page_get_instance_private (page);

  g_set_weak_pointer (&priv->app, app);
  g_signal_connect_object (app, "changed", G_CALLBACK (reload), page, G_CONNECT_SWAPPED);
  reload (page);
}

static gboolean
refresh_cb (gpointer data)
{
  reload (data);
  return G_SOURCE_CONTINUE;
}

/* in view: look now, then every REFRESH_SECONDS */
static void
idg_page_map (GtkWidget *widget)
{
  IdgPagePrivate *priv = idg_page_get_instance_private (IDG_PAGE (widget));

  GTK_WIDGET_CLASS (idg_page_parent_class)->map (widget);
  reload (IDG_PAGE (widget));
  if (priv->refresh_id == 0)
    priv->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh_cb, widget);
}

static void
idg_page_unmap (GtkWidget *widget)
{
  IdgPagePrivate *priv = idg_page_get_instance_private (IDG_PAGE (widget));

  g_clear_handle_id (&priv->refresh_id, g_source_remove);
  GTK_WIDGET_CLASS (idg_page_parent_class)->unmap (widget);
}

static void
idg_page_dispose (GObject *object)
{
  IdgPagePrivate *priv = idg_page_get_instance_private (IDG_PAGE (object));

  g_clear_handle_id (&priv->refresh_id, g_source_remove);
  g_clear_pointer (&priv->grants, g_variant_unref);
  g_clear_pointer (&priv->records, g_variant_unref);
  g_cancellable_cancel (priv->cancellable);
  g_clear_object (&priv->cancellable);
  g_clear_weak_pointer (&priv->app);
  G_OBJECT_CLASS (idg_page_parent_class)->dispose (object);
}

static void
idg_page_class_init (IdgPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = idg_page_dispose;
  GTK_WIDGET_CLASS (klass)->map = idg_page_map;
  GTK_WIDGET_CLASS (klass)->unmap = idg_page_unmap;
}

static void
idg_page_init (IdgPage *self)
{
  IdgPagePrivate *priv = idg_page_get_instance_private (self);

  priv->stack = gtk_stack_new ();
  priv->status = adw_status_page_new ();
  gtk_stack_add_child (GTK_STACK (priv->stack), priv->status);
  adw_bin_set_child (ADW_BIN (self), priv->stack);
}
