/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the main window's pages share: they reload from the broker (an
 * IdgSnapshot) whenever the app says something changed, show a status page
 * while the broker is away or a read fails, and otherwise the page their
 * class builds from the snapshot.
 */
#ifndef IDG_PAGE_H
#define IDG_PAGE_H

#include <adwaita.h>
#include "idg-settings-app.h"
#include "idg-snapshot.h"

G_BEGIN_DECLS

#define IDG_TYPE_PAGE (idg_page_get_type ())
G_DECLARE_DERIVABLE_TYPE (IdgPage, idg_page, IDG, PAGE, AdwBin)

struct _IdgPageClass {
  AdwBinClass parent_class;

  /* the page's content for snap, or NULL after idg_page_show_status */
  GtkWidget *(*build) (IdgPage     *page,
                       IdgSnapshot *snap);
};

/* connects to app's "changed" and loads once */
void            idg_page_attach      (IdgPage        *page,
                                      IdgSettingsApp *app);
IdgSettingsApp *idg_page_get_app     (IdgPage        *page);
void            idg_page_show_status (IdgPage        *page,
                                      const gchar    *icon,
                                      const gchar    *title,
                                      const gchar    *description);

G_END_DECLS

#endif
