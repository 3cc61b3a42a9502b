/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef IDG_IDENTITY_H
#define IDG_IDENTITY_H

#include <linux/atomic.h>
#include <linux/types.h>

struct cgroup;
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
	/*
	 * The caller's cgroup v2, held until idg_identity_put(); NULL:
	 * unknown or not needed, matches no cgroup/unit selector.
	 */
	struct cgroup *cgrp;
};

/*
 * What a cgroup or unit selector remembers of the last cgroup that matched
 * it: that cgroup's id and level. Only a match is remembered, and what made
 * it a match cannot change while the system runs (see identity.c).
 */
struct idg_cg_memo {
	atomic64_t id;		/* 0: nothing yet */
	int level;
};

void idg_identity_get(struct idg_identity *id);
void idg_identity_resolve(struct idg_identity *id, u32 need);
void idg_identity_put(struct idg_identity *id);
bool idg_identity_in_cgroup(const struct idg_identity *id, const char *cg,
			    struct idg_cg_memo *memo);
bool idg_identity_in_unit(const struct idg_identity *id, const char *unit,
			  struct idg_cg_memo *memo);

#endif
