/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the audit's writer (idg-audit.c) and reader (idg-audit-read.c).
 */
#ifndef IDG_AUDIT_PRIVATE_H
#define IDG_AUDIT_PRIVATE_H

#include "idg-audit.h"

G_BEGIN_DECLS

/* Frees what a record holds, not the record. */
void       idg_audit_record_clear (IdgAuditRecord *record);
/* Records of one log (path.KEEP .. path.1, then path) with usec >= since,
 * appended to out in file order; lines that are not records are skipped. */
gboolean   idg_audit_read_log (const gchar  *path,
                               guint         keep,
                               gint64        since,
                               GPtrArray    *out,
                               GError      **error);
/* a and b each oldest first: one array, oldest first (a first on ties);
 * takes both. */
GPtrArray *idg_audit_merge    (GPtrArray    *a,
                               GPtrArray    *b);
/* The rows of idg_audit_report () from records. */
GPtrArray *idg_audit_tally    (GPtrArray    *records);

G_END_DECLS

#endif
