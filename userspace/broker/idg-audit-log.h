/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One audit log file (idg-audit-log.c), for the audit's writer (idg-audit.c).
 */
#ifndef IDG_AUDIT_LOG_H
#define IDG_AUDIT_LOG_H

#include <glib.h>

G_BEGIN_DECLS

#define IDG_AUDIT_LOG_PROBE_USEC G_USEC_PER_SEC   /* a failing release log is probed this often */

typedef struct {
  const gchar *what;          /* for messages */
  gchar       *path;
  int          fd;
  guint64      size;
  guint64      max_size;
  guint        keep;
  gboolean     durable;       /* releases: fdatasync, reserve, fail closed */
  gboolean     failing;       /* warned once about failed writes */
  gboolean     dirty;         /* written since the last fdatasync */
  guint64      reserved;      /* offset up to which space is allocated */
  gint64       probe_after;   /* monotonic usec: next probe while failing */
  gboolean     short_reserve; /* warned once that the reserve cannot be kept */
} LogFile;

void     idg_audit_log_init        (LogFile     *f,
                                    const gchar *what,
                                    const gchar *dir,
                                    const gchar *name,
                                    guint64      max_size,
                                    guint        keep,
                                    gboolean     durable);
/* Opens (creating) for appending; a torn last line is ended. */
gboolean idg_audit_log_open        (LogFile     *f,
                                    GError     **error);
/* Gives back the space reserved past the end, and closes. */
void     idg_audit_log_close       (LogFile     *f);
/* Closes and frees the path. */
void     idg_audit_log_clear       (LogFile     *f);
/* Keeps space allocated past the end (see the .c); FALSE if it cannot be had. */
gboolean idg_audit_log_reserve     (LogFile     *f);
/* Renames path.N-1 to path.N .. path to path.1 (keep 0: deletes) and reopens. */
void     idg_audit_log_rotate      (LogFile     *f);
/* One warning when failing starts, one message when it ends. */
void     idg_audit_log_set_failing (LogFile     *f,
                                    gboolean     failing,
                                    int          err);
/* Appends one whole line (rotating first if it would pass max_size);
 * FALSE, with nothing of it left in the file, if it cannot. */
gboolean idg_audit_log_write       (LogFile     *f,
                                    const gchar *line,
                                    gsize        len);

G_END_DECLS

#endif
