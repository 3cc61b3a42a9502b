// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Peer identity from the kernel.
 *
 * Order of operations, so that a recycled pid can never lend its identity:
 *  1. SO_PEERCRED: uid, gid (primary) and pid as of connect().
 *  2. A pidfd for exactly that peer: SO_PEERPIDFD (Linux >= 6.5) names the
 *     process that connected; on older kernels pidfd_open(pid) is the
 *     fallback (see below).
 *  3. Read /proc/PID/exe and /proc/PID/cgroup, and /proc/PID/status for the
 *     effective uid/gid, which must still equal SO_PEERCRED's.
 *  4. Check through the pidfd that the process is still alive: if it is, the
 *     pid has not been reused since step 2, so the reads of step 3 describe
 *     the process the pidfd refers to.
 *
 * The executable counts only for a process in the broker's own user
 * namespace (step 3, read after /proc/PID/exe: a process can enter a new
 * user namespace but never go back to an ancestor without privilege there,
 * so "same namespace now" means "same namespace when exe was read"). In a
 * user namespace of its own an unprivileged process holds
 * CAP_CHECKPOINT_RESTORE and can point its exe at any program with
 * prctl (PR_SET_MM, PR_SET_MM_MAP, exe_fd); /proc/PID/exe then names that
 * program, same device and inode. Such a process's exe is unknown and
 * matches no exe: item. This does not stop a process that stays in the
 * broker's namespace while a child sharing its memory (clone (CLONE_VM |
 * CLONE_NEWUSER)) changes the exe for it: nothing in /proc tells that
 * apart, which is why exe: never stands alone in a selector
 * (idg-selector.h, docs/threat-model.md).
 *
 * Residual window without SO_PEERPIDFD: if the connecting process exits (its
 * socket kept by another process) and its pid is reused by a process of the
 * same uid/gid before step 2, the new process is described. The uid/gid
 * check in step 3 bounds it to processes of the same credentials.
 */
#include "idg-identity.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <gio/gio.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef PIDFD_GET_USER_NAMESPACE
#define PIDFD_GET_USER_NAMESPACE _IO (0xFF, 9)   /* <linux/pidfd.h>, Linux >= 6.11 */
#endif

static int
pidfd_open_compat (pid_t pid)
{
  return (int) syscall (SYS_pidfd_open, pid, 0);
}

static gboolean
pidfd_alive (int pidfd)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  int r;

  do
    r = poll (&p, 1, 0);
  while (r < 0 && errno == EINTR);
  /* readable (POLLIN) means the process has exited */
  return r == 0;
}

/* The systemd system unit of a cgroup path, as systemd names it: the first
 * component after the leading slices ("/system.slice/foo.service/x" ->
 * foo.service). Not the last component ending in ".service": a user's own
 * manager (user@UID.service, delegated to that user) may create
 * "/user.slice/user-1000.slice/user@1000.service/app.slice/ModemManager.service",
 * which must not pass for the system's ModemManager.service. Such a process
 * is user@1000.service. */
gchar *
idg_identity_unit_from_cgroup (const gchar *cgroup)
{
  g_auto(GStrv) parts = NULL;
  guint i;

  if (cgroup == NULL || cgroup[0] != '/')
    return NULL;
  parts = g_strsplit (cgroup + 1, "/", -1);
  for (i = 0; parts[i] != NULL && g_str_has_suffix (parts[i], ".slice"); i++)
    ;
  if (parts[i] == NULL || parts[i][0] == '.' ||
      !(g_str_has_suffix (parts[i], ".service") || g_str_has_suffix (parts[i], ".scope")))
    return NULL;
  return g_strdup (parts[i]);
}

static gboolean
has_control (const gchar *s)
{
  for (; *s != '\0'; s++)
    if ((guchar) *s < 0x20 || *s == 0x7f)
      return TRUE;
  return FALSE;
}

/* The executable's path, only if that path names the very file the
 * process runs in the broker's own mount namespace (same device and inode
 * through /proc/PID/exe). /proc/PID/exe shows a path as seen in the
 * process's mount namespace: a process in a namespace of its own (an
 * unprivileged user can make one with a user namespace) that bind-mounts
 * any binary over /usr/bin/foo would otherwise read as exe=/usr/bin/foo.
 * A deleted or replaced binary ("/usr/bin/foo (deleted)") and a binary
 * outside the broker's view (a container's root) give NULL: exe selectors
 * do not match such processes; uid, unit and cgroup still can. So does a
 * path with control characters (a newline in a file name would show as
 * a row of its own in the request lists the user decides from). */
