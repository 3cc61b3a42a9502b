/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-ktest: the kernel module's tests, run inside the qemu VM by
 * tests/kernel/init.sh as root. One static binary:
 *
 *   idg-ktest all              every test case; one "ok"/"not ok" line per
 *                              check, then "KTEST-SUMMARY pass=N fail=M"
 *   idg-ktest TEST...          the named cases only
 *   idg-ktest client KIND TOKEN-ENV
 *                              one read as this process (exit 0 and a line
 *                              "value-ok"/"errno=N"); used for exec tests
 *   idg-ktest mm-exe TARGET KIND
 *                              as an attacker: moves its own executable's
 *                              mappings to anonymous memory, enters a new
 *                              user namespace, points its mm->exe_file at
 *                              TARGET (prctl PR_SET_MM_MAP), checks that
 *                              /proc/self/exe is TARGET now, then reads
 *                              (exit: the errno, or 100+ on a setup step)
 *   idg-ktest flood PROCS READS
 *                              PROCS processes make READS reads each with
 *                              a bad token (an attacker; story.sh)
 *   idg-ktest as UID PROG [ARG...]
 *                              runs PROG as uid and gid UID, no
 *                              supplementary groups (story.sh; the VM's
 *                              setpriv may be busybox's)
 *   idg-ktest story-lib CTL    idguardctl (libidguard) reads through the
 *                              module, this process acting as the broker
 *   idg-ktest hold             claims the broker channel, pushes an
 *                              identifier and a grant, keeps a client file
 *                              open, prints "holding" and waits for SIGTERM
 *
 * Identifiers and tokens come from /ids (key=value, written by run.sh from
 * tests/tools/gen-ids.py and /dev/urandom): the host greps the kernel log
 * for them afterwards. Nothing here prints a value or a token.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "idguard.h"
#include "sha256.h"

#define DEV "/dev/idguard"
#define SELF "/tests/idg-ktest"
#define ALT "/tests/alt/idg-ktest"

static int n_pass, n_fail;
static char ids[16][2][160];
static int n_ids;

static void
check (int cond, const char *fmt, ...)
{
  va_list ap;

  printf (cond ? "ok %d - " : "not ok %d - ", n_pass + n_fail + 1);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
  if (cond)
    n_pass++;
  else
    n_fail++;
}

static const char *
id_get (const char *key)
{
  for (int i = 0; i < n_ids; i++)
    if (!strcmp (ids[i][0], key))
      return ids[i][1];
  fprintf (stderr, "idg-ktest: /ids has no %s\n", key);
  exit (2);
}

static void
ids_load (void)
{
  char line[400];
  const char *path = getenv ("IDG_KTEST_IDS") ? getenv ("IDG_KTEST_IDS") : "/ids";
  FILE *f = fopen (path, "r");

  if (!f)
    {
      perror (path);
      exit (2);
    }
  while (n_ids < 16 && fgets (line, sizeof (line), f))
    {
      char *eq = strchr (line, '=');
      if (!eq)
        continue;
      *eq = '\0';
      line[strcspn (eq + 1, "\n") + (eq + 1 - line)] = '\0';
      if (strlen (line) >= sizeof (ids[0][0]) || strlen (eq + 1) >= sizeof (ids[0][1]))
        continue;
      memcpy (ids[n_ids][0], line, strlen (line) + 1);
      memcpy (ids[n_ids][1], eq + 1, strlen (eq + 1) + 1);
      n_ids++;
    }
  fclose (f);
}

static int
dev_open (void)
{
  int fd = open (DEV, O_RDWR | O_CLOEXEC);

  if (fd < 0)
    {
      perror ("idg-ktest: " DEV);
      exit (2);
    }
  return fd;
}

static uint64_t
clock_ns (clockid_t clock)
{
  struct timespec ts;

  clock_gettime (clock, &ts);
  return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static uint64_t
boottime_ns (void)
{
  return clock_ns (CLOCK_BOOTTIME);
}

/* ioctl returning 0 or the errno. */
static int
xioctl (int fd, unsigned long cmd, void *arg)
{
  return ioctl (fd, cmd, arg) < 0 ? errno : 0;
}

static int
claim (int fd)
{
  struct idguard_claim c = { .size = sizeof (c), .abi_version = IDGUARD_ABI_VERSION };

  return xioctl (fd, IDGUARD_IOC_BROKER_CLAIM, &c);
}

static int
set_ident (int fd, unsigned kind, const char *value)
{
  struct idguard_ident v = { .size = sizeof (v), .kind = kind };

  v.value_len = value ? strlen (value) : 0;
  if (value)
    memcpy (v.value, value, v.value_len);
  return xioctl (fd, IDGUARD_IOC_SET_IDENT, &v);
}

typedef struct {
  uint64_t id;
  uint32_t selector, uid, gid, scopes;
  uint64_t expires_ns;
  const char *token, *exe, *cgroup, *unit;
} GrantSpec;

/* As a broker does: the grant's executable is handed over as an O_PATH
 * descriptor opened here, in this process's mount namespace. */
static int
add_grant (int fd, const GrantSpec *s)
{
  struct idguard_grant g = {
    .size = sizeof (g), .selector = s->selector, .id = s->id, .uid = s->uid,
    .gid = s->gid, .scopes = s->scopes, .expires_ns = s->expires_ns,
  };
  int err;

  ktest_sha256 (s->token, strlen (s->token), g.token_hash);
  if (s->exe)
    {
      g.exe_fd = open (s->exe, O_PATH | O_CLOEXEC);
      if (g.exe_fd < 0)
        return errno;
    }
  if (s->cgroup)
    snprintf (g.cgroup, sizeof (g.cgroup), "%s", s->cgroup);
  if (s->unit)
    snprintf (g.unit, sizeof (g.unit), "%s", s->unit);
  err = xioctl (fd, IDGUARD_IOC_GRANT_ADD, &g);
  if (s->exe)
    close (g.exe_fd);
  return err;
}

static int
revoke_grant (int fd, uint64_t id)
{
  struct idguard_revoke r = { .size = sizeof (r), .id = id };

  return xioctl (fd, IDGUARD_IOC_GRANT_REVOKE, &r);
}

/* Reads kind with token; 0 and the value in out (NUL-terminated), or the
 * errno. */
static int
read_id (int fd, unsigned kind, const char *token, char *out, uint64_t *grant)
{
  struct idguard_read r = { .size = sizeof (r), .kind = kind };
  int err;

  r.token_len = strlen (token);
  memcpy (r.token, token, r.token_len);
  err = xioctl (fd, IDGUARD_IOC_READ, &r);
  if (!err)
    {
      if (out)
        {
          memcpy (out, r.value, r.value_len);
          out[r.value_len] = '\0';
        }
      if (grant)
        *grant = r.grant_id;
    }
  return err;
}

/* A fresh client file, the read, the file closed. */
static int
client_read (unsigned kind, const char *token, const char *want)
{
  char got[IDGUARD_VALUE_MAX + 1];
  int fd = dev_open ();
  int err = read_id (fd, kind, token, got, NULL);

  close (fd);
  if (!err && want && strcmp (got, want))
    return -1; /* a wrong value: never acceptable */
  return err;
}

/* Runs fn in a child as uid/gid (-1: stay root); returns its exit code. */
static int
as_user (int uid, int gid, int (*fn) (void *), void *data)
{
  pid_t pid = fork ();
  int status;

  if (pid == 0)
    {
      if (gid >= 0 && setresgid (gid, gid, gid))
        _exit (120);
      if (uid >= 0 && setresuid (uid, uid, uid))
        _exit (121);
      _exit (fn (data));
    }
  if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status))
    return 125;
  return WEXITSTATUS (status);
}

typedef struct {
  unsigned kind;
  const char *token;
  const char *want;
} ReadArgs;

static int
child_read (void *data)
{
  const ReadArgs *a = data;
  int err = client_read (a->kind, a->token, a->want);

  return err < 0 ? 99 : err;
}

static int
read_as (int uid, int gid, unsigned kind, const char *token, const char *want)
{
  ReadArgs a = { kind, token, want };

  return as_user (uid, gid, child_read, &a);
}

/* exec path client KIND TOKEN (token passed in the environment), as uid
 * (and gid) uid, or root for -1. */
static int
exec_read_as (int uid, const char *path, unsigned kind, const char *token)
{
  pid_t pid = fork ();
  int status;

  if (pid == 0)
    {
      char k[16];
      if (uid >= 0 && (setresgid (uid, uid, uid) || setresuid (uid, uid, uid)))
        _exit (121);
      snprintf (k, sizeof (k), "%u", kind);
      setenv ("IDG_KTEST_TOKEN", token, 1);
      execl (path, path, "client", k, (char *) NULL);
      _exit (126);
    }
  if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status))
    return 125;
  return WEXITSTATUS (status);
}

static int
exec_read (const char *path, unsigned kind, const char *token)
{
  return exec_read_as (-1, path, kind, token);
}

static int
cmd_client (int argc, char **argv)
{
  const char *token = getenv ("IDG_KTEST_TOKEN");
  unsigned kind;
  int err;

  if (argc < 3 || !token)
    return 2;
  kind = (unsigned) atoi (argv[2]);
  err = client_read (kind, token, NULL);
  return err < 0 ? 99 : err;
}

/* ------------------------------------------------------------------ */

static int broker_fd = -1;

