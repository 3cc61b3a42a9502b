/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the broker's unit tests: made-up identities and temp dirs. */
#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include "idg-broker.h"
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

/* A broker core on a fresh state directory (*dir_out, remove it with
 * test_rmdir): policy redact, the QMI port at DIR/qmi-link, audit records
 * written at once (no coalescing window). */
static inline IdgBroker *
test_broker_new (const gchar  *prefix,
                 gchar       **dir_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *tmpl = g_strconcat (prefix, "-XXXXXX", NULL);
  gchar *dir = g_dir_make_tmp (tmpl, NULL);
  IdgBroker *broker;
  IdgConfig *c;

  text = g_strdup_printf ("[broker]\nstate-dir=%s\nruntime-dir=%s\npolicy=redact\n"
                          "[modem]\nqmi=%s/qmi-link\n[audit]\nwindow=0\n", dir, dir, dir);
  c = idg_config_load_data (text, strlen (text), TRUE, &error);
  g_assert_no_error (error);
  broker = idg_broker_new (c, &error);
  g_assert_no_error (error);
  *dir_out = dir;
  return broker;
}

#endif