static gchar *
read_exe (pid_t pid)
{
  g_autofree gchar *link = g_strdup_printf ("/proc/%d/exe", (int) pid);
  g_autofree gchar *path = g_file_read_link (link, NULL);   /* NULL for kernel threads or if hidden */
  struct stat running, named;

  if (path == NULL || path[0] != '/' || has_control (path) ||
      stat (link, &running) < 0 || stat (path, &named) < 0 ||
      running.st_dev != named.st_dev || running.st_ino != named.st_ino)
    return NULL;
  return g_steal_pointer (&path);
}

/* TRUE if the process pinned by pidfd is in the broker's own user
 * namespace: through the pidfd (PIDFD_GET_USER_NAMESPACE) where the kernel
 * has it, else /proc/PID/ns/user, which resolve() vouches for with its
 * liveness check afterwards. Anything that cannot be read counts as
 * another namespace (fail closed). */
static gboolean
same_user_ns (int   pidfd,
              pid_t pid)
{
  /* the broker's own namespace, read once (it never changes it) */
  static struct stat own;
  static gsize own_state = 0;   /* 1: read, 2: unreadable */
  struct stat peer;
  int nsfd;

  if (g_once_init_enter (&own_state))
    g_once_init_leave (&own_state, stat ("/proc/self/ns/user", &own) == 0 ? 1 : 2);
  if (own_state != 1)
    return FALSE;
  nsfd = ioctl (pidfd, PIDFD_GET_USER_NAMESPACE, 0);
  if (nsfd >= 0) {
    int r = fstat (nsfd, &peer);

    close (nsfd);
    if (r < 0)
      return FALSE;
  } else if (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP) {
    g_autofree gchar *link = g_strdup_printf ("/proc/%d/ns/user", (int) pid);

    if (stat (link, &peer) < 0)
      return FALSE;
  } else {
    return FALSE;
  }
  return own.st_dev == peer.st_dev && own.st_ino == peer.st_ino;
}

/* The cgroup v2 path ("0::/..." line), or NULL. */
static gchar *
read_cgroup (pid_t pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/cgroup", (int) pid);
  g_autofree gchar *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint i;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "0::/"))
      return g_strdup (lines[i] + 3);
  return NULL;
}

/* Effective uid and gid from /proc/PID/status. */
static gboolean
read_status_ids (pid_t  pid,
                 uid_t *uid,
                 gid_t *gid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree gchar *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean have_uid = FALSE, have_gid = FALSE;
  guint i;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    guint64 v;
    g_auto(GStrv) f = NULL;

    if (!g_str_has_prefix (lines[i], "Uid:") && !g_str_has_prefix (lines[i], "Gid:"))
      continue;
    /* "Uid:\treal\teffective\tsaved\tfs": SO_PEERCRED reports the effective ids */
    f = g_strsplit_set (lines[i] + 4, " \t", -1);
    {
      guint j, field = 0;

      for (j = 0; f[j] != NULL; j++) {
        if (f[j][0] == '\0')
          continue;
        if (field++ == 1)
          break;
      }
      if (f[j] == NULL || !g_ascii_string_to_unsigned (f[j], 10, 0, G_MAXUINT32, &v, NULL))
        return FALSE;
    }
    if (lines[i][0] == 'U') {
      *uid = (uid_t) v;
      have_uid = TRUE;
    } else {
      *gid = (gid_t) v;
      have_gid = TRUE;
    }
  }
  return have_uid && have_gid;
}

static void
set_service (IdgIdentity *id)
{
  g_free (id->service);
  if (!id->known)
    id->service = g_strdup ("unknown");
  else if (id->unit != NULL)
    id->service = g_strdup_printf ("unit:%s", id->unit);
  else if (id->exe != NULL)
    id->service = g_strdup_printf ("exe:%s", id->exe);
  else
    id->service = g_strdup_printf ("uid:%u", (guint) id->uid);
}