static void
broker_start (void)
{
  if (broker_fd >= 0)
    close (broker_fd);
  broker_fd = dev_open ();
  if (claim (broker_fd))
    {
      fprintf (stderr, "idg-ktest: cannot claim the broker channel\n");
      exit (2);
    }
  set_ident (broker_fd, IDGUARD_KIND_IMEI, id_get ("imei"));
  set_ident (broker_fd, IDGUARD_KIND_IMSI, id_get ("imsi"));
  set_ident (broker_fd, IDGUARD_KIND_ICCID, id_get ("iccid"));
}

static void
broker_stop (void)
{
  if (broker_fd >= 0)
    close (broker_fd);
  broker_fd = -1;
}

static int
child_claim (void *data)
{
  int fd = dev_open ();

  (void) data;
  return claim (fd);
}

static void
t_no_broker (void)
{
  struct idguard_info info = { .size = sizeof (info) };
  int fd = dev_open ();

  check (xioctl (fd, IDGUARD_IOC_INFO, &info) == 0 && info.abi_version == IDGUARD_ABI_VERSION &&
         !(info.flags & IDGUARD_INFO_BROKER), "no broker: INFO says ABI %d, no broker", IDGUARD_ABI_VERSION);
  check (read_id (fd, IDGUARD_KIND_IMEI, id_get ("token_a"), NULL, NULL) == EHOSTDOWN,
         "no broker: read fails with EHOSTDOWN");
  close (fd);
}

static int
child_claim_userns (void *data)
{
  (void) data;
  if (unshare (CLONE_NEWUSER))
    return 100;
  return child_claim (NULL);
}

static void
t_claim (void)
{
  int fd2, rc;

  check (as_user (1000, 1000, child_claim, NULL) == EPERM, "unprivileged claim: EPERM");
  rc = as_user (-1, -1, child_claim_userns, NULL);
  if (rc == 100)
    printf ("# no user namespaces in this kernel: the user-namespace claim is not tried\n");
  else
    check (rc == EPERM, "claim with CAP_SYS_ADMIN in a user namespace only: EPERM (%d)", rc);
  {
    struct idguard_claim c1 = { .size = sizeof (c1), .abi_version = 1 };

    fd2 = dev_open ();
    check (xioctl (fd2, IDGUARD_IOC_BROKER_CLAIM, &c1) == EPROTONOSUPPORT,
           "claim by an ABI 1 broker: EPROTONOSUPPORT");
    close (fd2);
  }
  broker_start ();
  fd2 = dev_open ();
  check (claim (fd2) == EBUSY, "second claim from another file: EBUSY");
  check (claim (broker_fd) == EBUSY, "second claim on the broker file: EBUSY");
  check (set_ident (fd2, IDGUARD_KIND_IMEI, "1") == EPERM, "SET_IDENT from a non-broker file: EPERM");
  close (fd2);
  broker_stop ();
}

static void
t_grant (void)
{
  const char *ta = id_get ("token_a"), *tb = id_get ("token_b");
  char got[IDGUARD_VALUE_MAX + 1];
  uint64_t gid = 0;
  int fd;
  GrantSpec g = { .id = 7, .selector = IDGUARD_SEL_UID, .uid = 1001,
                  .scopes = 1u << IDGUARD_KIND_IMEI | 1u << IDGUARD_KIND_EID, .token = ta };

  broker_start ();
  check (read_as (1001, 1001, IDGUARD_KIND_IMEI, ta, NULL) == EACCES, "no grant: EACCES");
  check (add_grant (broker_fd, &g) == 0, "grant added");
  check (read_as (1001, 1001, IDGUARD_KIND_IMEI, ta, id_get ("imei")) == 0,
         "grant to uid 1001: uid 1001 gets the IMEI");
  check (read_as (1001, 1001, IDGUARD_KIND_IMEI, tb, NULL) == EACCES, "wrong token: EACCES");
  check (read_as (1002, 1002, IDGUARD_KIND_IMEI, ta, NULL) == EACCES,
         "right token, wrong uid (setuid child): EACCES");
  check (read_as (-1, -1, IDGUARD_KIND_IMEI, ta, NULL) == EACCES, "right token, root: EACCES");
  check (read_as (1001, 1001, IDGUARD_KIND_IMSI, ta, NULL) == EACCES, "kind outside the scopes: EACCES");
  check (read_as (1001, 1001, IDGUARD_KIND_EID, ta, NULL) == ENOENT,
         "kind in scope, no value pushed: ENOENT");

  /* grant_id and exact bytes, as root with a root grant. */
  g.id = 8;
  g.uid = 0;
  g.token = tb;
  add_grant (broker_fd, &g);
  fd = dev_open ();
  check (read_id (fd, IDGUARD_KIND_IMEI, tb, got, &gid) == 0 && gid == 8 &&
         !strcmp (got, id_get ("imei")), "read returns the value and the grant id");
  close (fd);

  /* SIM swap: the new value at once, the old never. */
  set_ident (broker_fd, IDGUARD_KIND_IMEI, id_get ("imei2"));
  check (read_as (-1, -1, IDGUARD_KIND_IMEI, tb, id_get ("imei2")) == 0, "a new value is served at once");
  set_ident (broker_fd, IDGUARD_KIND_IMEI, NULL);
  check (read_as (-1, -1, IDGUARD_KIND_IMEI, tb, NULL) == ENOENT, "a forgotten value: ENOENT");
  broker_stop ();
}

/* In a child moved into cgroup dir, as uid 1200: reads ICCID and IMSI
 * with token; exit 0 when both are given, +10 when ICCID is refused, +20
 * when IMSI is. */
static int
cg_read (const char *dir, const char *token)
{
  pid_t pid = fork ();
  int status = 0;

  if (pid == 0)
    {
      char procs[256];
      FILE *f;
      int a, b;

      snprintf (procs, sizeof (procs), "%s/cgroup.procs", dir);
      f = fopen (procs, "w");
      if (!f || fprintf (f, "%d\n", getpid ()) < 0 || fclose (f))
        _exit (90);
      if (setresgid (1200, 1200, 1200) || setresuid (1200, 1200, 1200))
        _exit (91);
      a = client_read (IDGUARD_KIND_ICCID, token, id_get ("iccid"));
      b = client_read (IDGUARD_KIND_IMSI, token, id_get ("imsi"));
      _exit (a < 0 || b < 0 ? 99 : (a ? 10 : 0) + (b ? 20 : 0));
    }
  if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status))
    return 125;
  return WEXITSTATUS (status);
}

/* A cgroup whose last task has just been reaped may still be busy. */
static int
rmdir_retry (const char *dir)
{
  for (int i = 0; i < 100; i++)
    {
      if (rmdir (dir) == 0)
        return 0;
      if (errno != EBUSY)
        return errno;
      usleep (10000);
    }
  return EBUSY;
}

static void
t_selectors (void)
{
  const char *ta = id_get ("token_a");
  GrantSpec g = { .id = 1, .selector = IDGUARD_SEL_EXE | IDGUARD_SEL_UID, .uid = 0,
                  .scopes = 1u << IDGUARD_KIND_IMSI, .token = ta, .exe = SELF };
  int fd;

  broker_start ();
  check (add_grant (broker_fd, &g) == 0, "exe grant added");
  check (exec_read (SELF, IDGUARD_KIND_IMSI, ta) == 0, "exe selector: the named executable reads");
  check (exec_read (ALT, IDGUARD_KIND_IMSI, ta) == EACCES,
         "exe selector: another executable with the right token: EACCES");
  revoke_grant (broker_fd, 1);

  g = (GrantSpec) { .id = 2, .selector = IDGUARD_SEL_GID | IDGUARD_SEL_UID, .uid = 1003, .gid = 2003,
                    .scopes = 1u << IDGUARD_KIND_IMSI, .token = ta };
  add_grant (broker_fd, &g);
  check (read_as (1003, 2003, IDGUARD_KIND_IMSI, ta, id_get ("imsi")) == 0, "uid+gid selector: match");
  check (read_as (1003, 1003, IDGUARD_KIND_IMSI, ta, NULL) == EACCES, "uid+gid selector: wrong gid: EACCES");
  revoke_grant (broker_fd, 2);

  /* cgroup v2: a unit-like cgroup and one beside it. */
  mkdir ("/sys/fs/cgroup/idg.slice", 0755);
  mkdir ("/sys/fs/cgroup/idg.slice/idg-test.service", 0755);
  mkdir ("/sys/fs/cgroup/idg.slice/other.service", 0755);
  /* a user manager's nested unit of the same name must not pass for it */
  mkdir ("/sys/fs/cgroup/idg.slice/user@1200.service", 0755);
  mkdir ("/sys/fs/cgroup/idg.slice/user@1200.service/app.slice", 0755);
  mkdir ("/sys/fs/cgroup/idg.slice/user@1200.service/app.slice/idg-test.service", 0755);
  g = (GrantSpec) { .id = 3, .selector = IDGUARD_SEL_UNIT, .scopes = 1u << IDGUARD_KIND_ICCID,
                    .token = ta, .unit = "idg-test.service" };
  add_grant (broker_fd, &g);
  g = (GrantSpec) { .id = 4, .selector = IDGUARD_SEL_CGROUP, .scopes = 1u << IDGUARD_KIND_IMSI,
                    .token = ta, .cgroup = "/idg.slice/idg-test.service" };
  add_grant (broker_fd, &g);
  mkdir ("/sys/fs/cgroup/idg.slice/idg-test.service/sub", 0755);
  mkdir ("/sys/fs/cgroup/idg.slice/idg-test.services", 0755);
  check (cg_read ("/sys/fs/cgroup/idg.slice/idg-test.service", ta) == 0,
         "unit and cgroup selectors: a task in idg-test.service reads");
  check (cg_read ("/sys/fs/cgroup/idg.slice/other.service", ta) == 30,
         "unit and cgroup selectors: a task in other.service is refused");
  check (cg_read ("/sys/fs/cgroup/idg.slice/user@1200.service/app.slice/idg-test.service", ta) == 30,
         "unit selector: a user manager's nested idg-test.service is refused");
  check (cg_read ("/sys/fs/cgroup/idg.slice/idg-test.service/sub", ta) == 0,
         "unit and cgroup selectors: a task in a cgroup below idg-test.service reads");
  check (cg_read ("/sys/fs/cgroup/idg.slice/idg-test.services", ta) == 30,
         "unit and cgroup selectors: a task in idg-test.services (same prefix) is refused");
  /* The unit restarted: its cgroup made again, with a new cgroup id. */
  check (rmdir_retry ("/sys/fs/cgroup/idg.slice/idg-test.service/sub") == 0 &&
         rmdir_retry ("/sys/fs/cgroup/idg.slice/idg-test.service") == 0 &&
         mkdir ("/sys/fs/cgroup/idg.slice/idg-test.service", 0755) == 0,
         "idg-test.service's cgroup removed and made again");
  check (cg_read ("/sys/fs/cgroup/idg.slice/idg-test.service", ta) == 0,
         "unit and cgroup selectors: a task in idg-test.service made again reads");
  fd = dev_open ();
  check (read_id (fd, IDGUARD_KIND_ICCID, ta, NULL, NULL) == EACCES,
         "unit selector: a task in the root cgroup is refused");
  close (fd);
  broker_stop ();
}

