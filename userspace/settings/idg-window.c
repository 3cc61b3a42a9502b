/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-window.h"

#include <glib/gi18n.h>

#include "idg-report-page.h"
#include "idg-services-page.h"

struct _IdgWindow {
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toasts;
};

G_DEFINE_FINAL_TYPE (IdgWindow, idg_window, ADW_TYPE_APPLICATION_WINDOW)

void
idg_window_toast (GtkWidget   *widget,
                  const gchar *text,
                  gboolean     error)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  AdwToast *toast;

  if (root == NULL || !IDG_IS_WINDOW (root))
    return;
  toast = adw_toast_new (text);
  /* an error stays until the person dismisses it */
  if (error)
    adw_toast_set_timeout (toast, 0);
  adw_toast_overlay_add_toast (IDG_WINDOW (root)->toasts, toast);
}

static void
idg_window_class_init (IdgWindowClass *klass)
{
}

static void
idg_window_init (IdgWindow *self)
{
}

static void
refresh (IdgSettingsApp *app)
{
  g_signal_emit_by_name (app, "changed");
}

GtkWidget *
idg_window_new (IdgSettingsApp *app)
{
  IdgWindow *self = g_object_new (IDG_TYPE_WINDOW, "application", app, NULL);
  GtkWidget *box, *header, *title, *stack, *bar, *toasts, *button;
  AdwViewStackPage *page;
  gint w, h;

  gtk_window_set_title (GTK_WINDOW (self), _("Modem identifiers"));
  if (idg_settings_app_get_size (app, &w, &h))
    gtk_window_set_default_size (GTK_WINDOW (self), w, h);
  else
    gtk_window_set_default_size (GTK_WINDOW (self), 800, 640);
  gtk_widget_set_size_request (GTK_WIDGET (self), 360, 294);

  stack = adw_view_stack_new ();
  gtk_widget_set_vexpand (stack, TRUE);
  page = adw_view_stack_add_titled (ADW_VIEW_STACK (stack), idg_services_page_new (app),
                                    "services", _("Services"));
  adw_view_stack_page_set_icon_name (page, "view-list-symbolic");
  page = adw_view_stack_add_titled (ADW_VIEW_STACK (stack), idg_report_page_new (app),
                                    "report", _("Privacy report"));
  adw_view_stack_page_set_icon_name (page, "power-profile-balanced-symbolic");

  header = adw_header_bar_new ();
  title = adw_view_switcher_title_new ();
  adw_view_switcher_title_set_stack (ADW_VIEW_SWITCHER_TITLE (title), ADW_VIEW_STACK (stack));
  adw_view_switcher_title_set_title (ADW_VIEW_SWITCHER_TITLE (title), _("Modem identifiers"));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  button = gtk_button_new_from_icon_name ("view-refresh-symbolic");
  gtk_widget_set_tooltip_text (button, _("Refresh"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Refresh"), -1);
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (refresh), app);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), button);

  /* narrow (a phone): the switcher moves from the header to the bottom */
  bar = adw_view_switcher_bar_new ();
  adw_view_switcher_bar_set_stack (ADW_VIEW_SWITCHER_BAR (bar), ADW_VIEW_STACK (stack));
  g_object_bind_property (title, "title-visible", bar, "reveal", G_BINDING_SYNC_CREATE);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), stack);
  gtk_box_append (GTK_BOX (box), bar);
  toasts = adw_toast_overlay_new ();
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (toasts), box);
  self->toasts = ADW_TOAST_OVERLAY (toasts);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self), toasts);
  return GTK_WIDGET (self);
}
