/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The privacy report: the last 7 days of the broker's audit, in totals
 * (released, rewritten, refused, caught by the value tripwire) and per
 * service and identifier, as numbers and a small bar chart per row.
 */
#ifndef IDG_REPORT_PAGE_H
#define IDG_REPORT_PAGE_H

#include <adwaita.h>
#include "idg-page.h"

G_BEGIN_DECLS

#define IDG_TYPE_REPORT_PAGE (idg_report_page_get_type ())
G_DECLARE_FINAL_TYPE (IdgReportPage, idg_report_page, IDG, REPORT_PAGE, IdgPage)

GtkWidget *idg_report_page_new (IdgSettingsApp *app);

G_END_DECLS

#endif