/* Steps 3 and 4 on an open pidfd. */
static IdgIdentity *
resolve (int      pidfd,
         pid_t    pid,
         uid_t    uid,
         gid_t    gid,
         GError **error)
{
  g_autoptr(IdgIdentity) id = g_new0 (IdgIdentity, 1);
  uid_t st_uid = 0;
  gid_t st_gid = 0;

  id->uid = uid;
  id->gid = gid;
  id->pid = pid;
  id->known = TRUE;
  id->exe = read_exe (pid);
  /* after the exe (see the top of this file) */
  id->foreign_userns = !same_user_ns (pidfd, pid);
  if (id->foreign_userns)
    g_clear_pointer (&id->exe, g_free);
  id->cgroup = read_cgroup (pid);
  id->unit = idg_identity_unit_from_cgroup (id->cgroup);
  if (!read_status_ids (pid, &st_uid, &st_gid) || !pidfd_alive (pidfd)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "peer process %d exited before its identity could be read", (int) pid);
    return NULL;
  }
  if (st_uid != uid || st_gid != gid) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 "peer process %d no longer has the credentials it connected with", (int) pid);
    return NULL;
  }
  set_service (id);
  return g_steal_pointer (&id);
}

/* The peer of a unix socket: its credentials from the kernel and a pidfd
 * of its process (SO_PEERPIDFD, else pidfd_open), or -1 and error. */
static int
peer_pidfd (int           fd,
            struct ucred *cred,
            GError      **error)
{
  socklen_t len = sizeof *cred;
  int pidfd = -1;

  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0 || len != sizeof *cred) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot read the peer's credentials: %s", g_strerror (saved));
    return -1;
  }
  if (cred->pid <= 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "the peer's process is not visible in this pid namespace");
    return -1;
  }
  len = sizeof pidfd;
  if (getsockopt (fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0 || len != sizeof pidfd)
    pidfd = -1;
  if (pidfd < 0)
    pidfd = pidfd_open_compat (cred->pid);
  if (pidfd < 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot pin the peer process %d: %s", (int) cred->pid, g_strerror (saved));
    return -1;
  }
  return pidfd;
}

IdgIdentity *
idg_identity_from_socket (int      fd,
                          GError **error)
{
  struct ucred cred;
  int pidfd;
  IdgIdentity *id;

  pidfd = peer_pidfd (fd, &cred, error);
  if (pidfd < 0)
    return NULL;
  id = resolve (pidfd, cred.pid, cred.uid, cred.gid, error);
  close (pidfd);
  return id;
}

IdgIdentity *
idg_identity_from_pid (pid_t    pid,
                       uid_t    uid,
                       gid_t    gid,
                       GError **error)
{
  int pidfd;
  IdgIdentity *id;

  if (pid <= 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "no process id for the peer");
    return NULL;
  }
  pidfd = pidfd_open_compat (pid);
  if (pidfd < 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot pin the peer process %d: %s", (int) pid, g_strerror (saved));
    return NULL;
  }
  id = resolve (pidfd, pid, uid, gid, error);
  close (pidfd);
  return id;
}

/* The pid a pidfd refers to, from /proc/self/fdinfo; 0 if it has exited
 * (the kernel shows -1), -1 on error. */
static pid_t
pidfd_pid (int pidfd)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/self/fdinfo/%d", pidfd);
  g_autofree gchar *contents = NULL;
  const gchar *line;
  gint64 v;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  line = strstr (contents, "\nPid:");
  if (line == NULL)
    return -1;
  v = g_ascii_strtoll (line + 5, NULL, 10);
  return v > 0 ? (pid_t) v : 0;
}

IdgIdentity *
idg_identity_from_pidfd (int      pidfd,
                         uid_t    uid,
                         gid_t    gid,
                         GError **error)
{
  pid_t pid = pidfd >= 0 ? pidfd_pid (pidfd) : -1;

  if (pid <= 0) {
    g_set_error (error, G_IO_ERROR, pid == 0 ? G_IO_ERROR_NOT_FOUND : G_IO_ERROR_INVALID_ARGUMENT,
                 pid == 0 ? "the peer process has exited" : "not a pidfd");
    return NULL;
  }
  return resolve (pidfd, pid, uid, gid, error);
}

