/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small bar chart of 7 days, oldest on the left: per day one bar stacked
 * from the bottom with releases, rewrites and refusals in their colours
 * (idg_chart_swatch_new draws the legend's squares). A screen reader reads
 * the same numbers from its accessible label.
 */
#ifndef IDG_CHART_H
#define IDG_CHART_H

#include <gtk/gtk.h>
#include "idg-tally.h"

G_BEGIN_DECLS

#define IDG_TYPE_CHART (idg_chart_get_type ())
G_DECLARE_FINAL_TYPE (IdgChart, idg_chart, IDG, CHART, GtkWidget)

GtkWidget *idg_chart_new        (const IdgTallyRow *row);
GtkWidget *idg_chart_swatch_new (IdgTallyDecision   decision);

G_END_DECLS

#endif
