// SPDX-License-Identifier: GPL-2.0-or-later
#include <gio/gio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "idg-identity.h"
#include "idg-selector.h"

static void
test_socketpair (void)
{
  int sv[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgIdentity) id = NULL;
  g_autofree gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree gchar *describe = NULL;
  g_autofree gchar *cg = NULL;
  g_autoptr(IdgSelector) own = NULL;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  id = idg_identity_from_socket (sv[0], &error);
  g_assert_no_error (error);
  g_assert_true (id->known);
  g_assert_cmpuint (id->uid, ==, getuid ());
  g_assert_cmpuint (id->gid, ==, getgid ());
  g_assert_cmpint (id->pid, ==, getpid ());
  g_assert_cmpstr (id->exe, ==, exe);
  if (g_file_get_contents ("/proc/self/cgroup", &cg, NULL, NULL) && strstr (cg, "0::/") != NULL)
    g_assert_nonnull (id->cgroup);
  {
    g_autofree gchar *want = id->unit != NULL ? g_strdup_printf ("unit:%s", id->unit)
                                              : g_strdup_printf ("exe:%s", exe);
    g_assert_cmpstr (id->service, ==, want);
  }
  describe = idg_identity_describe (id);
  g_assert_nonnull (strstr (describe, exe));

  /* the selector a request would derive matches ourselves */
  own = idg_selector_for_identity (id);
  g_assert_true (idg_selector_matches (own, id));
  close (sv[0]);
  close (sv[1]);
}