IdgIdentity *
idg_identity_from_bus_credentials (GVariant  *creds,
                                   int        pidfd,
                                   GError   **error)
{
  guint32 uid = G_MAXUINT32, pid = 0;
  uid_t st_uid = 0;
  gid_t gid = 0;
  IdgIdentity *id;

  /* the bus gives no primary gid: the effective one from /proc, which
   * resolve() reads again once the process is pinned */
  if (!g_variant_lookup (creds, "UnixUserID", "u", &uid) ||
      !g_variant_lookup (creds, "ProcessID", "u", &pid) || pid == 0 || pid > G_MAXINT32 ||
      !read_status_ids ((pid_t) pid, &st_uid, &gid)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the bus did not name a live caller process");
    return NULL;
  }
  if (pidfd < 0)
    return idg_identity_from_pid ((pid_t) pid, uid, gid, error);
  id = idg_identity_from_pidfd (pidfd, uid, gid, error);
  if (id != NULL && id->pid != (pid_t) pid) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "the bus's ProcessFD and ProcessID disagree");
    g_clear_pointer (&id, idg_identity_free);
  }
  return id;
}

IdgIdentity *
idg_identity_new_unknown (const gchar *label)
{
  IdgIdentity *id = g_new0 (IdgIdentity, 1);

  id->uid = (uid_t) -1;
  id->gid = (gid_t) -1;
  id->known = FALSE;
  id->service = g_strdup_printf ("unknown:%s", label != NULL ? label : "client");
  return id;
}

IdgIdentity *
idg_identity_copy (const IdgIdentity *identity)
{
  IdgIdentity *c = g_new0 (IdgIdentity, 1);

  *c = *identity;
  c->exe = g_strdup (identity->exe);
  c->unit = g_strdup (identity->unit);
  c->cgroup = g_strdup (identity->cgroup);
  c->service = g_strdup (identity->service);
  return c;
}

void
idg_identity_free (IdgIdentity *identity)
{
  if (identity == NULL)
    return;
  g_free (identity->exe);
  g_free (identity->unit);
  g_free (identity->cgroup);
  g_free (identity->service);
  g_free (identity);
}

gchar *
idg_identity_describe (const IdgIdentity *identity)
{
  GString *s;

  if (identity == NULL)
    return g_strdup ("(none)");
  if (!identity->known)
    return g_strdup_printf ("%s (no credentials)", identity->service);
  s = g_string_new (NULL);
  g_string_append_printf (s, "uid=%u gid=%u pid=%d", (guint) identity->uid,
                          (guint) identity->gid, (int) identity->pid);
  if (identity->exe != NULL)
    g_string_append_printf (s, " exe=%s", identity->exe);
  if (identity->unit != NULL)
    g_string_append_printf (s, " unit=%s", identity->unit);
  if (identity->foreign_userns)
    g_string_append (s, " userns=other");
  return g_string_free (s, FALSE);
}

/* ---- an identity pinned for the life of a connection ---- */

/* What is cached, and why it is safe (docs/performance.md, "Service
 * reads"): the pidfd, taken once, so the process is the same one for as
 * long as it lives (each call checks that it does, after its reads, as
 * resolve () does); the credentials the peer connected with, which
 * SO_PEERCRED fixes at connect () anyway; the user namespace check and the
 * resolution of the executable's path, both redone whenever the running
 * executable changes (exec, or an exe changed with prctl, which is what a
 * new user namespace would be for: its device and inode through
 * /proc/PID/exe are compared on every call). Read again on every call:
 * the effective uid/gid (a setuid () after connecting refuses the call,
 * as before) and the cgroup (a process moved to another cgroup or unit
 * matches as it is now). Where the kernel has PIDFD_GET_INFO (Linux >=
 * 6.13), one ioctl on the pidfd gives both: the effective ids, and the
 * cgroup v2 id, compared with the id the cached cgroup path was read
 * under (a cgroup v2 directory cannot be renamed, and its id is never
 * given to another while the system runs), so /proc/PID/cgroup is read
 * again only when the id changed; /proc/PID/status is not read at all.
 * Elsewhere both files are read on every call. */