static int
copy_file (const char *from, const char *to, mode_t mode)
{
  char buf[65536];
  ssize_t n;
  int in = open (from, O_RDONLY), out = open (to, O_WRONLY | O_CREAT | O_TRUNC, mode), ok = in >= 0 && out >= 0;

  while (ok && (n = read (in, buf, sizeof (buf))) > 0)
    ok = write (out, buf, (size_t) n) == n;
  if (in >= 0)
    close (in);
  if (out >= 0)
    close (out);
  return ok ? 0 : -1;
}

/* A chrooted caller can make any executable path appear: the file there is
 * another inode, the exe selector does not match. */
static void
t_chroot (void)
{
  const char *ta = id_get ("token_a");
  GrantSpec g = { .id = 1, .selector = IDGUARD_SEL_EXE | IDGUARD_SEL_UID, .uid = 0,
                  .scopes = 1u << IDGUARD_KIND_IMSI, .token = ta, .exe = SELF };
  struct stat st;
  int ok, status = 0;
  pid_t pid;

  ok = stat (DEV, &st) == 0;
  mkdir ("/tmp/fake", 0755);
  mkdir ("/tmp/fake/tests", 0755);
  mkdir ("/tmp/fake/dev", 0755);
  ok = ok && copy_file (SELF, "/tmp/fake" SELF, 0755) == 0 && copy_file ("/ids", "/tmp/fake/ids", 0644) == 0;
  unlink ("/tmp/fake" DEV);
  ok = ok && mknod ("/tmp/fake" DEV, S_IFCHR | 0666, st.st_rdev) == 0;
  check (ok, "chroot: a fake root with the same executable path");
  broker_start ();
  add_grant (broker_fd, &g);
  check (exec_read (SELF, IDGUARD_KIND_IMSI, ta) == 0, "chroot: the real executable reads");
  pid = fork ();
  if (pid == 0)
    {
      if (chroot ("/tmp/fake") || chdir ("/"))
        _exit (100);
      setenv ("IDG_KTEST_TOKEN", ta, 1);
      execl (SELF, SELF, "client", "4", (char *) NULL);
      _exit (126);
    }
  waitpid (pid, &status, 0);
  check (WIFEXITED (status) && WEXITSTATUS (status) == EACCES,
         "chroot: the same path inside a chroot is refused (exit %d)", WEXITSTATUS (status));
  broker_stop ();
}

#define COMPAT32 "/tests/idg-compat32"

/* A 32-bit caller (compat_ioctl) gets the same answers. */
static void
t_compat32 (void)
{
  const char *ta = id_get ("token_a");
  GrantSpec g = { .id = 41, .selector = IDGUARD_SEL_EXE | IDGUARD_SEL_UID, .uid = 0, .scopes = 1u << IDGUARD_KIND_IMEI, .token = ta,
                  .exe = COMPAT32 };
  int rc[2];

  if (access (COMPAT32, X_OK))
    {
      printf ("# no 32-bit client built (clang missing): compat not tried\n");
      return;
    }
  broker_start ();
  add_grant (broker_fd, &g);
  for (int i = 0; i < 2; i++)
    {
      pid_t pid = fork ();
      int status = 0;

      if (pid == 0)
        {
          execl (COMPAT32, COMPAT32, i ? id_get ("token_b") : ta, id_get ("imei"), (char *) NULL);
          _exit (126);
        }
      waitpid (pid, &status, 0);
      rc[i] = WIFEXITED (status) ? WEXITSTATUS (status) : 125;
    }
  check (rc[0] == 0, "32-bit client: INFO, then READ returns the value and the grant id (exit %d)", rc[0]);
  check (rc[1] == EACCES, "32-bit client: wrong token: EACCES (exit %d)", rc[1]);
  broker_stop ();
}

static void
t_expiry_revoke (void)
{
  const char *ta = id_get ("token_a");
  GrantSpec g = { .id = 11, .selector = IDGUARD_SEL_UID, .uid = 1004, .scopes = 1u << IDGUARD_KIND_IMEI,
                  .token = ta, .expires_ns = boottime_ns () + 1500000000ull };

  broker_start ();
  add_grant (broker_fd, &g);
  check (read_as (1004, 1004, IDGUARD_KIND_IMEI, ta, id_get ("imei")) == 0, "before expiry: the value");
  while (boottime_ns () < g.expires_ns + 10000000ull)
    usleep (50000);
  check (read_as (1004, 1004, IDGUARD_KIND_IMEI, ta, NULL) == EKEYEXPIRED, "after expiry: EKEYEXPIRED");
  g.expires_ns = 0;
  add_grant (broker_fd, &g);
  check (read_as (1004, 1004, IDGUARD_KIND_IMEI, ta, id_get ("imei")) == 0, "replaced without expiry: the value");
  check (revoke_grant (broker_fd, 11) == 0, "revoke: done");
  check (read_as (1004, 1004, IDGUARD_KIND_IMEI, ta, NULL) == EACCES, "right after revoke: EACCES");
  check (revoke_grant (broker_fd, 11) == ENOENT, "revoke of an unknown id: ENOENT");
  add_grant (broker_fd, &g);
  check (xioctl (broker_fd, IDGUARD_IOC_WIPE, NULL) == 0, "wipe: done");
  check (read_as (1004, 1004, IDGUARD_KIND_IMEI, ta, NULL) == EACCES, "after wipe: EACCES");
  broker_stop ();
}

/* After a read has matched a grant, later reads of that token are found
 * by its tag, without SHA-256 (driver/grants.c, "Tokens"): what the grant
 * says must still decide, and a replaced grant must not keep the old
 * token's tag. */
static void
t_token_tag (void)
{
  const char *ta = id_get ("token_a"), *tb = id_get ("token_b");
  GrantSpec g = { .id = 31, .selector = IDGUARD_SEL_UID, .uid = 1005, .scopes = 1u << IDGUARD_KIND_IMEI,
                  .token = ta };
  GrantSpec h = { .id = 32, .selector = IDGUARD_SEL_UID, .uid = 1006, .scopes = 1u << IDGUARD_KIND_IMSI,
                  .token = ta };

  broker_start ();
  add_grant (broker_fd, &g);
  add_grant (broker_fd, &h);
  for (int i = 1; i <= 3; i++)
    check (read_as (1005, 1005, IDGUARD_KIND_IMEI, ta, id_get ("imei")) == 0, "token tag: read %d: the value", i);
  check (read_as (1005, 1005, IDGUARD_KIND_IMSI, ta, NULL) == EACCES,
         "token tag: a kind the token's grant for this uid does not hold: EACCES");
  check (read_as (1006, 1006, IDGUARD_KIND_IMEI, ta, NULL) == EACCES,
         "token tag: the same token as another uid, for a kind only the first uid holds: EACCES");
  check (read_as (1006, 1006, IDGUARD_KIND_IMSI, ta, id_get ("imsi")) == 0,
         "token tag: the same token's other grant: the value");
  g.token = tb;
  check (add_grant (broker_fd, &g) == 0, "token tag: grant replaced with another token");
  check (read_as (1005, 1005, IDGUARD_KIND_IMEI, ta, NULL) == EACCES,
         "token tag: after the replacement the old token is refused");
  check (read_as (1005, 1005, IDGUARD_KIND_IMEI, tb, id_get ("imei")) == 0,
         "token tag: after the replacement the new token reads");
  g.scopes = 1u << IDGUARD_KIND_ICCID;
  add_grant (broker_fd, &g);
  check (read_as (1005, 1005, IDGUARD_KIND_IMEI, tb, NULL) == EACCES,
         "token tag: replaced with another kind: the old kind is refused");
  check (revoke_grant (broker_fd, 32) == 0 && read_as (1006, 1006, IDGUARD_KIND_IMSI, ta, NULL) == EACCES,
         "token tag: a revoked grant's token is refused");
  broker_stop ();
}