/* A peer that has exited cannot be described: its pid could be anyone's. */
static void
test_dead_peer (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-ident-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "s", NULL);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgIdentity) id = NULL;
  int lfd, cfd, status;
  pid_t pid;

  g_strlcpy (sa.sun_path, path, sizeof sa.sun_path);
  lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (bind (lfd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (listen (lfd, 1), ==, 0);
  pid = fork ();
  if (pid == 0) {
    int fd = socket (AF_UNIX, SOCK_STREAM, 0);
    _exit (connect (fd, (struct sockaddr *) &sa, sizeof sa) == 0 ? 0 : 1);
  }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  cfd = accept (lfd, NULL, NULL);
  g_assert_cmpint (cfd, >=, 0);
  id = idg_identity_from_socket (cfd, &error);
  g_assert_null (id);
  g_assert_nonnull (error);
  close (cfd);
  close (lfd);
  unlink (path);
  rmdir (dir);
}

/* A peer whose real and effective ids differ (a setuid program) is known by
 * its effective ids, as SO_PEERCRED reports them. Needs root. */
static void
test_effective_ids (void)
{
  g_autofree gchar *dir = NULL, *path = NULL;
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgIdentity) id = NULL;
  int lfd, cfd, p[2];
  pid_t pid;
  gchar c;

  if (getuid () != 0) {
    g_test_skip ("needs root to change ids");
    return;
  }
  dir = g_dir_make_tmp ("idg-ident-XXXXXX", NULL);
  path = g_build_filename (dir, "s", NULL);
  g_assert_cmpint (chmod (dir, 0755), ==, 0);
  g_strlcpy (sa.sun_path, path, sizeof sa.sun_path);
  lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (bind (lfd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (chmod (path, 0777), ==, 0);
  g_assert_cmpint (listen (lfd, 1), ==, 0);
  g_assert_cmpint (pipe (p), ==, 0);
  pid = fork ();
  if (pid == 0) {
    int fd;

    close (p[1]);
    if (setresgid (0, 65534, 0) < 0 || setresuid (0, 65534, 0) < 0)
      _exit (2);
    fd = socket (AF_UNIX, SOCK_STREAM, 0);
    if (connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
      _exit (3);
    if (read (p[0], &c, 1) < 0)   /* stay alive until the parent is done */
      _exit (4);
    _exit (0);
  }
  close (p[0]);
  cfd = accept (lfd, NULL, NULL);
  g_assert_cmpint (cfd, >=, 0);
  id = idg_identity_from_socket (cfd, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id->uid, ==, 65534);
  g_assert_cmpuint (id->gid, ==, 65534);
  g_assert_cmpint (id->pid, ==, pid);
  close (p[1]);
  waitpid (pid, NULL, 0);
  close (cfd);
  close (lfd);
  unlink (path);
  rmdir (dir);
}

static void
test_from_pid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgIdentity) self = idg_identity_from_pid (getpid (), getuid (), getgid (), &error);
  g_autoptr(IdgIdentity) liar = NULL;
  g_autoptr(IdgIdentity) none = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (self->exe);
  /* credentials that are not the process's own are refused */
  liar = idg_identity_from_pid (getpid (), getuid () + 1, getgid (), &error);
  g_assert_null (liar);
  g_assert_nonnull (error);
  g_clear_error (&error);
  none = idg_identity_from_pid (0, 0, 0, &error);
  g_assert_null (none);
  g_assert_nonnull (error);
}

static void
test_from_pidfd (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgIdentity) self = NULL;
  g_autoptr(IdgIdentity) gone = NULL;
  int fd = (int) syscall (SYS_pidfd_open, getpid (), 0);
  int status;
  pid_t pid;

  g_assert_cmpint (fd, >=, 0);
  self = idg_identity_from_pidfd (fd, getuid (), getgid (), &error);
  g_assert_no_error (error);
  g_assert_cmpint (self->pid, ==, getpid ());
  close (fd);

  /* a pidfd of a process that has exited (and been reaped) names no one */
  pid = fork ();
  if (pid == 0)
    _exit (0);
  fd = (int) syscall (SYS_pidfd_open, pid, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  gone = idg_identity_from_pidfd (fd, getuid (), getgid (), &error);
  g_assert_null (gone);
  g_assert_nonnull (error);
  close (fd);
  g_clear_error (&error);
  g_assert_null (idg_identity_from_pidfd (-1, 0, 0, &error));
}

static void
test_unknown (void)
{
  g_autoptr(IdgIdentity) u = idg_identity_new_unknown ("at-link");
  g_autoptr(IdgIdentity) c = idg_identity_copy (u);
  g_autofree gchar *d = idg_identity_describe (c);

  g_assert_false (c->known);
  g_assert_cmpstr (c->service, ==, "unknown:at-link");
  g_assert_nonnull (strstr (d, "no credentials"));
}

static void
test_unit_from_cgroup (void)
{
  static const struct {
    const gchar *cgroup;
    const gchar *unit;
  } cases[] = {
    { "/system.slice/ModemManager.service", "ModemManager.service" },
    { "/system.slice/foo.service/sub/bar.service", "foo.service" },
    { "/system.slice/sys-fs.slice/x.scope", "x.scope" },
    { "/init.scope", "init.scope" },
    { "/user.slice/user-1000.slice/session-3.scope", "session-3.scope" },
    /* a user's own manager names its units as it likes: they are all that
     * user's manager, never the system unit of the same name */
    { "/user.slice/user-1000.slice/user@1000.service/app.slice/ModemManager.service",
      "user@1000.service" },
    { "/evil/ModemManager.service", NULL },
    { "/system.slice", NULL },
    { "/", NULL },
    { "", NULL },
    { NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *unit = idg_identity_unit_from_cgroup (cases[i].cgroup);

    g_test_message ("%s", cases[i].cgroup ? cases[i].cgroup : "(null)");
    g_assert_cmpstr (unit, ==, cases[i].unit);
  }
}

/* Waits until /proc/PID/exe names path (the child has exec'd). */
static void
wait_exec (pid_t pid, const gchar *path)
{
  g_autofree gchar *link = g_strdup_printf ("/proc/%d/exe", (int) pid);

  for (guint i = 0; i < 500; i++) {
    g_autofree gchar *now = g_file_read_link (link, NULL);

    if (g_strcmp0 (now, path) == 0)
      return;
    g_usleep (10000);
  }
  g_assert_not_reached ();
}

/* A child running a copy of sleep at path, once it has exec'd. */
static pid_t
spawn (const gchar *path)
{
  g_autofree gchar *bytes = NULL;
  gsize len = 0;
  pid_t pid;

  g_assert_true (g_file_get_contents ("/bin/sleep", &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (path, bytes, (gssize) len, NULL));
  g_assert_cmpint (chmod (path, 0755), ==, 0);
  pid = fork ();

  if (pid == 0) {
    execl (path, "sleep", "30", (char *) NULL);
    _exit (1);
  }
  wait_exec (pid, path);
  return pid;
}

static void
reap (pid_t pid)
{
  int status;

  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
}

/* A child that first runs setup (in the child; FALSE: it cannot, the
 * test is skipped) and then runs a copy of sleep at exec_path, or waits
 * if exec_path is NULL. Returns its pid once it is there, or -1. */
typedef gboolean (*ChildSetup) (const gchar *arg);

static pid_t
spawn_after (ChildSetup setup, const gchar *arg, const gchar *exec_path)
{
  int ready[2];
  char c = 'n';
  pid_t pid;

  g_assert_cmpint (pipe (ready), ==, 0);
  pid = fork ();
  if (pid == 0) {
    close (ready[0]);
    if (setup != NULL && !setup (arg)) {
      (void) !write (ready[1], &c, 1);
      _exit (77);
    }
    c = 'y';
    (void) !write (ready[1], &c, 1);
    if (exec_path != NULL)
      execl (exec_path, "sleep", "30", (char *) NULL);
    pause ();
    _exit (1);
  }
  close (ready[1]);
  g_assert_cmpint (read (ready[0], &c, 1), ==, 1);
  close (ready[0]);
  if (c != 'y') {
    reap (pid);
    return -1;
  }
  if (exec_path != NULL)
    wait_exec (pid, exec_path);
  return pid;
}

/* In a mount namespace of its own, /bin/sleep bind-mounted over path. */
static gboolean
bind_sleep_over (const gchar *path)
{
  return unshare (CLONE_NEWNS) == 0 &&
         mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
         mount ("/bin/sleep", path, NULL, MS_BIND, NULL) == 0;
}

static gboolean
new_user_ns (const gchar *unused)
{
  return unshare (CLONE_NEWUSER) == 0;
}

/* A process in a mount namespace of its own can run any binary under the
 * path of another (a bind mount): /proc/PID/exe then shows that path. The
 * identity must not carry it. */
static void
test_exe_other_namespace (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-identity-XXXXXX", NULL);
  g_autofree gchar *victim = g_build_filename (dir, "victim", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgIdentity) id = NULL;
  pid_t pid;

  g_assert_true (g_file_set_contents (victim, "", 0, NULL));
  pid = spawn_after (bind_sleep_over, victim, victim);
  if (pid < 0) {
    unlink (victim);
    rmdir (dir);
    g_test_skip ("no mount namespaces here (needs root)");
    return;
  }
  id = idg_identity_from_pid (pid, getuid (), getgid (), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id->exe, ==, NULL);
  reap (pid);
  unlink (victim);
  rmdir (dir);
}

/* A binary deleted (or replaced) under its running process: the path
 * names another file or none, so no exe is claimed. */
static void
test_exe_deleted (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("idg-identity-XXXXXX", NULL);
  g_autofree gchar *copy = g_build_filename (dir, "svc", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgIdentity) before = NULL;
  g_autoptr(IdgIdentity) after = NULL;
  pid_t pid;

  pid = spawn (copy);
  before = idg_identity_from_pid (pid, getuid (), getgid (), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (before->exe, ==, copy);
  /* a name with a newline is no exe either */
  {
    g_autofree gchar *odd = g_build_filename (dir, "svc\nuid:0", NULL);
    g_autoptr(IdgIdentity) odd_id = NULL;
    pid_t odd_pid;

    odd_pid = spawn (odd);
    odd_id = idg_identity_from_pid (odd_pid, getuid (), getgid (), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (odd_id->exe, ==, NULL);
    reap (odd_pid);
    unlink (odd);
  }
  g_assert_cmpint (unlink (copy), ==, 0);
  after = idg_identity_from_pid (pid, getuid (), getgid (), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after->exe, ==, NULL);
  g_assert_null (strstr (after->service, "(deleted)"));
  reap (pid);
  rmdir (dir);
}

/* The executable counts only in the broker's own user namespace: in one
 * of its own, a process holds the capability to point its exe at any
 * file (PR_SET_MM_MAP), so /proc/PID/exe proves nothing there. */
typedef enum { STAY, NEW_USERNS } Ns;

static void
test_exe_user_namespace (void)
{
  static const struct {
    const gchar *name;
    Ns           ns;
    gboolean     exec_it;
    gboolean     exe_known;
  } cases[] = {
    { "same namespace, exec'd", STAY, TRUE, TRUE },
    { "same namespace, forked", STAY, FALSE, TRUE },
    { "new user namespace, exec'd", NEW_USERNS, TRUE, FALSE },
    { "new user namespace, forked", NEW_USERNS, FALSE, FALSE },
  };
  g_autofree gchar *dir = g_dir_make_tmp ("idg-identity-XXXXXX", NULL);
  g_autofree gchar *copy = g_build_filename (dir, "svc", NULL);
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree gchar *bytes = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents ("/bin/sleep", &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (copy, bytes, (gssize) len, NULL));
  g_assert_cmpint (chmod (copy, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(IdgIdentity) id = NULL;
    g_autoptr(IdgSelector) by_exe = NULL;
    g_autofree gchar *describe = NULL;
    g_autofree gchar *sel = NULL;
    const gchar *want = cases[i].exec_it ? copy : self;
    pid_t pid = spawn_after (cases[i].ns == NEW_USERNS ? new_user_ns : NULL, NULL,
                             cases[i].exec_it ? copy : NULL);

    g_test_message ("%s", cases[i].name);
    if (pid < 0) {
      g_test_skip ("no user namespaces for this user here");
      break;
    }
    id = idg_identity_from_pid (pid, getuid (), getgid (), &error);
    g_assert_no_error (error);
    g_assert_cmpint (id->foreign_userns, ==, !cases[i].exe_known);
    g_assert_cmpstr (id->exe, ==, cases[i].exe_known ? want : NULL);
    describe = idg_identity_describe (id);
    g_assert_true ((strstr (describe, want) != NULL) == cases[i].exe_known);
    g_assert_true ((strstr (describe, "userns=other") != NULL) == !cases[i].exe_known);
    if (!cases[i].exe_known)
      g_assert_null (strstr (id->service, "exe:"));
    /* so a grant to its uid and the executable it shows holds only here */
    sel = g_strdup_printf ("uid:%u,exe:%s", (guint) getuid (), want);
    by_exe = idg_selector_parse (sel, NULL);
    g_assert_cmpint (idg_selector_matches (by_exe, id), ==, cases[i].exe_known);
    reap (pid);
  }
  unlink (copy);
  rmdir (dir);
}

static GVariant *
bus_creds (guint32 uid, guint32 pid)
{
  GVariantDict d;

  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "UnixUserID", "u", uid);
  if (pid)
    g_variant_dict_insert (&d, "ProcessID", "u", pid);
  return g_variant_ref_sink (g_variant_dict_end (&d));
}

/* GetConnectionCredentials as dbus-daemon 1.14 (ProcessID) and dbus-broker
 * (ProcessFD too) give it. */
static void
test_bus_credentials (void)
{
  g_autoptr(GVariant) self = bus_creds (getuid (), (guint32) getpid ());
  g_autoptr(GVariant) liar = bus_creds (getuid () + 1, (guint32) getpid ());
  g_autoptr(GVariant) no_pid = bus_creds (getuid (), 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgIdentity) by_pid = NULL;
  g_autoptr(IdgIdentity) by_fd = NULL;
  int fd = (int) syscall (SYS_pidfd_open, getpid (), 0);
  int child_fd, status;
  pid_t child;

  by_pid = idg_identity_from_bus_credentials (self, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (by_pid->pid, ==, getpid ());
  g_assert_cmpuint (by_pid->gid, ==, getegid ());
  by_fd = idg_identity_from_bus_credentials (self, fd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (by_fd->pid, ==, getpid ());
  g_assert_null (idg_identity_from_bus_credentials (liar, fd, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (idg_identity_from_bus_credentials (no_pid, fd, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  close (fd);

  /* a ProcessFD of another process than ProcessID is refused */
  child = fork ();
  if (child == 0) {
    pause ();
    _exit (0);
  }
  child_fd = (int) syscall (SYS_pidfd_open, child, 0);
  g_assert_cmpint (child_fd, >=, 0);
  g_assert_null (idg_identity_from_bus_credentials (self, child_fd, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  /* and so is a ProcessFD whose process has gone */
  kill (child, SIGKILL);
  waitpid (child, &status, 0);
  {
    g_autoptr(GVariant) gone = bus_creds (getuid (), (guint32) child);

    g_assert_null (idg_identity_from_bus_credentials (gone, child_fd, &error));
    g_assert_nonnull (error);
  }
  close (child_fd);
}

/* The cgroup v2 mount point and this process's cgroup in it, or FALSE. */
static gboolean
own_cgroup2 (gchar **mnt, gchar **cgroup)
{
  g_autofree gchar *info = NULL, *cg = NULL;
  g_auto(GStrv) lines = NULL;
  const gchar *line;

  if (!g_file_get_contents ("/proc/self/cgroup", &cg, NULL, NULL) ||
      (line = g_str_has_prefix (cg, "0::/") ? cg : strstr (cg, "\n0::/")) == NULL ||
      !g_file_get_contents ("/proc/self/mountinfo", &info, NULL, NULL))
    return FALSE;
  line += line == cg ? 3 : 4;
  *cgroup = g_strndup (line, strcspn (line, "\n"));
  lines = g_strsplit (info, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) f = g_strsplit (lines[i], " ", -1);

    if (strstr (lines[i], " - cgroup2 ") != NULL && g_strv_length (f) > 4 && strcmp (f[3], "/") == 0) {
      *mnt = g_strdup (f[4]);
      return TRUE;
    }
  }
  g_clear_pointer (cgroup, g_free);
  return FALSE;
}

static gboolean
move_self (const gchar *mnt, const gchar *cgroup)
{
  g_autofree gchar *procs = g_build_filename (mnt, cgroup, "cgroup.procs", NULL);
  g_autofree gchar *pid = g_strdup_printf ("%d\n", (int) getpid ());
  int fd = open (procs, O_WRONLY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = write (fd, pid, strlen (pid)) == (ssize_t) strlen (pid);
  close (fd);
  return ok;
}

/* A pinned connection's identity follows its process into another cgroup
 * and back, call after call (where the kernel has PIDFD_GET_INFO the
 * cgroup path is cached under the cgroup's id: each move changes the id). */
static void
test_pin_cgroup_moves (void)
{
  g_autofree gchar *mnt = NULL, *home = NULL, *a = NULL, *b = NULL;
  g_autofree gchar *dir_a = NULL, *dir_b = NULL;
  g_autoptr(GError) error = NULL;
  IdgIdentityPin *pin;
  const gchar *order[5];
  int sv[2];

  if (!own_cgroup2 (&mnt, &home)) {
    g_test_skip ("no cgroup v2 hierarchy");
    return;
  }
  a = g_strdup_printf ("%s%sidg-pin-a-%d", home, g_str_has_suffix (home, "/") ? "" : "/", (int) getpid ());
  b = g_strdup_printf ("%s%sidg-pin-b-%d", home, g_str_has_suffix (home, "/") ? "" : "/", (int) getpid ());
  dir_a = g_build_filename (mnt, a, NULL);
  dir_b = g_build_filename (mnt, b, NULL);
  if (mkdir (dir_a, 0755) < 0 || mkdir (dir_b, 0755) < 0 || !move_self (mnt, a)) {
    rmdir (dir_a);
    rmdir (dir_b);
    g_test_skip ("cannot create and enter a cgroup here");
    return;
  }
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  pin = idg_identity_pin_from_socket (sv[0], &error);
  g_assert_no_error (error);
  order[0] = a; order[1] = b; order[2] = a; order[3] = b; order[4] = home;
  for (guint i = 0; i < G_N_ELEMENTS (order); i++) {
    g_autoptr(IdgIdentity) id = NULL;

    g_assert_true (move_self (mnt, order[i]));
    for (guint call = 0; call < 2; call++) {   /* the first call reads, the second may cache */
      g_clear_pointer (&id, idg_identity_free);
      id = idg_identity_pin_get (pin, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (id->cgroup, ==, order[i]);
    }
  }
  idg_identity_pin_free (pin);
  close (sv[0]);
  close (sv[1]);
  g_assert_cmpint (rmdir (dir_a), ==, 0);
  g_assert_cmpint (rmdir (dir_b), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/identity/socketpair", test_socketpair);
  g_test_add_func ("/broker/identity/dead-peer", test_dead_peer);
  g_test_add_func ("/broker/identity/effective-ids", test_effective_ids);
  g_test_add_func ("/broker/identity/from-pid", test_from_pid);
  g_test_add_func ("/broker/identity/from-pidfd", test_from_pidfd);
  g_test_add_func ("/broker/identity/unknown", test_unknown);
  g_test_add_func ("/broker/identity/unit-from-cgroup", test_unit_from_cgroup);
  g_test_add_func ("/broker/identity/bus-credentials", test_bus_credentials);
  g_test_add_func ("/broker/identity/exe-other-namespace", test_exe_other_namespace);
  g_test_add_func ("/broker/identity/exe-deleted", test_exe_deleted);
  g_test_add_func ("/broker/identity/exe-user-namespace", test_exe_user_namespace);
  g_test_add_func ("/broker/identity/pin-cgroup-moves", test_pin_cgroup_moves);
  return g_test_run ();
}
