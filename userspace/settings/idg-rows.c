/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-rows.h"

GtkWidget *
idg_rows_text (const gchar *title,
               const gchar *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  if (subtitle != NULL && *subtitle != '\0') {
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
    adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  }
  return row;
}

GtkWidget *
idg_rows_service (const IdgWho *who)
{
  g_autofree gchar *name = idg_words_who_name (who);
  g_auto(GStrv) lines = idg_words_who_lines (who);
  g_autofree gchar *facts = g_strjoinv ("\n", lines);
  GtkWidget *row = idg_rows_text (name, facts);
  GtkWidget *icon = gtk_image_new_from_icon_name ("application-x-executable-symbolic");

  gtk_image_set_pixel_size (GTK_IMAGE (icon), 32);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_widget_add_css_class (row, "heading");
  return row;
}
