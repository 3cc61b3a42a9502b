/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-page.h"

#include <glib/gi18n.h>

typedef struct {
  IdgSettingsApp *app;          /* weak */
  GtkWidget      *stack;
  GtkWidget      *status;
  GtkWidget      *content;      /* what build gave last, or NULL */
  GCancellable   *cancellable;
} IdgPagePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (IdgPage, idg_page, ADW_TYPE_BIN)

IdgSettingsApp *
idg_page_get_app (IdgPage *page)
{
  IdgPagePrivate *priv = idg_page_get_instance_private (page);

  return priv->app;
}

GCancellable *
idg_page_get_cancellable (IdgPage *page)
{
  IdgPagePrivate *priv = idg_page_get_instance_private (page);

  return priv->cancellable;
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
  /* reads leave no signal: the audit's numbers are fetched anew whenever
   * the page comes into view */
  g_signal_connect (page, "map", G_CALLBACK (reload), NULL);
  reload (page);
}

static void
idg_page_dispose (GObject *object)
{
  IdgPagePrivate *priv = idg_page_get_instance_private (IDG_PAGE (object));

  g_cancellable_cancel (priv->cancellable);
  g_clear_object (&priv->cancellable);
  g_clear_weak_pointer (&priv->app);
  G_OBJECT_CLASS (idg_page_parent_class)->dispose (object);
}

static void
idg_page_class_init (IdgPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = idg_page_dispose;
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
