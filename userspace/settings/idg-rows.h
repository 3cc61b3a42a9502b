/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rows the prompt and the pages share. Every text goes in as plain text
 * (no Pango markup): a unit name or purpose text is the service's choice.
 */
#ifndef IDG_ROWS_H
#define IDG_ROWS_H

#include <adwaita.h>
#include "idg-words.h"

G_BEGIN_DECLS

/* a row of plain text; subtitle may be NULL; lines wrap */
GtkWidget *idg_rows_text    (const gchar  *title,
                             const gchar  *subtitle);
/* the service's name over its facts (unit, program, user) */
GtkWidget *idg_rows_service (const IdgWho *who);

G_END_DECLS

#endif
