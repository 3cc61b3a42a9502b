/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one redaction helper for everything personal. Any log line, error
 * message, audit record or debug print that would show an identifier, a
 * token or a raw modem payload passes it through here instead. There is no
 * switch to turn it off: --debug shows structure, never values.
 */
#ifndef IDG_PERSONAL_H
#define IDG_PERSONAL_H

#include <glib.h>

G_BEGIN_DECLS

/* "###" for any non-NULL value (its length and content are not shown),
 * "(none)" for NULL. */
const gchar *idg_personal (const gchar *value);

/* A hex dump of at most max bytes of a modem or client message for debug
 * logs, with every byte after the fixed protocol header (header_len bytes)
 * shown as "##". */
gchar *idg_personal_dump (const guint8 *data,
                          gsize         len,
                          gsize         header_len,
                          gsize         max);

G_END_DECLS

#endif
