/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idguard-settings: the consent prompt and settings panel of idguard
 * (idguard-settings(1)). Thin main: locale, then the application.
 */
#include <locale.h>
#include <glib/gi18n.h>

#include "idg-settings-app.h"

int
main (int argc, char **argv)
{
  g_autoptr(IdgSettingsApp) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, IDG_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  app = idg_settings_app_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
