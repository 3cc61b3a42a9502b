/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef IDG_IDENTITY_H
#define IDG_IDENTITY_H

#include <linux/types.h>

struct file;
struct inode;

/* The calling task, as the kernel sees it at the instant of a read. */
struct idg_identity {
	u32 uid;
	u32 gid;
	u32 pid;
	/*
	 * The executable's inode, compared with the inodes that grants pin.
	 * NULL: unknown, matches no exe selector.
	 */
	const struct inode *exe;
	struct file *exe_ref;	/* holds exe until idg_identity_put() */
	u32 exe_dev;
	u64 exe_ino;
	u64 cgroup_id;		/* 0: unknown */
	const char *cgroup;	/* NULL: unknown, matches no cgroup/unit */
	char *buf;
};

void idg_identity_get(struct idg_identity *id);
int idg_identity_resolve(struct idg_identity *id, u32 need);
void idg_identity_put(struct idg_identity *id);
bool idg_identity_in_cgroup(const struct idg_identity *id, const char *cg);
bool idg_identity_in_unit(const struct idg_identity *id, const char *unit);

#endif
