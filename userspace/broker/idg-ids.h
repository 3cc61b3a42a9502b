/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The identifier table: what the modem backends read, per source ("qmi",
 * "mbim", "at") and kind, in memory only. A value replaced or cleared is
 * wiped. A kind is served from the first source that knows it, in the order
 * qmi, mbim, at. Each source also has a short human state for status. The
 * values seen before (a previous SIM's) are kept apart for the tripwire
 * (idg_ids_seen), never served.
 */
#ifndef IDG_IDS_H
#define IDG_IDS_H

#include <glib.h>
#include "idg-kind.h"

G_BEGIN_DECLS

typedef struct _IdgIds IdgIds;

IdgIds  *idg_ids_new          (void);
void     idg_ids_free         (IdgIds      *ids);

/* value NULL: unknown (cleared). Returns TRUE if anything changed. */
gboolean idg_ids_set          (IdgIds      *ids,
                               const gchar *source,
                               IdgKind      kind,
                               const gchar *value);
gboolean idg_ids_clear_source (IdgIds      *ids,
                               const gchar *source);
void     idg_ids_set_state    (IdgIds      *ids,
                               const gchar *source,
                               const gchar *state);

/* A copy of the current value (free it with idg_token_free / idg_ids_value_free,
 * which wipe) or NULL if no source knows it; source_out (nullable) gets the
 * source name (static string, valid while ids lives). */
gchar   *idg_ids_dup_value    (IdgIds       *ids,
                               IdgKind       kind,
                               const gchar **source_out);
void     idg_ids_value_free   (gchar        *value);
/* IDG_KIND_BIT()s of the kinds some source knows. */
guint32  idg_ids_known_mask   (IdgIds       *ids);
/* Source names that reported anything (state or values), in serving order. */
GStrv    idg_ids_list_sources (IdgIds       *ids);
/* The source's state, or NULL; the mask of kinds it knows. */
const gchar *idg_ids_get_state      (IdgIds      *ids,
                                     const gchar *source);
guint32      idg_ids_source_mask    (IdgIds      *ids,
                                     const gchar *source);
/* Bumped on every change of a value (for the kernel bridge, the tripwire). */
guint64  idg_ids_get_generation (IdgIds *ids);

/* Every distinct value any source reported for kind since the table was
 * made, current and previous (the last SIM's), oldest first, at most
 * IDG_IDS_SEEN_MAX (the oldest goes first). For the value tripwire, which
 * keeps looking for them after a swap. Borrowed strings, valid until the
 * next idg_ids_set; wiped when dropped and on free. */
#define IDG_IDS_SEEN_MAX 16
GPtrArray *idg_ids_seen (IdgIds  *ids,
                         IdgKind  kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgIds, idg_ids_free)

G_END_DECLS

#endif
