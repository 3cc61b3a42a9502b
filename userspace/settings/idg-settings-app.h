/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idguard-settings' application: one connection to the broker's
 * org.idguard.Admin1 on the system bus, a prompt per pending request
 * (RequestPending, and what ListRequests says is pending), and, unless it
 * runs as the session agent (--agent: prompts only), the main window.
 *
 * Reads (ListRequests, ListGrants, Audit) never ask polkit for
 * authentication; what the person decides (Approve, Deny, Revoke) may.
 */
#ifndef IDG_SETTINGS_APP_H
#define IDG_SETTINGS_APP_H

#include <adwaita.h>
#include "idg-settings-dbus.h"

G_BEGIN_DECLS

#define IDG_TYPE_SETTINGS_APP (idg_settings_app_get_type ())
G_DECLARE_FINAL_TYPE (IdgSettingsApp, idg_settings_app, IDG, SETTINGS_APP, AdwApplication)

#define IDG_SETTINGS_APP_ID "org.idguard.Settings"

IdgSettingsApp *idg_settings_app_new       (void);
/* NULL until connected, or when the broker is not on the bus */
IdgDBusAdmin1  *idg_settings_app_get_admin (IdgSettingsApp *app);
/* the --size the windows open with, or FALSE */
gboolean        idg_settings_app_get_size  (IdgSettingsApp *app,
                                            gint           *width,
                                            gint           *height);
/* a D-Bus error as one sentence for a person */
gchar          *idg_settings_app_error_text (const GError *error);

/* Signal "changed": the broker's grants, requests or presence changed;
 * pages reload. */

G_END_DECLS

#endif
