/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-compat32 TOKEN VALUE: a freestanding 32-bit (i386) client, built with
 * clang -target i386 and no libc, run by idg-ktest inside the VM to show
 * that the ABI needs no translation for 32-bit callers (compat_ioctl).
 * Exit 0: INFO and READ behaved and READ returned VALUE; 50-59: a check
 * failed; otherwise the errno of the READ.
 */
#include "idguard.h"

#define SYS_exit  1
#define SYS_open  5
#define SYS_ioctl 54

static long
sys3 (long nr, long a, long b, long c)
{
  long r;

  __asm__ volatile ("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
  return r;
}

void *memset (void *d, int c, unsigned long n);
void *memcpy (void *d, const void *s, unsigned long n);
int cmain (long *sp);

void *
memset (void *d, int c, unsigned long n)
{
  unsigned char *p = d;

  while (n--)
    *p++ = (unsigned char) c;
  return d;
}

void *
memcpy (void *d, const void *s, unsigned long n)
{
  unsigned char *p = d;
  const unsigned char *q = s;

  while (n--)
    *p++ = *q++;
  return d;
}

static unsigned long
slen (const char *s)
{
  unsigned long n = 0;

  while (s[n])
    n++;
  return n;
}

static void
bye (int code)
{
  sys3 (SYS_exit, code, 0, 0);
  for (;;)
    ;
}

__asm__ (".globl _start\n_start:\n\txor %ebp, %ebp\n\tmov %esp, %eax\n\tand $-16, %esp\n"
         "\tsub $12, %esp\n\tpush %eax\n\tcall cmain\n\thlt\n");

int
cmain (long *sp)
{
  char **argv = (char **) (sp + 1);
  struct idguard_info info;
  struct idguard_read rd;
  unsigned long i, vlen;
  long fd, r;

  if (sp[0] != 3)
    bye (50);
  fd = sys3 (SYS_open, (long) "/dev/idguard", 2 /* O_RDWR */, 0);
  if (fd < 0)
    bye (51);
  memset (&info, 0, sizeof (info));
  info.size = sizeof (info);
  if (sys3 (SYS_ioctl, fd, (long) IDGUARD_IOC_INFO, (long) &info) != 0 || info.abi_version != IDGUARD_ABI_VERSION ||
      !(info.flags & IDGUARD_INFO_BROKER))
    bye (52);
  memset (&rd, 0, sizeof (rd));
  rd.size = sizeof (rd);
  rd.kind = IDGUARD_KIND_IMEI;
  rd.token_len = slen (argv[1]);
  if (rd.token_len > IDGUARD_TOKEN_MAX)
    bye (53);
  memcpy (rd.token, argv[1], rd.token_len);
  r = sys3 (SYS_ioctl, fd, (long) IDGUARD_IOC_READ, (long) &rd);
  if (r < 0)
    bye ((int) -r);
  vlen = slen (argv[2]);
  if (rd.value_len != vlen || rd.grant_id == 0)
    bye (54);
  for (i = 0; i < vlen; i++)
    if (rd.value[i] != (unsigned char) argv[2][i])
      bye (55);
  bye (0);
  return 0;
}