static void
t_broker_gone (void)
{
  const char *ta = id_get ("token_a");
  struct idguard_info info = { .size = sizeof (info) };
  int p[2], fd;
  char c;
  pid_t pid;

  if (pipe (p))
    return;
  pid = fork ();
  if (pid == 0)
    {
      GrantSpec g = { .id = 5, .selector = IDGUARD_SEL_UID, .uid = 0, .scopes = 1u << IDGUARD_KIND_IMEI,
                      .token = ta };
      broker_start ();
      add_grant (broker_fd, &g);
      if (write (p[1], "r", 1) != 1)
        _exit (1);
      pause ();
      _exit (0);
    }
  close (p[1]);
  if (read (p[0], &c, 1) != 1)
    c = 0;
  close (p[0]);
  fd = dev_open ();
  check (c == 'r' && read_id (fd, IDGUARD_KIND_IMEI, ta, NULL, NULL) == 0, "a broker process pushed a grant: read ok");
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  check (read_id (fd, IDGUARD_KIND_IMEI, ta, NULL, NULL) == EHOSTDOWN, "broker killed: reads fail (EHOSTDOWN)");
  check (xioctl (fd, IDGUARD_IOC_INFO, &info) == 0 && !(info.flags & IDGUARD_INFO_BROKER) && info.grants == 0,
         "broker killed: no broker, no grants left");
  broker_start ();
  check (read_id (fd, IDGUARD_KIND_IMEI, ta, NULL, NULL) == EACCES, "a new broker starts empty: EACCES");
  broker_stop ();
  close (fd);
}

static int
child_hostile (void *data)
{
  static const unsigned long bad_ptrs[] = { 0, 1, 0xffff888000000000ul, 0xfffffffffffff000ul };
  struct idguard_read r;
  struct idguard_grant g;
  struct idguard_info info;
  char buf[64];
  int fd = dev_open (), fails = 0, i;
  unsigned seed = 12345;
  void *map;

  (void) data;
#define EXPECT(expr, want)                                                         \
  do {                                                                             \
    int e_ = (expr);                                                               \
    if (e_ != (want))                                                              \
      {                                                                            \
        printf ("#   %s: errno %d, want %d\n", #expr, e_, want);                   \
        fails++;                                                                   \
      }                                                                            \
  } while (0)

  memset (&r, 0, sizeof (r));
  r.size = sizeof (r) - 8;
  r.token_len = 5;
  EXPECT (xioctl (fd, IDGUARD_IOC_READ, &r), EINVAL);
  r.size = sizeof (r);
  r.kind = IDGUARD_KIND_COUNT;
  EXPECT (xioctl (fd, IDGUARD_IOC_READ, &r), EINVAL);
  r.kind = 0;
  r.token_len = 0;
  EXPECT (xioctl (fd, IDGUARD_IOC_READ, &r), EINVAL);
  r.token_len = IDGUARD_TOKEN_MAX + 1;
  EXPECT (xioctl (fd, IDGUARD_IOC_READ, &r), EINVAL);
  r.token_len = 4;
  r.flags = 1;
  EXPECT (xioctl (fd, IDGUARD_IOC_READ, &r), EINVAL);
  r.flags = 0;
  r.reserved = 1;
  EXPECT (xioctl (fd, IDGUARD_IOC_READ, &r), EINVAL);
  for (i = 0; i < 4; i++)
    {
      EXPECT (xioctl (fd, IDGUARD_IOC_READ, (void *) bad_ptrs[i]), EFAULT);
      EXPECT (xioctl (fd, IDGUARD_IOC_INFO, (void *) bad_ptrs[i]), EFAULT);
      EXPECT (xioctl (fd, IDGUARD_IOC_GRANT_ADD, (void *) bad_ptrs[i]), EFAULT);
      EXPECT (xioctl (fd, IDGUARD_IOC_BROKER_CLAIM, (void *) bad_ptrs[i]), EFAULT);
    }
  /* A struct that ends on an unmapped page. */
  map = mmap (NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap ((char *) map + 4096, 4096);
  EXPECT (xioctl (fd, IDGUARD_IOC_READ, (char *) map + 4096 - 100), EFAULT);
  EXPECT (xioctl (fd, IDGUARD_IOC_GRANT_ADD, (char *) map + 4096 - 100), EFAULT);
  munmap (map, 4096);
  EXPECT (xioctl (fd, _IOC (_IOC_READ | _IOC_WRITE, 'T', 1, 16), buf), ENOTTY);
  EXPECT (xioctl (fd, _IOWR (IDGUARD_IOC_MAGIC, 0x7f, struct idguard_read), &r), ENOTTY);
  EXPECT (xioctl (fd, _IOWR (IDGUARD_IOC_MAGIC, 0x01, struct idguard_info), &info), EINVAL);
  EXPECT (xioctl (fd, _IOR (IDGUARD_IOC_MAGIC, 0x01, struct idguard_read), &r), EINVAL);
  EXPECT (xioctl (fd, 0, NULL), ENOTTY);
  info.size = 3;
  EXPECT (xioctl (fd, IDGUARD_IOC_INFO, &info), EINVAL);
  /* Broker commands from an unprivileged, non-broker file. */
  memset (&g, 0, sizeof (g));
  g.size = sizeof (g);
  g.id = 1;
  g.selector = IDGUARD_SEL_EXE;
  g.scopes = 1;
  g.exe_fd = 0;
  EXPECT (xioctl (fd, IDGUARD_IOC_GRANT_ADD, &g), EPERM);
  g.size = 12;
  EXPECT (xioctl (fd, IDGUARD_IOC_GRANT_ADD, &g), EINVAL);
  EXPECT (xioctl (fd, IDGUARD_IOC_WIPE, NULL), EPERM);
  EXPECT (claim (fd), EPERM);
  EXPECT (read (fd, buf, sizeof (buf)) < 0 ? errno : 0, EPERM);
  /* Random commands and bytes: any errno, no crash. */
  for (i = 0; i < 3000; i++)
    {
      unsigned char junk[1024];
      unsigned nr = rand_r (&seed) % 24, dir = rand_r (&seed) % 4, size = rand_r (&seed) % 1024;
      for (unsigned j = 0; j < sizeof (junk); j++)
        junk[j] = (unsigned char) rand_r (&seed);
      if (i % 3 == 0)
        *(uint32_t *) junk = size;
      ioctl (fd, _IOC (dir, IDGUARD_IOC_MAGIC, nr, size), junk);
      ioctl (fd, rand_r (&seed), junk);
    }
  close (fd);
  return fails ? 1 : 0;
}

static void
t_hostile (void)
{
  struct idguard_grant g;
  int ret;

  broker_start ();
  ret = as_user (65534, 65534, child_hostile, NULL);
  check (ret == 0, "hostile ioctls from uid 65534: precise errors (exit %d)", ret);
  memset (&g, 0, sizeof (g));
  g.size = sizeof (g);
  g.id = 9;
  g.scopes = 1;
  g.selector = IDGUARD_SEL_EXE | IDGUARD_SEL_UID;
  g.exe_fd = 1000;
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == EBADF, "broker: exe_fd not open: EBADF");
  g.exe_fd = open (SELF, O_PATH | O_CLOEXEC);
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == 0, "broker: an O_PATH descriptor of a regular file is taken");
  revoke_grant (broker_fd, 9);
  g.selector = IDGUARD_SEL_EXE;
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == EINVAL, "broker: exe alone (no uid, gid or unit): EINVAL");
  g.selector = IDGUARD_SEL_EXE | IDGUARD_SEL_CGROUP;
  strcpy (g.cgroup, "/idg.slice");
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == EINVAL, "broker: exe with a cgroup only: EINVAL");
  memset (g.cgroup, 0, sizeof (g.cgroup));
  g.selector = IDGUARD_SEL_UID;
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == EINVAL, "broker: exe_fd set without the exe selector: EINVAL");
  close (g.exe_fd);
  g.exe_fd = 0;
  g.selector = IDGUARD_SEL_UNIT;
  memset (g.unit, 'u', sizeof (g.unit));
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == ENAMETOOLONG, "broker: overlong unit: ENAMETOOLONG");
  g.unit[0] = '\0';
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == EINVAL, "broker: empty unit: EINVAL");
  g.selector = IDGUARD_SEL_EXE | IDGUARD_SEL_UID;
  g.exe_fd = open ("/tests", O_PATH | O_CLOEXEC);
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == EINVAL, "broker: exe_fd of a directory: EINVAL");
  close (g.exe_fd);
  g.exe_fd = open (DEV, O_PATH | O_CLOEXEC);
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == EINVAL, "broker: exe_fd of a device: EINVAL");
  close (g.exe_fd);
  g.exe_fd = 0;
  {
    /* The ABI 1 layout (char exe[256] where exe_fd is): refused as such. */
    unsigned char v1[840];

    memset (v1, 0, sizeof (v1));
    *(uint32_t *) v1 = sizeof (v1);
    check (xioctl (broker_fd, _IOC (_IOC_WRITE, IDGUARD_IOC_MAGIC, 0x12, sizeof (v1)), v1) == EPROTONOSUPPORT,
           "broker: the ABI 1 GRANT_ADD (840-byte struct): EPROTONOSUPPORT");
  }
  g.selector = 0;
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == EINVAL, "broker: no selector: EINVAL");
  g.selector = IDGUARD_SEL_UID;
  g.scopes = 1u << 9;
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == EINVAL, "broker: unknown scope bit: EINVAL");
  g.scopes = 1;
  g.id = 0;
  check (xioctl (broker_fd, IDGUARD_IOC_GRANT_ADD, &g) == EINVAL, "broker: grant id 0: EINVAL");
  {
    struct idguard_ident v = { .size = sizeof (v), .kind = 0, .value_len = IDGUARD_VALUE_MAX + 1 };
    check (xioctl (broker_fd, IDGUARD_IOC_SET_IDENT, &v) == EINVAL, "broker: overlong value: EINVAL");
  }
  broker_stop ();
}

