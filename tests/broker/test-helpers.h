/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the broker's unit tests: made-up identities and temp dirs. */
#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H

#include <glib.h>
#include <glib/gstdio.h>
#include "idg-identity.h"

static inline IdgIdentity *
test_identity (uid_t uid, gid_t gid, const gchar *exe, const gchar *unit, const gchar *cgroup)
{
  IdgIdentity *id = g_new0 (IdgIdentity, 1);

  id->uid = uid;
  id->gid = gid;
  id->pid = 42;
  id->exe = g_strdup (exe);
  id->unit = g_strdup (unit);
  id->cgroup = g_strdup (cgroup);
  id->known = TRUE;
  id->service = unit != NULL ? g_strdup_printf ("unit:%s", unit)
              : exe != NULL ? g_strdup_printf ("exe:%s", exe)
              : g_strdup_printf ("uid:%u", (guint) uid);
  return id;
}

/* rm -r of a flat directory made by a test */
static inline void
test_rmdir (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree gchar *p = g_build_filename (dir, name, NULL);
    g_unlink (p);
  }
  if (d != NULL)
    g_dir_close (d);
  g_rmdir (dir);
}

#endif
