// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The QRTR guard's loader: BPF LSM program in, links and maps pinned in
 * bpffs (the guard outlives this process), and the trust step that adds
 * the calling unit's cgroup. See idg-qrtr-guard.bpf.c for the policy.
 */
#include "idg-qrtr-guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gio/gio.h>

#include "idg-qrtr-guard.skel.h"

#define LSM_LIST "/sys/kernel/security/lsm"
#define CGROUP_ROOT "/sys/fs/cgroup"

static const char *const counter_names[] = { "send", "connect", "receive", "stolen" };

static int libbpf_print (enum libbpf_print_level level,
                         const char             *format,
                         va_list                 args) G_GNUC_PRINTF (2, 0);

static int
libbpf_print (enum libbpf_print_level level,
              const char             *format,
              va_list                 args)
{
  if (level == LIBBPF_DEBUG)
    return 0;
  return vfprintf (stderr, format, args);
}

/* Is "bpf" among the active LSMs? A BPF LSM program attaches without
 * complaint on a kernel where it is not, and then is never called. */
static gboolean
bpf_lsm_active (GError **error)
{
  g_autofree char *list = NULL;
  g_auto(GStrv) names = NULL;

  if (!g_file_get_contents (LSM_LIST, &list, NULL, error)) {
    g_prefix_error (error, "cannot tell whether the BPF LSM is active (securityfs): ");
    return FALSE;
  }
  names = g_strsplit (g_strstrip (list), ",", -1);
  if (!g_strv_contains ((const char *const *) names, "bpf")) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "the BPF LSM is not active (" LSM_LIST " lacks bpf: boot with lsm=...,bpf); "
                 "QRTR stays open to every process outside the systemd drop-in");
    return FALSE;
  }
  return TRUE;
}

static char *
pin_path (const char *pin_dir,
          const char *name)
{
  return g_build_filename (pin_dir, name, NULL);
}

static void
remove_pins (const char *pin_dir)
{
  g_autoptr(GDir) dir = g_dir_open (pin_dir, 0, NULL);
  const char *name;

  if (!dir)
    return;
  while ((name = g_dir_read_name (dir))) {
    g_autofree char *path = pin_path (pin_dir, name);

    unlink (path);
  }
  rmdir (pin_dir);
}

static gboolean
pinned (const char *pin_dir)
{
  g_autofree char *path = pin_path (pin_dir, "trusted_cgroups");

  return access (path, F_OK) == 0;
}

static gboolean
pin_all (struct idg_qrtr_guard *skel,
         const char            *pin_dir,
         GError               **error)
{
  struct bpf_program *prog;
  struct bpf_map *maps[] = { skel->maps.trusted_cgroups, skel->maps.refusals };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (maps); i++) {
    g_autofree char *path = pin_path (pin_dir, bpf_map__name (maps[i]));
    int rc = bpf_map__pin (maps[i], path);

    if (rc) {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-rc),
                   "cannot pin map %s: %s", bpf_map__name (maps[i]), g_strerror (-rc));
      return FALSE;
    }
  }
  bpf_object__for_each_program (prog, skel->obj) {
    const char *name = bpf_program__name (prog);
    g_autofree char *link_name = g_strconcat ("link-", name, NULL);
    g_autofree char *path = pin_path (pin_dir, link_name);
    struct bpf_link *link = bpf_program__attach (prog);
    int rc;

    if (!link) {
      rc = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (rc),
                   "cannot attach %s: %s", name, g_strerror (rc));
      return FALSE;
    }
    rc = bpf_link__pin (link, path);
    /* the pin holds the link from now on (or nothing does, on error) */
    bpf_link__disconnect (link);
    bpf_link__destroy (link);
    if (rc) {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-rc),
                   "cannot pin the link of %s: %s", name, g_strerror (-rc));
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
idg_qrtr_guard_load (const char  *pin_dir,
                     GError     **error)
{
  struct idg_qrtr_guard *skel;
  gboolean ok;

  if (!bpf_lsm_active (error))
    return FALSE;
  if (pinned (pin_dir))
    return TRUE;
  /* a half-made pin directory (an earlier crash): start again */
  remove_pins (pin_dir);
  if (g_mkdir_with_parents (pin_dir, 0700) < 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot create %s (is bpffs mounted on /sys/fs/bpf?): %s",
                 pin_dir, g_strerror (saved));
    return FALSE;
  }
  libbpf_set_print (libbpf_print);
  skel = idg_qrtr_guard__open_and_load ();
  if (!skel) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot load the BPF program (kernel BTF, CAP_BPF?): %s", g_strerror (saved));
    remove_pins (pin_dir);
    return FALSE;
  }
  ok = pin_all (skel, pin_dir, error);
  if (!ok)
    remove_pins (pin_dir);   /* never half a guard: every link goes */
  idg_qrtr_guard__destroy (skel);
  return ok;
}