static int
child_ratelimit (void *data)
{
  const char *ta = data;
  int fd = dev_open (), i, err = 0, first_eagain = -1;

  for (i = 0; i < 40 && first_eagain < 0; i++)
    {
      err = read_id (fd, IDGUARD_KIND_IMEI, "idg1_not-the-token", NULL, NULL);
      if (err == EAGAIN)
        first_eagain = i;
      else if (err != EACCES)
        return 10;
    }
  if (first_eagain < 5)
    return 11;
  /* Limited: the right token is refused too. */
  if (read_id (fd, IDGUARD_KIND_IMEI, ta, NULL, NULL) != EAGAIN)
    return 12;
  sleep (2);
  if (read_id (fd, IDGUARD_KIND_IMEI, ta, NULL, NULL) != 0)
    return 13;
  return 0;
}

static void
t_ratelimit (void)
{
  GrantSpec g = { .id = 21, .selector = IDGUARD_SEL_UID, .uid = 3000, .scopes = 1u << IDGUARD_KIND_IMEI,
                  .token = id_get ("token_a") };
  int ret;

  broker_start ();
  add_grant (broker_fd, &g);
  ret = as_user (3000, 3000, child_ratelimit, (void *) id_get ("token_a"));
  check (ret == 0, "rate limit: refusals then EAGAIN, even for the right token; refilled later (exit %d)", ret);
  check (read_as (3001, 3001, IDGUARD_KIND_IMEI, "idg1_x", NULL) == EACCES,
         "rate limit: another uid is not limited");
  broker_stop ();
}

static int
child_flood (void *data)
{
  int fd = dev_open (), n = *(int *) data;

  for (int i = 0; i < n; i++)
    read_id (fd, IDGUARD_KIND_IMEI, "idg1_x", NULL, NULL);
  close (fd);
  return 0;
}

/* Every queued event (non-blocking broker file), up to max. */
static int
drain (struct idguard_event *ev, int max)
{
  int n = 0;
  ssize_t got;

  while (n < max && (got = read (broker_fd, ev + n, sizeof (ev[0]) * (size_t) (max - n))) > 0)
    n += (int) (got / (ssize_t) sizeof (ev[0]));
  return n;
}

/* Sum of counts and number of records of refusals by uid. */
static void
refusals_of (const struct idguard_event *ev, int n, uint32_t uid, uint64_t *count, int *records)
{
  *count = 0;
  *records = 0;
  for (int i = 0; i < n; i++)
    if (ev[i].uid == uid && ev[i].decision == IDGUARD_DECISION_REFUSE)
      {
        *count += ev[i].count;
        (*records)++;
      }
}

static const struct idguard_event *
release_of (const struct idguard_event *ev, int n, uint32_t uid)
{
  for (int i = 0; i < n; i++)
    if (ev[i].uid == uid && ev[i].decision == IDGUARD_DECISION_RELEASE)
      return &ev[i];
  return NULL;
}

static void
t_audit (void)
{
  GrantSpec g = { .id = 31, .selector = IDGUARD_SEL_UID, .uid = 1005, .scopes = 1u << IDGUARD_KIND_IMEI,
                  .token = id_get ("token_a") };
  static struct idguard_event ev[IDGUARD_EVENTS_MAX + 8];
  struct idguard_info info = { .size = sizeof (info) };
  const struct idguard_event *rel;
  struct stat self, cg;
  struct pollfd pfd;
  uint64_t count;
  uint32_t dropped;
  ssize_t n;
  int flags, i, records, flood = IDGUARD_EVENTS_MAX + 50, ok, released, rc;

  broker_start ();
  flags = fcntl (broker_fd, F_GETFL);
  fcntl (broker_fd, F_SETFL, flags | O_NONBLOCK);
  check (read (broker_fd, ev, sizeof (ev[0]) * 4) < 0 && errno == EAGAIN, "audit: empty queue: EAGAIN");
  check (read (broker_fd, ev, sizeof (ev[0]) - 1) < 0 && errno == EINVAL, "audit: short buffer: EINVAL");
  add_grant (broker_fd, &g);
  read_as (1005, 1005, IDGUARD_KIND_IMEI, id_get ("token_a"), NULL);
  read_as (1006, 1006, IDGUARD_KIND_IMEI, id_get ("token_a"), NULL);
  pfd = (struct pollfd) { .fd = broker_fd, .events = POLLIN };
  check (poll (&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN), "audit: poll says readable");
  n = read (broker_fd, ev, sizeof (ev[0]) * 4);
  check (n == 2 * (ssize_t) sizeof (ev[0]) && ev[0].size == sizeof (ev[0]) &&
         ev[0].decision == IDGUARD_DECISION_RELEASE && ev[0].grant_id == 31 && ev[0].uid == 1005 &&
         ev[0].kind == IDGUARD_KIND_IMEI && ev[0].error == 0 && ev[0].pid > 1 && ev[0].count == 1,
         "audit: a release record (time, uid, pid, kind, grant, count 1)");
  /* Who read, as the kernel saw it then: the executable's inode and the
   * cgroup id (the root cgroup's directory inode here). */
  ok = stat (SELF, &self) == 0 && stat ("/sys/fs/cgroup", &cg) == 0;
  check (ok && (ev[0].flags & IDGUARD_EVENT_EXE_KNOWN) && ev[0].exe_ino == self.st_ino &&
         ev[0].exe_dev == (uint32_t) self.st_dev && ev[0].cgroup_id == cg.st_ino,
         "audit: the record names the reader's executable (dev, inode) and cgroup id");
  check (n == 2 * (ssize_t) sizeof (ev[0]) && ev[1].decision == IDGUARD_DECISION_REFUSE &&
         ev[1].uid == 1006 && ev[1].error == EACCES && ev[1].grant_id == 0,
         "audit: a refusal record with its errno");

  /* One uid's flood: coalesced per (uid, kind, errno); the rate-limited
   * reads are counted, not queued one by one. A later read of that uid
   * (its bucket refilled) brings the count of the limited ones. */
  as_user (4000, 4000, child_flood, &flood);
  usleep (1200000);
  read_as (4000, 4000, IDGUARD_KIND_IMEI, "idg1_x", NULL);
  i = drain (ev, IDGUARD_EVENTS_MAX + 8);
  refusals_of (ev, i, 4000, &count, &records);
  check (count == (uint64_t) flood + 1 && records <= 3,
         "audit: %d bad reads of one uid: %d records whose counts sum to every read (%llu)", flood + 1, records,
         (unsigned long long) count);

  /* Refusals of 500 uids: they fill their share of the queue and no more;
   * the rest are dropped and counted. */
  for (i = 0; i < 500; i++)
    read_as (5000 + i, 5000 + i, IDGUARD_KIND_IMEI, "idg1_x", NULL);
  rc = read_as (1005, 1005, IDGUARD_KIND_IMEI, id_get ("token_a"), id_get ("imei"));
  check (rc == 0, "audit: with the refusals' share full, a consented read succeeds (%d)", rc);
  /* The rest of the reserve goes to releases (one record per reader pid);
   * when none is left a read fails with ENOBUFS and gets no value. */
  released = 0;
  for (i = 0; i < 100; i++)
    {
      rc = read_as (1005, 1005, IDGUARD_KIND_IMEI, id_get ("token_a"), id_get ("imei"));
      if (rc)
        break;
      released++;
    }
  check (rc == ENOBUFS && released == IDGUARD_EVENTS_RESERVED - 1,
         "audit: releases take the reserved slots (%d), then ENOBUFS (%d)", released, rc);
  i = drain (ev, IDGUARD_EVENTS_MAX + 8);
  refusals_of (ev, i, 5499, &count, &records);
  rel = release_of (ev, i, 1005);
  check (i == IDGUARD_EVENTS_MAX && rel && rel->count == 1 && records == 0,
         "audit: the queue held %d records, the consented read's release among them", i);
  /* The first record queued after the drops carries their number. */
  dropped = 0;
  for (int j = 0; j < i; j++)
    dropped += ev[j].dropped;
  check (dropped == 500 - (IDGUARD_EVENTS_MAX - IDGUARD_EVENTS_RESERVED),
         "audit: the records count the %d dropped refusals (%u)", 500 - (IDGUARD_EVENTS_MAX - IDGUARD_EVENTS_RESERVED),
         dropped);
  check (xioctl (broker_fd, IDGUARD_IOC_INFO, &info) == 0 &&
         info.events_dropped >= (uint64_t) (500 - (IDGUARD_EVENTS_MAX - IDGUARD_EVENTS_RESERVED)),
         "audit: INFO counts dropped events");
  rc = read_as (1005, 1005, IDGUARD_KIND_IMEI, id_get ("token_a"), id_get ("imei"));
  check (rc == 0, "audit: once the broker drained the queue, reads are given again (%d)", rc);
  broker_stop ();
}