struct _IdgIdentityPin {
  int          pidfd;
  pid_t        pid;
  uid_t        uid;
  gid_t        gid;
  dev_t        exe_dev;
  ino_t        exe_ino;
  gboolean     exe_known;   /* exe_dev/exe_ino read */
  guint64      cgroup_id;   /* id->cgroup was read under this id; 0: unknown */
  IdgIdentity *id;
};

/* PIDFD_GET_INFO, for headers older than the kernel: the 64-byte version 0
 * of struct pidfd_info (include/uapi/linux/pidfd.h, Linux 6.13). */
#ifndef PIDFD_GET_INFO
struct pidfd_info {
  guint64 mask;
  guint64 cgroupid;
  guint32 pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
  guint32 spare0[1];
};
#define PIDFD_GET_INFO      _IOWR (0xFF, 11, struct pidfd_info)
#define PIDFD_INFO_CREDS    (1UL << 1)
#define PIDFD_INFO_CGROUPID (1UL << 2)
#endif

/* The effective uid/gid and the cgroup v2 id (0 if none) of the pidfd's
 * process: 1; 0 if the kernel cannot tell (no PIDFD_GET_INFO: read /proc
 * instead); -1 if the process is gone. */
static int
pidfd_info_ids (int      pidfd,
                uid_t   *uid,
                gid_t   *gid,
                guint64 *cgroup_id)
{
  static gint unsupported;
  struct pidfd_info info = { .mask = PIDFD_INFO_CREDS | PIDFD_INFO_CGROUPID };

  if (g_atomic_int_get (&unsupported))
    return 0;
  if (ioctl (pidfd, PIDFD_GET_INFO, &info) < 0) {
    if (errno == ESRCH)
      return -1;
    if (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP)
      g_atomic_int_set (&unsupported, 1);
    return 0;
  }
  if ((info.mask & PIDFD_INFO_CREDS) == 0)
    return 0;
  *uid = (uid_t) info.euid;
  *gid = (gid_t) info.egid;
  *cgroup_id = (info.mask & PIDFD_INFO_CGROUPID) != 0 ? info.cgroupid : 0;
  return 1;
}

static gboolean
stat_exe (pid_t  pid,
          dev_t *dev,
          ino_t *ino)
{
  gchar link[64];
  struct stat st;

  g_snprintf (link, sizeof link, "/proc/%d/exe", (int) pid);
  if (stat (link, &st) < 0)
    return FALSE;
  *dev = st.st_dev;
  *ino = st.st_ino;
  return TRUE;
}

IdgIdentityPin *
idg_identity_pin_from_socket (int      fd,
                              GError **error)
{
  struct ucred cred;
  IdgIdentityPin *pin;
  int pidfd;

  pidfd = peer_pidfd (fd, &cred, error);
  if (pidfd < 0)
    return NULL;
  pin = g_new0 (IdgIdentityPin, 1);
  pin->pidfd = pidfd;
  pin->pid = cred.pid;
  pin->uid = cred.uid;
  pin->gid = cred.gid;
  return pin;
}

IdgIdentityPin *
idg_identity_pin_from_bus_credentials (GVariant  *creds,
                                       int        pidfd,
                                       GError   **error)
{
  guint32 uid = G_MAXUINT32, pid = 0;
  uid_t st_uid = 0;
  gid_t gid = 0;
  IdgIdentityPin *pin;

  if (!g_variant_lookup (creds, "UnixUserID", "u", &uid) ||
      !g_variant_lookup (creds, "ProcessID", "u", &pid) || pid == 0 || pid > G_MAXINT32 ||
      !read_status_ids ((pid_t) pid, &st_uid, &gid)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the bus did not name a live caller process");
    return NULL;
  }
  if (pidfd >= 0) {
    pid_t named = pidfd_pid (pidfd);

    if (named != (pid_t) pid) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the bus's ProcessFD and ProcessID disagree");
      return NULL;
    }
    pidfd = fcntl (pidfd, F_DUPFD_CLOEXEC, 3);
  } else {
    pidfd = pidfd_open_compat ((pid_t) pid);
  }
  if (pidfd < 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot pin the caller process %u: %s", pid, g_strerror (saved));
    return NULL;
  }
  pin = g_new0 (IdgIdentityPin, 1);
  pin->pidfd = pidfd;
  pin->pid = (pid_t) pid;
  pin->uid = (uid_t) uid;
  pin->gid = gid;
  return pin;
}