/* The cgroup (v2) id of this process: the handle of its cgroup directory. */
static gboolean
own_cgroup_id (guint64  *id,
               GError  **error)
{
  g_autofree char *text = NULL;
  g_autofree char *dir = NULL;
  g_auto(GStrv) lines = NULL;
  const char *rel = NULL;
  struct {
    struct file_handle fh;
    guint64 id;
  } handle = { .fh.handle_bytes = sizeof (guint64) };
  int mount_id;
  guint i;

  if (!g_file_get_contents ("/proc/self/cgroup", &text, NULL, error))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "0::/"))
      rel = lines[i] + 3;
  if (!rel) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "no cgroup v2 (unified hierarchy) in /proc/self/cgroup");
    return FALSE;
  }
  dir = g_build_filename (CGROUP_ROOT, rel, NULL);
  if (name_to_handle_at (AT_FDCWD, dir, &handle.fh, &mount_id, 0) < 0 ||
      handle.fh.handle_bytes != sizeof (guint64)) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot read the id of cgroup %s: %s", rel, g_strerror (saved));
    return FALSE;
  }
  memcpy (id, handle.fh.f_handle, sizeof *id);
  return TRUE;
}

/* Drops the ids of cgroups that are gone (a unit's cgroup is made anew at
 * every start; an id is never reused, so a stale one is only a slot). */
static void
prune (int map_fd)
{
  int root = open (CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  guint64 key, next;
  gboolean first = TRUE;
  GArray *gone = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint i;

  if (root < 0) {
    g_array_unref (gone);
    return;
  }
  while (bpf_map_get_next_key (map_fd, first ? NULL : &key, &next) == 0) {
    struct {
      struct file_handle fh;
      guint64 id;
    } handle = { .fh.handle_bytes = sizeof (guint64), .fh.handle_type = 0 };
    int fd;

    first = FALSE;
    key = next;
    memcpy (handle.fh.f_handle, &key, sizeof key);
    /* FILEID_KERNFS */
    handle.fh.handle_type = 0xfe;
    fd = open_by_handle_at (root, &handle.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0)
      close (fd);
    else if (errno == ESTALE || errno == ENOENT)
      g_array_append_val (gone, key);
  }
  for (i = 0; i < gone->len; i++)
    bpf_map_delete_elem (map_fd, &g_array_index (gone, guint64, i));
  g_array_unref (gone);
  close (root);
}

gboolean
idg_qrtr_guard_trust (const char  *pin_dir,
                      gboolean    *loaded,
                      GError     **error)
{
  g_autofree char *path = pin_path (pin_dir, "trusted_cgroups");
  guint32 one = 1;
  guint64 id;
  int fd, rc;

  *loaded = FALSE;
  if (!own_cgroup_id (&id, error))
    return FALSE;
  fd = bpf_obj_get (path);
  if (fd < 0) {
    if (errno == ENOENT)
      return TRUE;
    rc = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (rc),
                 "cannot open %s: %s", path, g_strerror (rc));
    return FALSE;
  }
  *loaded = TRUE;
  prune (fd);
  rc = bpf_map_update_elem (fd, &id, &one, BPF_ANY) ? errno : 0;
  close (fd);
  if (rc) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (rc),
                 "cannot add this cgroup to the guard's trusted set: %s", g_strerror (rc));
    return FALSE;
  }
  return TRUE;
}

gboolean
idg_qrtr_guard_unload (const char  *pin_dir,
                       GError     **error)
{
  remove_pins (pin_dir);
  if (access (pin_dir, F_OK) == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot remove %s", pin_dir);
    return FALSE;
  }
  return TRUE;
}

gboolean
idg_qrtr_guard_status (const char  *pin_dir,
                       GString     *out,
                       GError     **error)
{
  g_autofree char *trusted_path = pin_path (pin_dir, "trusted_cgroups");
  g_autofree char *refusals_path = pin_path (pin_dir, "refusals");
  int ncpu = libbpf_num_possible_cpus ();
  guint64 key, next;
  guint trusted = 0;
  gboolean first = TRUE;
  int fd;
  guint32 i;

  fd = bpf_obj_get (trusted_path);
  if (fd < 0) {
    g_string_append (out, "guard: not loaded\n");
    return TRUE;
  }
  while (bpf_map_get_next_key (fd, first ? NULL : &key, &next) == 0) {
    first = FALSE;
    key = next;
    trusted++;
  }
  close (fd);
  g_string_append_printf (out, "guard: loaded\ntrusted cgroups: %u\n", trusted);
  fd = bpf_obj_get (refusals_path);
  if (fd < 0 || ncpu <= 0) {
    int saved = errno;

    if (fd >= 0)
      close (fd);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot read %s: %s", refusals_path, g_strerror (saved));
    return FALSE;
  }
  for (i = 0; i < G_N_ELEMENTS (counter_names); i++) {
    g_autofree guint64 *per_cpu = g_new0 (guint64, ncpu);
    guint64 sum = 0;
    int c;

    if (bpf_map_lookup_elem (fd, &i, per_cpu) == 0)
      for (c = 0; c < ncpu; c++)
        sum += per_cpu[c];
    g_string_append_printf (out, "refused %s: %" G_GUINT64_FORMAT "\n", counter_names[i], sum);
  }
  close (fd);
  return TRUE;
}