typedef struct {
  int procs, reads;
} Flood;

static int
child_flood_procs (void *data)
{
  const Flood *f = data;
  int n = f->reads;

  for (int p = 0; p < f->procs; p++)
    if (fork () == 0)
      _exit (child_flood (&n));
  while (wait (NULL) > 0)
    ;
  return 0;
}

/* An unprivileged flood with a bad token, from many processes at once,
 * while a consented service reads: its release is recorded and the queue
 * is nowhere near full. */
static void
t_audit_flood (void)
{
  GrantSpec g = { .id = 32, .selector = IDGUARD_SEL_UID, .uid = 1007, .scopes = 1u << IDGUARD_KIND_IMEI,
                  .token = id_get ("token_a") };
  static struct idguard_event ev[IDGUARD_EVENTS_MAX];
  Flood f = { .procs = 20, .reads = 500 };
  uint64_t count;
  int records, n, rc, ok = 0;
  pid_t pid;

  broker_start ();
  fcntl (broker_fd, F_SETFL, fcntl (broker_fd, F_GETFL) | O_NONBLOCK);
  add_grant (broker_fd, &g);
  pid = fork ();
  if (pid == 0)
    _exit (as_user (65534, 65534, child_flood_procs, &f));
  for (int i = 0; i < 20; i++)
    {
      rc = read_as (1007, 1007, IDGUARD_KIND_IMEI, id_get ("token_a"), id_get ("imei"));
      ok += rc == 0;
    }
  waitpid (pid, NULL, 0);
  n = drain (ev, IDGUARD_EVENTS_MAX);
  refusals_of (ev, n, 65534, &count, &records);
  check (ok == 20 && release_of (ev, n, 1007) != NULL,
         "audit flood: 20 consented reads during a flood by uid 65534 succeed, their releases queued (%d)", ok);
  check (records <= 4 && n < 30 && count > 0,
         "audit flood: %d bad reads from 20 processes take %d records (queue %d of %d)", f.procs * f.reads,
         records, n, IDGUARD_EVENTS_MAX);
  broker_stop ();
}

/* ------------------------------------------------------------------ */
/* 4 readers while the broker makes 10,000 grant changes. */

static volatile int churn_done;
/* While the broker comes and goes, "no broker" and "unknown" are refusals too. */
static volatile int reclaim_mode;

typedef struct {
  int uid;
  unsigned kind;
  const char *token;
  const char *want[2];  /* acceptable values */
  int must_succeed;     /* 1: every read succeeds; 0: may be refused; -1: never succeeds */
  long ok, refused, wrong;
} Reader;

static void *
reader_main (void *data)
{
  Reader *r = data;
  char got[IDGUARD_VALUE_MAX + 1];
  int fd, err;

  /* Per-thread credentials: the raw syscall changes this thread only. */
  if (syscall (SYS_setresgid, r->uid, r->uid, r->uid) || syscall (SYS_setresuid, r->uid, r->uid, r->uid))
    {
      r->wrong++;
      return NULL;
    }
  fd = dev_open ();
  while (!churn_done)
    {
      err = read_id (fd, r->kind, r->token, got, NULL);
      if (!err)
        {
          if (r->must_succeed < 0 || (strcmp (got, r->want[0]) && (!r->want[1] || strcmp (got, r->want[1]))))
            r->wrong++;
          else
            r->ok++;
        }
      else if ((err == EACCES || err == EAGAIN) && r->must_succeed <= 0)
        r->refused++;
      else if ((err == EHOSTDOWN || err == ENOENT) && reclaim_mode)
        r->refused++;
      else
        r->wrong++;
    }
  close (fd);
  return NULL;
}

static void
t_churn (void)
{
  const char *ta = id_get ("token_a"), *tb = id_get ("token_b");
  Reader readers[4] = {
    { .uid = 1101, .kind = IDGUARD_KIND_IMEI, .token = ta, .want = { id_get ("imei") }, .must_succeed = 1 },
    { .uid = 1102, .kind = IDGUARD_KIND_IMSI, .token = tb, .want = { id_get ("imsi"), id_get ("imsi2") } },
    { .uid = 1103, .kind = IDGUARD_KIND_IMEI, .token = ta, .want = { "" }, .must_succeed = -1 },
    { .uid = 1104, .kind = IDGUARD_KIND_IMEI, .token = tb, .want = { "" }, .must_succeed = -1 },
  };
  GrantSpec a = { .id = 100, .selector = IDGUARD_SEL_UID, .uid = 1101, .scopes = 1u << IDGUARD_KIND_IMEI,
                  .token = ta };
  GrantSpec b = { .id = 200, .selector = IDGUARD_SEL_UID, .uid = 1102,
                  .scopes = 1u << IDGUARD_KIND_IMSI | 1u << IDGUARD_KIND_IMEI, .token = tb };
  pthread_t th[4];
  int i, errors = 0, b_on = 0;
  long wrong = 0;

  broker_start ();
  add_grant (broker_fd, &a);
  churn_done = 0;
  for (i = 0; i < 4; i++)
    pthread_create (&th[i], NULL, reader_main, &readers[i]);
  for (i = 0; i < 10000; i++)
    {
      if (i % 2)
        {
          errors += add_grant (broker_fd, &a) != 0; /* atomic replacement */
        }
      else if (b_on)
        {
          errors += revoke_grant (broker_fd, b.id) != 0;
          b_on = 0;
        }
      else
        {
          errors += add_grant (broker_fd, &b) != 0;
          b_on = 1;
        }
      if (i % 500 == 250)
        set_ident (broker_fd, IDGUARD_KIND_IMSI, id_get (i % 1000 == 250 ? "imsi2" : "imsi"));
      if (i % 64 == 0)
        sched_yield ();
    }
  churn_done = 1;
  for (i = 0; i < 4; i++)
    {
      pthread_join (th[i], NULL);
      wrong += readers[i].wrong;
      printf ("#   reader %d: ok %ld refused %ld wrong %ld\n", i, readers[i].ok, readers[i].refused,
              readers[i].wrong);
    }
  check (errors == 0, "churn: 10,000 grant changes accepted");
  check (wrong == 0 && readers[0].ok > 0, "churn: 4 readers, no wrong answer, the stable grant never failed");
  broker_stop ();
}

static uint64_t
mono_ns (void)
{
  return clock_ns (CLOCK_MONOTONIC);
}

enum { CALL_NULL, CALL_INFO, CALL_CLOCK, CALL_SHA, CALL_READ, CALL_READ_UNIT, CALL_COUNT };

/* ns per call of n calls: getppid() (a null syscall), IDGUARD_IOC_INFO (the
 * module's cheapest ioctl), the clock_gettime system call (CLOCK_BOOTTIME,
 * a clock source read; the vDSO is left out), SHA-256 of token in this
 * process (what every read cost the module before the token tags of
 * driver/grants.c), or a read with token (CALL_READ, CALL_READ_UNIT). */
static double
per_call_ns (int fd, int what, const char *token, int n)
{
  struct idguard_info info = { .size = sizeof (info) };
  uint8_t digest[32];
  struct timespec ts;
  uint64_t t0 = mono_ns ();

  for (int i = 0; i < n; i++)
    switch (what)
      {
      case CALL_NULL:
        syscall (SYS_getppid);
        break;
      case CALL_INFO:
        ioctl (fd, IDGUARD_IOC_INFO, &info);
        break;
      case CALL_CLOCK:
        syscall (SYS_clock_gettime, CLOCK_BOOTTIME, &ts);
        break;
      case CALL_SHA:
        ktest_sha256 (token, strlen (token), digest);
        break;
      default:
        read_id (fd, IDGUARD_KIND_IMEI, token, NULL, NULL);
      }
  return (double) (mono_ns () - t0) / n;
}

/* Informational figures for make bench, one KBENCH line each; never
 * pass/fail. Best of 9 rounds; each round measures every figure once, in
 * turn, so that the load of the machine around the VM hits them alike
 * (the exe+unit grants are loaded for their figure and revoked after). */
static int
cmd_bench (void)
{
  static const char *const names[CALL_COUNT] = {
    "kernel null syscall (getppid)", "kernel ioctl info", "kernel clock_gettime syscall (CLOCK_BOOTTIME)",
    "SHA-256 of the token in userspace, plain C", "kernel ioctl read (uid grant)",
    "kernel ioctl read (exe+unit grants loaded)",
  };
  const char *ta = id_get ("token_a"), *tb = id_get ("token_b");
  GrantSpec a = { .id = 1, .selector = IDGUARD_SEL_UID, .uid = 0, .scopes = 1u << IDGUARD_KIND_IMEI, .token = ta };
  GrantSpec b = { .id = 2, .selector = IDGUARD_SEL_EXE | IDGUARD_SEL_UNIT, .exe = SELF, .unit = "x.service",
                  .scopes = 1u << IDGUARD_KIND_IMSI, .token = tb };
  double best[CALL_COUNT];
  int fd = dev_open ();

  broker_start ();
  add_grant (broker_fd, &a);
  for (int k = 0; k < CALL_COUNT; k++)
    best[k] = 1e18;
  for (int round = 0; round < 9; round++)
    for (int k = 0; k < CALL_COUNT; k++)
      {
        double ns;

        if (k == CALL_READ_UNIT)
          add_grant (broker_fd, &b);
        ns = per_call_ns (fd, k, ta, k == CALL_SHA ? 1000 : 10000);
        if (k == CALL_READ_UNIT)
          revoke_grant (broker_fd, b.id);
        if (ns < best[k])
          best[k] = ns;
      }
  printf ("KBENCH name=\"%s\" ns=%.0f\n", names[CALL_NULL], best[CALL_NULL]);
  for (int k = CALL_NULL + 1; k < CALL_COUNT; k++)
    printf ("KBENCH name=\"%s\" ns=%.0f ratio_to_null=%.2f\n", names[k], best[k], best[k] / best[CALL_NULL]);
  broker_stop ();
  close (fd);
  return 0;
}

