// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One audit log file: opened for appending (a torn last line ended),
 * rotated by size, written a whole line at a time (a short write leaves no
 * torn line), space reserved past the end of the release log, one warning
 * when writes start failing and one when they work again.
 */
#include "idg-audit-log.h"
#include "idg-audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESERVE    (64 * 1024)        /* bytes kept allocated past releases.log's end */


gboolean
idg_audit_log_open (LogFile  *f,
          GError  **error)
{
  struct stat st;

  f->fd = open (f->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (f->fd < 0 || fstat (f->fd, &st) < 0) {
    int saved = errno;

    if (f->fd >= 0)
      close (f->fd);
    f->fd = -1;
    g_set_error (error, IDG_AUDIT_ERROR, IDG_AUDIT_ERROR_IO,
                 "cannot open the %s %s: %s", f->what, f->path, g_strerror (saved));
    return FALSE;
  }
  f->size = (guint64) st.st_size;
  f->reserved = f->size;
  /* a torn last line (crash mid-write) is ended, so that the next record
   * starts a line of its own instead of being lost with it */
  if (f->size > 0) {
    gchar last = '\n';

    if (pread (f->fd, &last, 1, (off_t) f->size - 1) == 1 && last != '\n' &&
        write (f->fd, "\n", 1) == 1)
      f->size++;
  }
  return TRUE;
}

void
idg_audit_log_init (LogFile     *f,
          const gchar *what,
          const gchar *dir,
          const gchar *name,
          guint64      max_size,
          guint        keep,
          gboolean     durable)
{
  f->what = what;
  f->path = g_build_filename (dir, name, NULL);
  f->fd = -1;
  f->max_size = MAX (max_size, 1024);
  f->keep = keep;
  f->durable = durable;
}

/* Gives back the space reserved past the end, and closes. */
void
idg_audit_log_close (LogFile *f)
{
  if (f->fd < 0)
    return;
  if (f->reserved > f->size && ftruncate (f->fd, (off_t) f->size) < 0)
    g_debug ("audit: %s: cannot release its reserve: %s", f->path, g_strerror (errno));
  close (f->fd);
  f->fd = -1;
}

void
idg_audit_log_clear (LogFile *f)
{
  idg_audit_log_close (f);
  g_free (f->path);
}

/* Keeps RESERVE bytes allocated past the end of the release log, so that
 * its next records still fit when something else fills the disk. FALSE if
 * the space cannot be had (a filesystem without fallocate counts as TRUE:
 * the next write will tell). */
gboolean
idg_audit_log_reserve (LogFile *f)
{
  if (f->fd < 0)
    return FALSE;
  if (f->reserved >= f->size + RESERVE / 2)
    return TRUE;
  if (fallocate (f->fd, FALLOC_FL_KEEP_SIZE, (off_t) f->size, RESERVE) < 0)
    return errno == EOPNOTSUPP || errno == ENOSYS;
  f->reserved = f->size + RESERVE;
  return TRUE;
}

static void
sync_dir (const gchar *path)
{
  g_autofree gchar *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0) {
    fsync (fd);
    close (fd);
  }
}

void
idg_audit_log_rotate (LogFile *f)
{
  guint i;

  if (f->durable && f->dirty)
    fdatasync (f->fd);
  f->dirty = FALSE;
  idg_audit_log_close (f);
  if (f->keep == 0) {
    unlink (f->path);
  } else {
    for (i = f->keep; i > 0; i--) {
      g_autofree gchar *from = i == 1 ? g_strdup (f->path)
                                      : g_strdup_printf ("%s.%u", f->path, i - 1);
      g_autofree gchar *to = g_strdup_printf ("%s.%u", f->path, i);

      if (rename (from, to) < 0 && errno != ENOENT)
        g_warning ("audit: cannot rotate %s: %s", from, g_strerror (errno));
    }
  }
  if (!idg_audit_log_open (f, NULL))
    g_warning ("audit: cannot reopen %s after rotation", f->path);
  else if (f->durable)
    sync_dir (f->path);
}

void
idg_audit_log_set_failing (LogFile  *f,
             gboolean  failing,
             int       err)
{
  if (failing && !f->failing) {
    /* one warning when writes start failing (disk full...), one when they
     * work again: never a warning per record */
    if (f->durable)
      g_warning ("audit: cannot write the %s %s: %s; consented reads are refused and "
                 "the doors release nothing until it can be written",
                 f->what, f->path, err != 0 ? g_strerror (err) : "not open");
    else
      g_warning ("audit: cannot write the %s %s: %s; records go to the system log only",
                 f->what, f->path, err != 0 ? g_strerror (err) : "not open");
    f->probe_after = g_get_monotonic_time () + IDG_AUDIT_LOG_PROBE_USEC;
  } else if (!failing && f->failing) {
    g_message ("audit: the %s %s is written again", f->what, f->path);
  }
  f->failing = failing;
}

gboolean
idg_audit_log_write (LogFile     *f,
            const gchar *line,
            gsize        len)
{
  gsize done = 0;
  int err = 0;

  if (f->fd >= 0 && f->size > 0 && f->size + len > f->max_size)
    idg_audit_log_rotate (f);
  while (f->fd >= 0 && done < len) {
    ssize_t n = write (f->fd, line + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      err = n < 0 ? errno : ENOSPC;
      break;
    }
    done += (gsize) n;
  }
  f->size += done;
  if (done < len && done > 0 && f->fd >= 0) {
    /* no torn line left behind for the next record to run into */
    if (ftruncate (f->fd, (off_t) (f->size - done)) == 0)
      f->size -= done;
  }
  f->dirty |= done == len;
  /* the release log is declared good again by its probe alone
   * (idg_audit_can_release), which also wants its reserve back */
  if (done < len || !f->durable)
    idg_audit_log_set_failing (f, done < len, err);
  return done == len;
}
