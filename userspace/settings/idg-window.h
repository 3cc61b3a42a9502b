/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main window: Services and Privacy report, switched by a view
 * switcher in the header on a wide window and at the bottom on a narrow
 * one (a phone, 360 pixels wide).
 */
#ifndef IDG_WINDOW_H
#define IDG_WINDOW_H

#include <adwaita.h>
#include "idg-settings-app.h"

G_BEGIN_DECLS

#define IDG_TYPE_WINDOW (idg_window_get_type ())
G_DECLARE_FINAL_TYPE (IdgWindow, idg_window, IDG, WINDOW, AdwApplicationWindow)

GtkWidget *idg_window_new   (IdgSettingsApp *app);
/* a short message at the bottom of the window that holds widget; an
 * error stays until dismissed */
void       idg_window_toast (GtkWidget      *widget,
                             const gchar    *text,
                             gboolean        error);

G_END_DECLS

#endif
