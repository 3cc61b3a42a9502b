/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * idguard: the /dev/idguard ABI, and its specification.
 *
 * /dev/idguard is a misc character device. Any process may open it. Every
 * command is an ioctl on an open file; every argument is one fixed-size
 * struct made of __u8/__u32/__u64 fields with explicit padding, so that the
 * layout is the same for 32-bit and 64-bit callers (compat ioctls need no
 * translation). Every struct starts with `size`: the caller sets it to
 * sizeof(the struct) as it knows it; the kernel refuses any other value
 * with EINVAL. Reserved and padding fields must be zero (EINVAL otherwise).
 * The ABI version is IDGUARD_ABI_VERSION; it changes only if a struct or a
 * meaning changes, and IDGUARD_IOC_INFO tells which one the module speaks.
 *
 * ABI versions
 *   1  grants named their executable by path (char exe[256]), compared with
 *      d_path() of the caller's executable. Refused since version 2: a
 *      broker claiming with abi_version 1, or issuing the version 1
 *      IDGUARD_IOC_GRANT_ADD (840-byte struct), gets EPROTONOSUPPORT.
 *   2  grants carry an open descriptor of their executable (exe_fd) and the
 *      kernel compares inodes; audit events carry the caller's executable
 *      identity and cgroup id, and are coalesced (count).
 *
 * Roles
 *   client  any process. It may call IDGUARD_IOC_INFO and IDGUARD_IOC_READ.
 *   broker  the one file on which IDGUARD_IOC_BROKER_CLAIM succeeded. The
 *           claiming task needs CAP_SYS_ADMIN in the initial user namespace.
 *           Only one file holds the broker channel at a time. Only that file
 *           may push identifiers and grants, revoke, wipe, and read() audit
 *           events. When it is closed (the broker exits or dies), every
 *           identifier and every grant is wiped: no broker, no identifiers.
 *
 * Identifier kinds (IDGUARD_KIND_*, also the bit numbers of a scope mask):
 *   0 IMEI, 1 IMEISV, 2 ESN, 3 MEID, 4 IMSI, 5 ICCID, 6 EID, 7 MSISDN.
 *   Values are opaque bytes, 1 to IDGUARD_VALUE_MAX long.
 *
 * Tokens
 *   A client presents the token exactly as it was handed out (for idguardd,
 *   the string "idg1_" + 64 hex digits, without a trailing NUL), 1 to
 *   IDGUARD_TOKEN_MAX bytes. The kernel computes SHA-256 over those bytes
 *   and compares it in constant time with the 32-byte SHA-256 the broker
 *   pushed with the grant. The kernel never sees or keeps a token beyond the
 *   call; the token buffer is wiped after hashing.
 *
 * Selectors (struct idguard_grant)
 *   A grant applies to the calling task if every selector field it sets
 *   (bits of IDGUARD_SEL_*) matches the caller at the instant of the ioctl:
 *   IDGUARD_SEL_UID     the caller's effective uid, in the initial user ns.
 *   IDGUARD_SEL_GID     the caller's effective (primary) gid, initial ns;
 *                       supplementary groups are not consulted.
 *   IDGUARD_SEL_EXE     the caller's executable (mm->exe_file) is the very
 *                       inode of the file the broker handed over in exe_fd
 *                       when it pushed the grant. No path is compared and
 *                       the caller's root or mount namespace does not
 *                       matter: a copy of the file, another file
 *                       bind-mounted over its path or renamed over it
 *                       later, is another inode and does not match. The
 *                       executable is only attested for a caller whose
 *                       credentials are in the initial user namespace: a
 *                       task in any other user namespace may have set its
 *                       own mm->exe_file (prctl PR_SET_MM_MAP with exe_fd
 *                       needs only CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE
 *                       there), so for it the executable is unknown and no
 *                       exe selector matches. The grant keeps a reference
 *                       to the file (so to its inode, mount and superblock:
 *                       that filesystem cannot be unmounted while the
 *                       grant is loaded); when a new file is installed at
 *                       the path (a package upgrade), the broker pushes
 *                       the grant again with a descriptor of the new file.
 *                       On overlayfs the inode compared is the overlay's:
 *                       an executable reached through another overlay
 *                       mount (a container's) is another inode.
 *                       What it cannot tell: code of the same uid running
 *                       inside the program (LD_PRELOAD, ptrace), or a
 *                       process whose memory a child in a new user
 *                       namespace shares (clone CLONE_VM|CLONE_NEWUSER,
 *                       then PR_SET_MM_MAP in the child). So an exe
 *                       selector never stands alone: a grant with
 *                       IDGUARD_SEL_EXE must also set IDGUARD_SEL_UID,
 *                       IDGUARD_SEL_GID or IDGUARD_SEL_UNIT (EINVAL).
 *   IDGUARD_SEL_CGROUP  the caller's cgroup v2 path (as in /proc/PID/cgroup,
 *                       from the root of the hierarchy): equal to `cgroup`
 *                       or below it ("/a" matches "/a" and "/a/b", not
 *                       "/ab").
 *   IDGUARD_SEL_UNIT    the systemd unit of the caller's cgroup v2 path: the
 *                       first component after the leading ".slice"
 *                       components, if it ends in ".service" or ".scope",
 *                       equals `unit` (a user manager's nested units are
 *                       user@UID.service).
 *   A grant with no selector bit is refused (EINVAL): it would match anyone.
 *   cgroup and unit are NUL-terminated strings inside their fixed arrays;
 *   a string that fills its array without a NUL is refused with
 *   ENAMETOOLONG. cgroup must start with '/'. exe_fd, with
 *   IDGUARD_SEL_EXE, is a descriptor open in the broker (O_PATH is enough)
 *   of a regular file; without IDGUARD_SEL_EXE it must be 0. The kernel
 *   takes its own reference; the broker may close its descriptor after the
 *   ioctl.
 *
 * Times: expires_ns is CLOCK_BOOTTIME in nanoseconds (clock_gettime
 * (CLOCK_BOOTTIME)); 0 means no expiry. A grant is expired when
 * CLOCK_BOOTTIME >= expires_ns. Event times are CLOCK_REALTIME nanoseconds.
 *
 * Commands
 *
 * IDGUARD_IOC_INFO (struct idguard_info, read by the caller; anyone)
 *   Fills abi_version, flags (IDGUARD_INFO_BROKER if a broker holds the
 *   channel), the number of grants loaded and the number of audit events
 *   dropped since load. The caller sets size first.
 *   Errors: EINVAL (size), EFAULT.
 *
 * IDGUARD_IOC_READ (struct idguard_read, in and out; anyone)
 *   In: kind, token_len, token. Out: value_len, value (not NUL-terminated,
 *   the rest of value zeroed) and grant_id, the grant that allowed the read.
 *   Checks, in this order:
 *     EINVAL      bad size, flags or reserved not zero, kind >= 8,
 *                 token_len 0 or > IDGUARD_TOKEN_MAX.
 *     EFAULT      the struct cannot be read or written.
 *     EAGAIN      rate limited: too many refused reads (EACCES or
 *                 EKEYEXPIRED) by this caller's uid recently; every read of
 *                 that uid is refused until its bucket refills (module
 *                 parameters ratelimit_burst, ratelimit_interval_ms).
 *                 A rate-limited read queues no event of its own: it is
 *                 counted for its uid, and the count is queued as one
 *                 refusal event (error EAGAIN, count N) at most once per
 *                 second per uid, or with that uid's next read.
 *     EHOSTDOWN   no broker holds the channel (no identifiers are known).
 *     EACCES      no grant whose selector matches the caller, whose scopes
 *                 hold kind and whose token hash equals SHA-256(token).
 *                 A revoked or wiped grant no longer exists: EACCES.
 *     EKEYEXPIRED such grants exist but all have expired.
 *     ENOENT      the caller is allowed, but the broker has not pushed a
 *                 value for kind (unknown, or the SIM is gone).
 *     ENOMEM      the caller's identity could not be resolved.
 *     ENOBUFS     the caller is allowed, but its release cannot be
 *                 recorded: the audit queue is full (the broker is not
 *                 draining it). The value is not returned. Retry later.
 *   Each read that passes the EINVAL/EFAULT checks while a broker holds the
 *   channel is audited (see "Audit events"): a release is queued before
 *   the value is copied out, or the read fails with ENOBUFS.
 *
 * IDGUARD_IOC_BROKER_CLAIM (struct idguard_claim, in; privileged)
 *   Makes this file the broker. abi_version must equal IDGUARD_ABI_VERSION.
 *   Errors: EINVAL (size, flags), EPROTONOSUPPORT (abi_version is not
 *   IDGUARD_ABI_VERSION: a broker built for another ABI), EFAULT, EPERM
 *   (no CAP_SYS_ADMIN in the initial user namespace), EBUSY (a broker
 *   file, this one or another, holds the channel).
 *
 * The following commands are accepted only on the broker file. On any other
 * file they fail with EPERM, after the EINVAL/EFAULT checks of the size.
 *
 * IDGUARD_IOC_SET_IDENT (struct idguard_ident, in; broker)
 *   Sets the value of kind (value_len 1..IDGUARD_VALUE_MAX), or forgets it
 *   (value_len 0: reads then fail with ENOENT). The old value is wiped.
 *   Errors: EINVAL (size, kind, value_len, reserved), EFAULT, EPERM, ENOMEM.
 *
 * IDGUARD_IOC_GRANT_ADD (struct idguard_grant, in; broker)
 *   Adds a grant, or atomically replaces the grant with the same id: a
 *   concurrent reader sees the old grant or the new one, never neither.
 *   id 0 is invalid. At most IDGUARD_GRANTS_MAX grants are loaded.
 *   Errors: EINVAL (size, id 0, unknown selector bits, no selector bit,
 *   scopes 0 or outside IDGUARD_KIND_MASK_ALL, IDGUARD_SEL_EXE without
 *   IDGUARD_SEL_UID, IDGUARD_SEL_GID or IDGUARD_SEL_UNIT, exe_fd not 0
 *   without IDGUARD_SEL_EXE, exe_fd not a regular file, a relative cgroup path, an
 *   empty unit), EBADF (exe_fd is not an open descriptor of the caller),
 *   ENAMETOOLONG (cgroup or unit without NUL in its array), EFAULT, EPERM,
 *   ENOSPC (table full), ENOMEM, EPROTONOSUPPORT (the ABI version 1
 *   command, whose struct had char exe[256]).
 *
 * IDGUARD_IOC_GRANT_REVOKE (struct idguard_revoke, in; broker)
 *   Removes the grant with that id. Reads that start after the ioctl returns
 *   never see it. Errors: EINVAL, EFAULT, EPERM, ENOENT (no such grant).
 *
 * IDGUARD_IOC_WIPE (no argument; broker)
 *   Removes every grant and every identifier value. Errors: EPERM.
 *
 * Any other command: ENOTTY. A known command number with a wrong size or
 * direction encoded in the command: EINVAL.
 *
 * Audit events (read() and poll() on the broker file)
 *   read() returns whole struct idguard_event records, as many as fit in the
 *   buffer; a buffer smaller than one record gets EINVAL. With no event
 *   queued it blocks, or fails with EAGAIN on an O_NONBLOCK file. poll()
 *   reports EPOLLIN when an event is queued. read() on a file that is not
 *   the broker fails with EPERM. Events never hold an identifier or a
 *   token. The queue is emptied when the broker file is closed.
 *
 *   An event says who read, at the instant of the read: uid, gid, pid (the
 *   thread group id in the initial pid namespace), the executable's
 *   identity (exe_dev, the superblock's device number in the encoding of
 *   stat()'s st_dev, and exe_ino; flag IDGUARD_EVENT_EXE_KNOWN, unset when
 *   the executable is not attested: outside the initial user namespace, or
 *   no executable) and cgroup_id (the cgroup v2 id, which is the inode
 *   number of the cgroup's directory in cgroup2fs and is never reused while
 *   the system runs; 0 if unknown). The broker can attribute an event from
 *   these fields alone, without looking at /proc/PID later.
 *
 *   Coalescing: an event that is still queued (not yet read) absorbs later
 *   ones with the same key, adding to `count` (time_ns stays the first
 *   one's). A refusal's key is (uid, kind, error): the rest of a coalesced
 *   refusal describes its first reader. A release's key is every field but
 *   time_ns, count and dropped (same reader, grant and identity).
 *
 *   Space: the queue holds IDGUARD_EVENTS_MAX records, of which the last
 *   IDGUARD_EVENTS_RESERVED only take releases: refusals cannot push a
 *   release out. A refusal with no room is dropped and counted (the next
 *   record queued carries the count in `dropped`; IDGUARD_IOC_INFO has the
 *   total). A release with no room is not given: the read fails with
 *   ENOBUFS.
 *
 * The kernel log never shows an identifier, a token or a token hash.
 */
#ifndef _UAPI_LINUX_IDGUARD_H
#define _UAPI_LINUX_IDGUARD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IDGUARD_ABI_VERSION	2
#define IDGUARD_DEVICE_NAME	"idguard"

#define IDGUARD_KIND_IMEI	0
#define IDGUARD_KIND_IMEISV	1
#define IDGUARD_KIND_ESN	2
#define IDGUARD_KIND_MEID	3
#define IDGUARD_KIND_IMSI	4
#define IDGUARD_KIND_ICCID	5
#define IDGUARD_KIND_EID	6
#define IDGUARD_KIND_MSISDN	7
#define IDGUARD_KIND_COUNT	8
#define IDGUARD_KIND_MASK_ALL	((1U << IDGUARD_KIND_COUNT) - 1)

#define IDGUARD_VALUE_MAX	64
#define IDGUARD_TOKEN_MAX	128
#define IDGUARD_HASH_LEN	32
#define IDGUARD_PATH_MAX	256
#define IDGUARD_GRANTS_MAX	4096
#define IDGUARD_EVENTS_MAX	512
#define IDGUARD_EVENTS_RESERVED	64

#define IDGUARD_SEL_UID		(1U << 0)
#define IDGUARD_SEL_GID		(1U << 1)
#define IDGUARD_SEL_EXE		(1U << 2)
#define IDGUARD_SEL_CGROUP	(1U << 3)
#define IDGUARD_SEL_UNIT	(1U << 4)
#define IDGUARD_SEL_ALL		0x1fU

#define IDGUARD_INFO_BROKER	(1U << 0)

#define IDGUARD_DECISION_RELEASE	1
#define IDGUARD_DECISION_REFUSE		2

#define IDGUARD_EVENT_EXE_KNOWN	(1U << 0)

struct idguard_info {
	__u32 size;
	__u32 abi_version;	/* out */
	__u32 flags;		/* out: IDGUARD_INFO_* */
	__u32 grants;		/* out: grants loaded */
	__u64 events_dropped;	/* out: since the module was loaded */
};

struct idguard_read {
	__u32 size;
	__u32 kind;			/* in: IDGUARD_KIND_* */
	__u32 token_len;		/* in: 1..IDGUARD_TOKEN_MAX */
	__u32 flags;			/* in: 0 */
	__u8  token[IDGUARD_TOKEN_MAX];	/* in */
	__u32 value_len;		/* out */
	__u32 reserved;			/* in: 0 */
	__u64 grant_id;			/* out */
	__u8  value[IDGUARD_VALUE_MAX];	/* out */
};

struct idguard_claim {
	__u32 size;
	__u32 abi_version;	/* in: IDGUARD_ABI_VERSION */
	__u64 flags;		/* in: 0 */
};

struct idguard_ident {
	__u32 size;
	__u32 kind;			/* IDGUARD_KIND_* */
	__u32 value_len;		/* 0: forget the value */
	__u32 reserved;
	__u8  value[IDGUARD_VALUE_MAX];
};

struct idguard_grant {
	__u32 size;
	__u32 selector;			/* IDGUARD_SEL_* bits in use */
	__u64 id;			/* broker's handle, not 0 */
	__u32 uid;
	__u32 gid;
	__u32 scopes;			/* bit (1 << IDGUARD_KIND_*) per kind */
	__s32 exe_fd;			/* IDGUARD_SEL_EXE: the file; else 0 */
	__u64 expires_ns;		/* CLOCK_BOOTTIME ns, 0: never */
	__u8  token_hash[IDGUARD_HASH_LEN];	/* SHA-256 of the token */
	char  cgroup[IDGUARD_PATH_MAX];
	char  unit[IDGUARD_PATH_MAX];
};

struct idguard_revoke {
	__u32 size;
	__u32 reserved;
	__u64 id;
};

struct idguard_event {
	__u32 size;		/* sizeof(struct idguard_event) */
	__u32 kind;		/* IDGUARD_KIND_* asked for */
	__u64 time_ns;		/* CLOCK_REALTIME, of the first read */
	__u64 grant_id;		/* the grant that allowed it, 0 if refused */
	__u32 uid;		/* effective uid, initial user ns */
	__u32 gid;		/* effective gid, initial user ns */
	__u32 pid;		/* thread group id, initial pid ns */
	__u32 decision;		/* IDGUARD_DECISION_* */
	__s32 error;		/* 0, or the positive errno the reader got */
	__u32 dropped;		/* refusals dropped just before this one */
	__u32 count;		/* reads this record stands for, >= 1 */
	__u32 flags;		/* IDGUARD_EVENT_* */
	__u64 exe_ino;		/* with IDGUARD_EVENT_EXE_KNOWN */
	__u32 exe_dev;		/* with IDGUARD_EVENT_EXE_KNOWN */
	__u32 reserved;		/* 0 */
	__u64 cgroup_id;	/* cgroup v2 id, 0: unknown */
};

#define IDGUARD_IOC_MAGIC	0xE9

#define IDGUARD_IOC_INFO	 _IOR(IDGUARD_IOC_MAGIC, 0x00, struct idguard_info)
#define IDGUARD_IOC_READ	 _IOWR(IDGUARD_IOC_MAGIC, 0x01, struct idguard_read)
#define IDGUARD_IOC_BROKER_CLAIM _IOW(IDGUARD_IOC_MAGIC, 0x10, struct idguard_claim)
#define IDGUARD_IOC_SET_IDENT	 _IOW(IDGUARD_IOC_MAGIC, 0x11, struct idguard_ident)
#define IDGUARD_IOC_GRANT_ADD	 _IOW(IDGUARD_IOC_MAGIC, 0x12, struct idguard_grant)
#define IDGUARD_IOC_GRANT_REVOKE _IOW(IDGUARD_IOC_MAGIC, 0x13, struct idguard_revoke)
#define IDGUARD_IOC_WIPE	 _IO(IDGUARD_IOC_MAGIC, 0x14)

/* The layout is part of the ABI: the same on every architecture. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__cplusplus)
_Static_assert(sizeof(struct idguard_info) == 24, "idguard_info layout");
_Static_assert(sizeof(struct idguard_read) == 224, "idguard_read layout");
_Static_assert(sizeof(struct idguard_claim) == 16, "idguard_claim layout");
_Static_assert(sizeof(struct idguard_ident) == 80, "idguard_ident layout");
_Static_assert(sizeof(struct idguard_grant) == 584, "idguard_grant layout");
_Static_assert(sizeof(struct idguard_revoke) == 16, "idguard_revoke layout");
_Static_assert(sizeof(struct idguard_event) == 80, "idguard_event layout");
#endif

#endif /* _UAPI_LINUX_IDGUARD_H */
