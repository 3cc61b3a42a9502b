/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hostile tests' connecting client: COUNT connections, one after the
 * other, to the abstract unix socket NAME, each closed at once; prints how
 * many were made. Hard-linked under many names, it is many "programs".
 *
 *   flood-connect NAME COUNT
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  socklen_t len;
  long count, made = 0;
  size_t name_len;

  if (argc != 3 || (name_len = strlen (argv[1])) == 0 || name_len >= sizeof addr.sun_path - 1) {
    fprintf (stderr, "usage: flood-connect NAME COUNT\n");
    return 2;
  }
  count = strtol (argv[2], NULL, 10);
  memcpy (addr.sun_path + 1, argv[1], name_len);
  len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + name_len);
  for (long i = 0; i < count; i++) {
    int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
      break;
    if (connect (fd, (struct sockaddr *) &addr, len) == 0)
      made++;
    close (fd);
  }
  printf ("%ld\n", made);
  return 0;
}