/* Runs argv with IDGUARD_TOKEN=token as uid (-1: root); returns the exit
 * code, and in out (NUL-terminated) what it printed on stdout. */
static int
run_captured (char *const argv[], const char *token, int uid, char *out, size_t out_len)
{
  int p[2], status = 0;
  size_t got = 0;
  ssize_t n;
  pid_t pid;

  if (pipe (p))
    return 125;
  pid = fork ();
  if (pid == 0)
    {
      dup2 (p[1], 1);
      close (p[0]);
      close (p[1]);
      if (uid >= 0 && (setresgid (uid, uid, uid) || setresuid (uid, uid, uid)))
        _exit (121);
      setenv ("IDGUARD_TOKEN", token, 1);
      unsetenv ("IDGUARD_SOCKET");
      execv (argv[0], argv);
      _exit (126);
    }
  close (p[1]);
  while (got + 1 < out_len && (n = read (p[0], out + got, out_len - 1 - got)) > 0)
    got += (size_t) n;
  out[got] = '\0';
  close (p[0]);
  if (waitpid (pid, &status, 0) != pid || !WIFEXITED (status))
    return 125;
  return WEXITSTATUS (status);
}

/* The service side of the story with the real libidguard: idguardctl get
 * (libidguard's kernel path) against this process acting as the broker. */
static int
cmd_story_lib (const char *ctl)
{
  const char *ta = id_get ("token_a");
  char out[512];
  char *get_imei[] = { (char *) ctl, "get", "imei", NULL };
  char *get_imsi[] = { (char *) ctl, "get", "imsi", NULL };
  GrantSpec g = { .id = 1, .selector = IDGUARD_SEL_EXE | IDGUARD_SEL_UID, .uid = 0, .exe = ctl,
                  .scopes = 1u << IDGUARD_KIND_IMEI, .token = ta };
  int rc;

  printf ("# story: libidguard (%s) through /dev/idguard\n", ctl);
  rc = run_captured (get_imei, ta, -1, out, sizeof (out));
  check (rc == 3, "libidguard: no broker: idguardctl get exits 3 (%d)", rc);
  broker_start ();
  rc = run_captured (get_imei, ta, -1, out, sizeof (out));
  check (rc == 1 && !strstr (out, id_get ("imei")), "libidguard: no grant: refused, exit 1 (%d)", rc);
  add_grant (broker_fd, &g);
  rc = run_captured (get_imei, ta, -1, out, sizeof (out));
  check (rc == 0 && strstr (out, id_get ("imei")) != NULL, "libidguard: grant to its exe: the IMEI (%d)", rc);
  rc = run_captured (get_imsi, ta, -1, out, sizeof (out));
  check (rc == 1 && !strstr (out, id_get ("imsi")), "libidguard: kind outside the scopes: exit 1 (%d)", rc);
  rc = run_captured (get_imei, id_get ("token_b"), -1, out, sizeof (out));
  check (rc == 1 && !strstr (out, id_get ("imei")), "libidguard: wrong token: exit 1 (%d)", rc);
  rc = run_captured (get_imei, ta, 1001, out, sizeof (out));
  check (rc == 1 && !strstr (out, id_get ("imei")), "libidguard: right token, wrong uid: exit 1 (%d)", rc);
  /* Another executable: this program, where init.sh copied it. */
  g.exe = "/tmp/ktest/idg-ktest";
  rc = add_grant (broker_fd, &g);
  check (rc == 0, "libidguard: the grant now names another executable (%d)", rc);
  rc = run_captured (get_imei, ta, -1, out, sizeof (out));
  check (rc == 1 && !strstr (out, id_get ("imei")), "libidguard: grant to another exe: exit 1 (%d)", rc);
  revoke_grant (broker_fd, 1);
  broker_stop ();
  return n_fail ? 1 : 0;
}

/* Readers while the broker file is closed and claimed again, 300 times:
 * the release wipes everything under readers' feet; no wrong answer. */
static void
t_reclaim (void)
{
  const char *ta = id_get ("token_a");
  Reader readers[2] = {
    { .uid = 1201, .kind = IDGUARD_KIND_IMEI, .token = ta, .want = { id_get ("imei") } },
    { .uid = 1202, .kind = IDGUARD_KIND_IMEI, .token = ta, .want = { "" }, .must_succeed = -1 },
  };
  GrantSpec a = { .id = 1, .selector = IDGUARD_SEL_UID | IDGUARD_SEL_EXE, .uid = 1201, .exe = SELF,
                  .scopes = 1u << IDGUARD_KIND_IMEI, .token = ta };
  pthread_t th[2];
  int i, errors = 0;
  long wrong = 0;

  churn_done = 0;
  reclaim_mode = 1;
  for (i = 0; i < 2; i++)
    pthread_create (&th[i], NULL, reader_main, &readers[i]);
  for (i = 0; i < 300; i++)
    {
      broker_start ();
      errors += add_grant (broker_fd, &a) != 0;
      broker_stop ();
    }
  churn_done = 1;
  for (i = 0; i < 2; i++)
    {
      pthread_join (th[i], NULL);
      wrong += readers[i].wrong;
      printf ("#   reader %d: ok %ld refused %ld wrong %ld\n", i, readers[i].ok, readers[i].refused,
              readers[i].wrong);
    }
  reclaim_mode = 0;
  check (errors == 0 && wrong == 0, "reclaim: 300 broker close/claim cycles under 2 readers, no wrong answer");
}

/* For the load/unload cycles of init.sh: a broker with files open. */
static int
cmd_hold (void)
{
  GrantSpec g = { .id = 1, .selector = IDGUARD_SEL_UID, .uid = 0, .scopes = 1u << IDGUARD_KIND_IMEI,
                  .token = id_get ("token_a") };
  int client = dev_open ();

  broker_start ();
  if (add_grant (broker_fd, &g) || read_id (client, IDGUARD_KIND_IMEI, g.token, NULL, NULL))
    return 1;
  printf ("holding\n");
  fflush (stdout);
  pause ();
  return 0;
}

/* Replaces every mapping of this process's executable with an anonymous
 * copy at the same address (what a checkpoint/restore tool does), so that
 * mm->exe_file may be changed. */
