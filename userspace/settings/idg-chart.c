/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-chart.h"

#include <string.h>
#include <glib/gi18n.h>

#define BAR_WIDTH  9
#define BAR_GAP    3
#define HEIGHT     34
#define SWATCH     12

struct _IdgChart {
  GtkWidget parent_instance;

  guint64   day[IDG_TALLY_DAYS][IDG_TALLY_DECISIONS];
};

G_DEFINE_FINAL_TYPE (IdgChart, idg_chart, GTK_TYPE_WIDGET)

/* released: orange (it left the device), rewritten: blue, refused: grey */
static const GdkRGBA colours[IDG_TALLY_DECISIONS] = {
  [IDG_TALLY_RELEASED]  = { 0.902, 0.380, 0.000, 1.0 },
  [IDG_TALLY_REWRITTEN] = { 0.208, 0.518, 0.894, 1.0 },
  [IDG_TALLY_REFUSED]   = { 0.467, 0.463, 0.482, 1.0 },
};

static void
idg_chart_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = IDG_TALLY_DAYS * BAR_WIDTH + (IDG_TALLY_DAYS - 1) * BAR_GAP;
  else
    *minimum = *natural = HEIGHT;
}

static void
idg_chart_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  IdgChart *self = IDG_CHART (widget);
  static const GdkRGBA base = { 0.5, 0.5, 0.5, 0.35 };
  guint64 max = 1;
  gint height = gtk_widget_get_height (widget);
  guint i, d;

  for (i = 0; i < IDG_TALLY_DAYS; i++) {
    guint64 sum = 0;

    for (d = 0; d < IDG_TALLY_DECISIONS; d++)
      sum += self->day[i][d];
    max = MAX (max, sum);
  }
  for (i = 0; i < IDG_TALLY_DAYS; i++) {
    /* oldest day on the left */
    const guint64 *day = self->day[IDG_TALLY_DAYS - 1 - i];
    gfloat x = (gfloat) (i * (BAR_WIDTH + BAR_GAP));
    gfloat y = (gfloat) height;

    gtk_snapshot_append_color (snapshot, &base, &GRAPHENE_RECT_INIT (x, y - 1, BAR_WIDTH, 1));
    for (d = 0; d < IDG_TALLY_DECISIONS; d++) {
      gfloat h;

      if (day[d] == 0)
        continue;
      /* at least 2 pixels: a single event stays visible */
      h = MAX (2.0f, (gfloat) ((gdouble) day[d] * (height - 1) / (gdouble) max));
      y -= h;
      gtk_snapshot_append_color (snapshot, &colours[d], &GRAPHENE_RECT_INIT (x, y, BAR_WIDTH, h));
    }
  }
}

static void
idg_chart_class_init (IdgChartClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->measure = idg_chart_measure;
  widget_class->snapshot = idg_chart_snapshot;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
idg_chart_init (IdgChart *self)
{
}

GtkWidget *
idg_chart_new (const IdgTallyRow *row)
{
  IdgChart *self = g_object_new (IDG_TYPE_CHART, NULL);
  g_autoptr(GString) label = g_string_new (_("Last 7 days, oldest first:"));
  guint i;

  memcpy (self->day, row->day, sizeof self->day);
  for (i = IDG_TALLY_DAYS; i-- > 0;)
    /* TRANSLATORS: one day of the chart, read by a screen reader */
    g_string_append_printf (label, _(" %lu released, %lu rewritten, %lu refused;"),
                            (gulong) row->day[i][IDG_TALLY_RELEASED],
                            (gulong) row->day[i][IDG_TALLY_REWRITTEN],
                            (gulong) row->day[i][IDG_TALLY_REFUSED]);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label->str, -1);
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
  return GTK_WIDGET (self);
}

static void
draw_swatch (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  gdk_cairo_set_source_rgba (cr, &colours[GPOINTER_TO_UINT (data)]);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
}

GtkWidget *
idg_chart_swatch_new (IdgTallyDecision decision)
{
  GtkWidget *area = gtk_drawing_area_new ();

  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), SWATCH);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), SWATCH);
  gtk_widget_set_valign (area, GTK_ALIGN_CENTER);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_swatch,
                                  GUINT_TO_POINTER ((guint) decision), NULL);
  return area;
}
