/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-report-page.h"

#include <glib/gi18n.h>

#include "idg-chart.h"
#include "idg-rows.h"

struct _IdgReportPage {
  IdgPage parent_instance;
};

G_DEFINE_FINAL_TYPE (IdgReportPage, idg_report_page, IDG_TYPE_PAGE)

static GtkWidget *
number (guint64 n)
{
  g_autofree gchar *text = g_strdup_printf ("%lu", (gulong) n);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "title-3");
  gtk_widget_add_css_class (label, "numeric");
  return label;
}

static GtkWidget *
total_row (const gchar *title,
           const gchar *subtitle,
           GtkWidget   *prefix,
           guint64      n)
{
  GtkWidget *row = idg_rows_text (title, subtitle);

  adw_action_row_add_prefix (ADW_ACTION_ROW (row), prefix);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), number (n));
  return row;
}

static GtkWidget *
totals_group (IdgTally *tally)
{
  GtkWidget *g = adw_preferences_group_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (g), _("Last 7 days"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (g),
    total_row (_("Released"), _("A service with your consent read the real value"),
               idg_chart_swatch_new (IDG_TALLY_RELEASED), tally->total[IDG_TALLY_RELEASED]));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (g),
    total_row (_("Rewritten"), _("A service without consent got a stand-in value"),
               idg_chart_swatch_new (IDG_TALLY_REWRITTEN), tally->total[IDG_TALLY_REWRITTEN]));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (g),
    total_row (_("Refused"), _("A read without consent was turned down"),
               idg_chart_swatch_new (IDG_TALLY_REFUSED), tally->total[IDG_TALLY_REFUSED]));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (g),
    total_row (_("Caught by the tripwire"),
               _("A real value was about to leave by a way no filter knew, and was masked"),
               icon, tally->tripwire));
  return g;
}

static GtkWidget *
kind_row (const IdgTallyRow *row)
{
  g_autofree gchar *counts = idg_words_counts (row->total[IDG_TALLY_RELEASED], row->total[IDG_TALLY_REWRITTEN],
                                               row->total[IDG_TALLY_REFUSED], row->tripwire);
  g_autofree gchar *title = NULL;
  GtkWidget *r;

  if (row->flood) {
    g_autofree gchar *kinds = idg_words_scopes (row->kind);

    /* TRANSLATORS: the audit summed up a burst of attempts by one user */
    title = g_strdup_printf (_("Many attempts at %s (summed up)"), kinds);
  } else {
    title = g_strdup (idg_words_kind_name (row->kind));
  }
  r = idg_rows_text (title, counts);
  adw_action_row_add_suffix (ADW_ACTION_ROW (r), idg_chart_new (row));
  if (row->tripwire > 0 || row->flood)
    adw_action_row_add_prefix (ADW_ACTION_ROW (r), gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
  return r;
}

typedef struct {
  const gchar *service;
  guint64      released;
  guint        first;      /* its rows: tally->rows[first .. first + n) */
  guint        n;
} Group;

/* the services that were given the most first, then by name */
static gint
group_order (gconstpointer a,
             gconstpointer b)
{
  const Group *ga = a, *gb = b;

  if (ga->released != gb->released)
    return ga->released > gb->released ? -1 : 1;
  return g_strcmp0 (ga->service, gb->service);
}

static GtkWidget *
build (IdgPage     *self,
       IdgSnapshot *snap)
{
  GtkWidget *page = adw_preferences_page_new ();
  g_autoptr(GArray) groups = g_array_new (FALSE, TRUE, sizeof (Group));
  GtkWidget *g;
  guint i, j;

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (totals_group (snap->tally)));
  /* the tally's rows come sorted by service: one group per run */
  for (i = 0; i < snap->tally->rows->len; i++) {
    IdgTallyRow *row = g_ptr_array_index (snap->tally->rows, i);
    Group *last = groups->len > 0 ? &g_array_index (groups, Group, groups->len - 1) : NULL;

    if (last == NULL || g_strcmp0 (last->service, row->service) != 0) {
      Group add = { row->service, 0, i, 0 };

      g_array_append_val (groups, add);
      last = &g_array_index (groups, Group, groups->len - 1);
    }
    last->released += row->total[IDG_TALLY_RELEASED];
    last->n++;
  }
  g_array_sort (groups, group_order);
  for (i = 0; i < groups->len; i++) {
    const Group *grp = &g_array_index (groups, Group, i);
    g_autoptr(IdgWho) who = idg_words_who_from_service (grp->service);

    g = adw_preferences_group_new ();
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (g), idg_rows_service (who));
    for (j = grp->first; j < grp->first + grp->n; j++)
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (g), kind_row (g_ptr_array_index (snap->tally->rows, j)));
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (g));
  }
  if (snap->tally->rows->len == 0) {
    g = adw_preferences_group_new ();
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (g),
                               idg_rows_text (_("Nothing read"),
                                              _("No service tried to read a modem identifier in the last 7 days.")));
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (g));
  }
  return page;
}

static void
idg_report_page_class_init (IdgReportPageClass *klass)
{
  IDG_PAGE_CLASS (klass)->build = build;
}

static void
idg_report_page_init (IdgReportPage *self)
{
}

GtkWidget *
idg_report_page_new (IdgSettingsApp *app)
{
  IdgPage *self = g_object_new (IDG_TYPE_REPORT_PAGE, NULL);

  idg_page_attach (self, app);
  return GTK_WIDGET (self);
}
