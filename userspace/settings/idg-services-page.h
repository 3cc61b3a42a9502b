/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The services page: every service with a grant or an access in the last
 * 7 days; per service who it is, per grant its identifiers, purpose and
 * expiry, and a switch that revokes the grant at once.
 */
#ifndef IDG_SERVICES_PAGE_H
#define IDG_SERVICES_PAGE_H

#include <adwaita.h>
#include "idg-page.h"

G_BEGIN_DECLS

#define IDG_TYPE_SERVICES_PAGE (idg_services_page_get_type ())
G_DECLARE_FINAL_TYPE (IdgServicesPage, idg_services_page, IDG, SERVICES_PAGE, IdgPage)

GtkWidget *idg_services_page_new (IdgSettingsApp *app);

G_END_DECLS

#endif