static int
unmap_own_exe (void)
{
  static char maps[65536];
  char exe[256], *line, *save = NULL;
  ssize_t n, len;
  int fd;

  len = readlink ("/proc/self/exe", exe, sizeof (exe) - 1);
  fd = open ("/proc/self/maps", O_RDONLY);
  if (len <= 0 || fd < 0)
    return -1;
  exe[len] = '\0';
  len = 0;
  while ((n = read (fd, maps + len, sizeof (maps) - 1 - (size_t) len)) > 0)
    len += n;
  close (fd);
  maps[len] = '\0';
  for (line = strtok_r (maps, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      unsigned long from, to;
      char perms[8], *path = strchr (line, '/');
      int prot = 0;
      void *copy;

      if (!path || strcmp (path, exe) || sscanf (line, "%lx-%lx %7s", &from, &to, perms) != 3)
        continue;
      prot |= perms[0] == 'r' ? PROT_READ : 0;
      prot |= perms[1] == 'w' ? PROT_WRITE : 0;
      prot |= perms[2] == 'x' ? PROT_EXEC : 0;
      copy = mmap (NULL, to - from, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (copy == MAP_FAILED)
        return -1;
      if (prot & PROT_READ)
        memcpy (copy, (void *) from, to - from);
      if (mprotect (copy, to - from, prot) ||
          mremap (copy, to - from, to - from, MREMAP_MAYMOVE | MREMAP_FIXED, (void *) from) == MAP_FAILED)
        return -1;
    }
  return 0;
}

static int
cmd_mm_exe (int argc, char **argv)
{
  const char *token = getenv ("IDG_KTEST_TOKEN");
  unsigned long long f[52] = { 0 };
  struct prctl_mm_map map;
  struct stat want, now;
  char stat_buf[2048], *p;
  int fd, i, err;
  ssize_t n;

  if (argc < 4 || !token)
    return 2;
  if (unmap_own_exe ())
    return 101;
  if (unshare (CLONE_NEWUSER))
    return 100;
  fd = open ("/proc/self/stat", O_RDONLY);
  n = fd >= 0 ? read (fd, stat_buf, sizeof (stat_buf) - 1) : -1;
  if (fd >= 0)
    close (fd);
  if (n <= 0)
    return 102;
  stat_buf[n] = '\0';
  /* Fields from 3 on follow the ")" that ends the command name. */
  p = strrchr (stat_buf, ')');
  for (i = 3; p && i <= 51; i++)
    {
      p = strchr (p + 1, ' ');
      if (p)
        f[i] = strtoull (p + 1, NULL, 10);
    }
  memset (&map, 0, sizeof (map));
  map.start_code = f[26];
  map.end_code = f[27];
  map.start_stack = f[28];
  map.start_data = f[45];
  map.end_data = f[46];
  map.start_brk = f[47];
  map.brk = (unsigned long) sbrk (0);
  map.arg_start = f[48];
  map.arg_end = f[49];
  map.env_start = f[50];
  map.env_end = f[51];
  fd = open (argv[2], O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 103;
  map.exe_fd = (unsigned) fd;
  if (prctl (PR_SET_MM, PR_SET_MM_MAP, (unsigned long) &map, sizeof (map), 0))
    {
      printf ("# mm-exe: PR_SET_MM_MAP: %s\n", strerror (errno));
      return 104;
    }
  close (fd);
  if (stat ("/proc/self/exe", &now) || stat (argv[2], &want) || now.st_ino != want.st_ino ||
      now.st_dev != want.st_dev)
    return 105;
  err = client_read ((unsigned) atoi (argv[3]), token, NULL);
  return err < 0 ? 99 : err;
}

/* The broker's part of t_exe, in its own mount namespace (as the shipped
 * unit runs it: PrivateMounts=yes and the rest): claims, pushes two exe+uid
 * grants with descriptors opened there, then on 'r' pushes the second one
 * again with a fresh descriptor; 'q' ends. */
#define EXE_COPY "/tmp/exe/prog"

static int
exe_broker (int cmd, int ack)
{
  GrantSpec a = { .id = 51, .selector = IDGUARD_SEL_EXE | IDGUARD_SEL_UID, .uid = 1300,
                  .scopes = 1u << IDGUARD_KIND_IMEI, .token = id_get ("token_a"), .exe = SELF };
  GrantSpec b = a;
  char c;

  b.id = 52;
  b.exe = EXE_COPY;
  if (unshare (CLONE_NEWNS) || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
      mount ("tmpfs", "/tmp/exe-ns", "tmpfs", 0, NULL))
    return 1;
  broker_start ();
  if (add_grant (broker_fd, &a) || add_grant (broker_fd, &b))
    return 2;
  while (write (ack, "k", 1) == 1 && read (cmd, &c, 1) == 1 && c == 'r')
    if (add_grant (broker_fd, &b))
      return 3;
  return 0;
}

static int
exe_broker_say (int cmd, int ack, char what)
{
  char c = 0;

  return write (cmd, &what, 1) == 1 && read (ack, &c, 1) == 1 && c == 'k' ? 0 : -1;
}

static int
child_userns_exec (void *data)
{
  const char *ta = data;

  if (unshare (CLONE_NEWUSER))
    return 100;
  setenv ("IDG_KTEST_TOKEN", ta, 1);
  execl (SELF, SELF, "client", "0", (char *) NULL);
  return 126;
}

static int
child_mm_exe (void *data)
{
  char k[16];

  snprintf (k, sizeof (k), "%u", IDGUARD_KIND_IMEI);
  setenv ("IDG_KTEST_TOKEN", (const char *) data, 1);
  execl (ALT, ALT, "mm-exe", SELF, k, (char *) NULL);
  return 126;
}

/* exe+uid grants with the broker in a private mount namespace: the named
 * program reads; a copy, a bind mount over its path, the program in a new
 * user namespace, a process that points its exe at it with PR_SET_MM_MAP,
 * and a file renamed over a granted path (until the broker pushes again)
 * are refused. */
static void
t_exe (void)
{
  const char *ta = id_get ("token_a");
  int cmd[2], ack[2], rc, status = 0;
  char c = 0;
  pid_t broker;

  mkdir ("/tmp/exe", 0755);
  mkdir ("/tmp/exe-ns", 0755);
  if (pipe (cmd) || pipe (ack) || copy_file (SELF, EXE_COPY, 0755))
    {
      check (0, "exe: setup");
      return;
    }
  broker = fork ();
  if (broker == 0)
    {
      close (cmd[1]);
      close (ack[0]);
      _exit (exe_broker (cmd[0], ack[1]));
    }
  /* Only the broker holds these ends: its exit ends our reads. */
  close (cmd[0]);
  close (ack[1]);
  check (read (ack[0], &c, 1) == 1 && c == 'k', "exe: a broker in its own mount namespace pushed exe+uid grants");
  rc = exec_read_as (1300, SELF, IDGUARD_KIND_IMEI, ta);
  check (rc == 0, "exe: the named program, as the named uid, reads (%d)", rc);
  rc = exec_read_as (1301, SELF, IDGUARD_KIND_IMEI, ta);
  check (rc == EACCES, "exe: the named program as another uid: EACCES (%d)", rc);
  rc = exec_read_as (1300, ALT, IDGUARD_KIND_IMEI, ta);
  check (rc == EACCES, "exe: a copy of it: EACCES (%d)", rc);
  if (mount (ALT, SELF, NULL, MS_BIND, NULL) == 0)
    {
      rc = exec_read_as (1300, SELF, IDGUARD_KIND_IMEI, ta);
      umount2 (SELF, MNT_DETACH);
      check (rc == EACCES, "exe: another file bind-mounted over its path: EACCES (%d)", rc);
    }
  else
    {
      check (0, "exe: bind mount over the program's path (%s)", strerror (errno));
    }
  rc = as_user (1300, 1300, child_userns_exec, (void *) ta);
  if (rc == 100)
    printf ("# no unprivileged user namespaces: the user-namespace cases are not tried\n");
  else
    check (rc == EACCES, "exe: the named program in a new user namespace: EACCES (%d)", rc);
  rc = as_user (1300, 1300, child_mm_exe, (void *) ta);
  if (rc != 100)
    check (rc == EACCES,
           "exe: a copy that moved its mappings, entered a user namespace and set its exe to the program "
           "with PR_SET_MM_MAP (so /proc/self/exe names it): EACCES (%d)", rc);

  rc = exec_read_as (1300, EXE_COPY, IDGUARD_KIND_IMEI, ta);
  check (rc == 0, "exe: a program at a granted path reads (%d)", rc);
  rc = copy_file (SELF, EXE_COPY ".new", 0755) || rename (EXE_COPY ".new", EXE_COPY);
  check (rc == 0, "exe: a new file renamed over the granted path");
  rc = exec_read_as (1300, EXE_COPY, IDGUARD_KIND_IMEI, ta);
  check (rc == EACCES, "exe: the new file, before the broker pushes again: EACCES (%d)", rc);
  check (exe_broker_say (cmd[1], ack[0], 'r') == 0, "exe: the broker pushed the grant again with the new file");
  rc = exec_read_as (1300, EXE_COPY, IDGUARD_KIND_IMEI, ta);
  check (rc == 0, "exe: the new file, after the push: reads (%d)", rc);
  if (write (cmd[1], "q", 1) != 1 || read (ack[0], &c, 1) < 0)
    kill (broker, SIGKILL);
  waitpid (broker, &status, 0);
  check (WIFEXITED (status) && WEXITSTATUS (status) == 0, "exe: the broker process ended cleanly (%d)",
         WEXITSTATUS (status));
  close (cmd[1]);
  close (ack[0]);
}

static const struct {
  const char *name;
  void (*fn) (void);
} tests[] = {
  { "no-broker", t_no_broker },     { "claim", t_claim },         { "grant", t_grant },
  { "selectors", t_selectors },     { "exe", t_exe },             { "chroot", t_chroot },       { "compat32", t_compat32 },
  { "expiry-revoke", t_expiry_revoke }, { "token-tag", t_token_tag },
  { "broker-gone", t_broker_gone }, { "hostile", t_hostile },     { "ratelimit", t_ratelimit },
  { "audit", t_audit },             { "audit-flood", t_audit_flood }, { "churn", t_churn },         { "reclaim", t_reclaim },
};

int
main (int argc, char **argv)
{
  int all = argc > 1 && !strcmp (argv[1], "all");

  setvbuf (stdout, NULL, _IOLBF, 0);
  signal (SIGPIPE, SIG_IGN); /* a helper that died: a write error, not death */
  if (argc > 3 && !strcmp (argv[1], "as"))
    {
      gid_t g = (gid_t) atoi (argv[2]);

      if (setgroups (0, NULL) || setresgid (g, g, g) || setresuid ((uid_t) g, (uid_t) g, (uid_t) g))
        return 121;
      execvp (argv[3], argv + 3);
      return 126;
    }
  ids_load ();
  if (argc > 1 && !strcmp (argv[1], "client"))
    return cmd_client (argc, argv);
  if (argc > 3 && !strcmp (argv[1], "flood"))
    {
      Flood f = { .procs = atoi (argv[2]), .reads = atoi (argv[3]) };
      return child_flood_procs (&f);
    }
  if (argc > 1 && !strcmp (argv[1], "mm-exe"))
    return cmd_mm_exe (argc, argv);
  if (argc > 1 && !strcmp (argv[1], "hold"))
    return cmd_hold ();
  if (argc > 1 && !strcmp (argv[1], "bench"))
    return cmd_bench ();
  if (argc > 2 && !strcmp (argv[1], "story-lib"))
    {
      int rc = cmd_story_lib (argv[2]);
      printf ("KTEST-SUMMARY pass=%d fail=%d\n", n_pass, n_fail);
      return rc;
    }
  for (size_t i = 0; i < sizeof (tests) / sizeof (tests[0]); i++)
    {
      int run = all;
      for (int j = 1; j < argc; j++)
        run |= !strcmp (argv[j], tests[i].name);
      if (!run)
        continue;
      printf ("# %s\n", tests[i].name);
      tests[i].fn ();
    }
  printf ("KTEST-SUMMARY pass=%d fail=%d\n", n_pass, n_fail);
  return n_fail ? 1 : 0;
}