/* One small /proc file into buf (NUL-ended); FALSE if unreadable. */
static gboolean
read_small (const gchar *path,
            gchar       *buf,
            gsize        size)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  gsize got = 0;

  if (fd < 0)
    return FALSE;
  while (got < size - 1) {
    ssize_t n = read (fd, buf + got, size - 1 - got);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (gsize) n;
  }
  close (fd);
  buf[got] = '\0';
  return got > 0 && got < size - 1;
}

IdgIdentity *
idg_identity_pin_get (IdgIdentityPin  *pin,
                      GError         **error)
{
  gchar path[64], buf[4096];
  g_autofree gchar *cgroup = NULL;
  const gchar *line;
  uid_t st_uid = 0;
  gid_t st_gid = 0;
  dev_t dev = 0;
  ino_t ino = 0;
  gboolean exe_known, cgroup_read = FALSE;
  guint64 cgroup_id = 0, again = 0;
  int info;

  if (pin->id == NULL) {   /* the first call: everything, as resolve () */
    pin->exe_known = stat_exe (pin->pid, &pin->exe_dev, &pin->exe_ino);
    pin->id = resolve (pin->pidfd, pin->pid, pin->uid, pin->gid, error);
    return pin->id != NULL ? idg_identity_copy (pin->id) : NULL;
  }
  exe_known = stat_exe (pin->pid, &dev, &ino);
  if (!exe_known || !pin->exe_known || dev != pin->exe_dev || ino != pin->exe_ino) {
    IdgIdentity *fresh;

    pin->exe_known = stat_exe (pin->pid, &pin->exe_dev, &pin->exe_ino);
    fresh = resolve (pin->pidfd, pin->pid, pin->uid, pin->gid, error);
    if (fresh == NULL)
      return NULL;
    idg_identity_free (pin->id);
    pin->id = fresh;
    pin->cgroup_id = 0;
    return idg_identity_copy (fresh);
  }
  info = pidfd_info_ids (pin->pidfd, &st_uid, &st_gid, &cgroup_id);
  if (info <= 0 || cgroup_id == 0 || cgroup_id != pin->cgroup_id) {
    g_snprintf (path, sizeof path, "/proc/%d/cgroup", (int) pin->pid);
    if (read_small (path, buf, sizeof buf)) {
      line = g_str_has_prefix (buf, "0::/") ? buf : strstr (buf, "\n0::/");
      if (line != NULL) {
        line += line == buf ? 3 : 4;
        cgroup = g_strndup (line, strcspn (line, "\n"));
      }
    }
    cgroup_read = TRUE;
    /* the path belongs to the id only if the process did not move while
     * the file was read; else the next call reads it again */
    if (info > 0 && (pidfd_info_ids (pin->pidfd, &st_uid, &st_gid, &again) <= 0 || again != cgroup_id))
      cgroup_id = 0;
  }
  if (info < 0 || (info == 0 && !read_status_ids (pin->pid, &st_uid, &st_gid)) ||
      !pidfd_alive (pin->pidfd)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "peer process %d exited", (int) pin->pid);
    return NULL;
  }
  if (st_uid != pin->uid || st_gid != pin->gid) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 "peer process %d no longer has the credentials it connected with", (int) pin->pid);
    return NULL;
  }
  if (!cgroup_read)
    return idg_identity_copy (pin->id);
  pin->cgroup_id = info > 0 ? cgroup_id : 0;
  if (g_strcmp0 (cgroup, pin->id->cgroup) != 0) {
    g_free (pin->id->cgroup);
    pin->id->cgroup = g_steal_pointer (&cgroup);
    g_free (pin->id->unit);
    pin->id->unit = idg_identity_unit_from_cgroup (pin->id->cgroup);
    set_service (pin->id);
  }
  return idg_identity_copy (pin->id);
}

void
idg_identity_pin_free (IdgIdentityPin *pin)
{
  if (pin == NULL)
    return;
  if (pin->pidfd >= 0)
    close (pin->pidfd);
  idg_identity_free (pin->id);
  g_free (pin);
}
