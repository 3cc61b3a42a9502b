/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-qrtr-confine: runs a command as systemd runs a service under
 * systemd/idguard-qrtr.conf's RestrictAddressFamilies=~AF_QIPCRTR, for the
 * VM, where no systemd is PID 1: no new privileges, and a seccomp filter
 * that makes socket(AF_QIPCRTR, ...) fail with EAFNOSUPPORT (systemd's
 * errno for a restricted family). Everything else is allowed.
 *
 *   idg-qrtr-confine [--uid N] [--unconfined] COMMAND [ARG...]
 *
 * --uid N first drops to uid and gid N with no supplementary groups (the
 * capabilities go with uid 0); --unconfined leaves the filter out (the same
 * process, for the check that the route is open without it).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AF_QIPCRTR
#define AF_QIPCRTR 42
#endif

int
main(int argc, char **argv)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		/* another ABI (i386 socketcall, x32): not what the tests run */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_QIPCRTR, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof filter / sizeof filter[0], filter };
	int i = 1, confine = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--uid") && i + 1 < argc) {
			unsigned id = (unsigned)strtoul(argv[++i], NULL, 10);

			if (setgroups(0, NULL) < 0 || setresgid(id, id, id) < 0 || setresuid(id, id, id) < 0) {
				fprintf(stderr, "idg-qrtr-confine: uid %u: %s\n", id, strerror(errno));
				return 1;
			}
		} else if (!strcmp(argv[i], "--unconfined")) {
			confine = 0;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: idg-qrtr-confine [--uid N] [--unconfined] COMMAND [ARG...]\n");
		return 2;
	}
	if (confine && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
			prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)) {
		fprintf(stderr, "idg-qrtr-confine: seccomp: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "idg-qrtr-confine: %s: %s\n", argv[i], strerror(errno));
	return 127;
}
