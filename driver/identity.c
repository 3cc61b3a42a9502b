// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who is calling: effective uid and gid in the initial user namespace, the
 * executable and the cgroup (v2 hierarchy), resolved from `current` at the
 * instant of the call, never from anything the caller says.
 *
 * The executable is the inode of mm->exe_file, taken with a reference for
 * the length of the call; its device and inode numbers go into the audit
 * event. It is attested only for a caller whose credentials are in the
 * initial user namespace: in any other, the task may have pointed its own
 * mm->exe_file at any file it can open (prctl PR_SET_MM_MAP with exe_fd
 * needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in the task's own user
 * namespace), so there the executable is unknown and no exe selector
 * matches. In the initial user namespace only a task with those
 * capabilities there (root, in effect) can do the same.
 *
 * The cgroup is the caller's cgroup in the default (v2) hierarchy, held
 * with a reference for the length of the call when a loaded grant has a
 * cgroup or unit selector. Its path is never formatted: a selector is
 * compared with the names of the cgroup's ancestors, from the root of the
 * hierarchy (which a cgroup namespace does not change). That is safe
 * without kernfs_rename_lock because a cgroup v2 directory cannot be
 * renamed (cgroup_kf_syscall_ops has no .rename; only v1 hierarchies
 * have one) and its parent never changes, and the reference on the cgroup
 * keeps it and its ancestors, and so their kernfs nodes and names, alive.
 *
 * A selector remembers the id and level of the last cgroup that matched
 * it (struct idg_cg_memo), and a read whose cgroup has that ancestor
 * matches with no name compared. A cgroup id (its kernfs node id) is never
 * reused while the system runs, and a cgroup's name and ancestors never
 * change, so a cgroup that matched once matches for as long as it exists.
 * A unit restarted gets a new cgroup, with a new id: its first read
 * compares names again, and is remembered instead. Readers store the memo
 * without a lock: the level and the id may be seen from two different
 * stores, but a match needs the ancestor at the level read to have the id
 * read, and an id is one cgroup, at one level, which did match.
 *
 * The cgroup id is that cgroup's kernfs id, never reused while the system
 * runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernfs.h>
#include <linux/mm_types.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "identity.h"
#include "uapi/idguard.h"

static struct file *exe_file_get(void)
{
	struct mm_struct *mm = current->mm;
	struct file *exe;

	if (!mm)
		return NULL;
	rcu_read_lock();
	/*
	 * The one API difference between 6.1 and mainline this module meets;
	 * Kbuild probes the headers for it.
	 */
#ifdef IDG_GET_FILE_RCU_TAKES_PTR
	exe = get_file_rcu(&mm->exe_file);
#else
	exe = rcu_dereference(mm->exe_file);
	if (exe && !get_file_rcu(exe))
		exe = NULL;
#endif
	rcu_read_unlock();
	return exe;
}

/*
 * The inode of the caller's executable, if attested. The file reference is
 * held until idg_identity_put(), so that the inode cannot be freed and its
 * address taken by another while grants are compared with it.
 */
static void exe_get(struct idg_identity *id)
{
	struct file *exe;
	struct inode *inode;

	if (current_user_ns() != &init_user_ns)
		return;
	exe = exe_file_get();
	if (!exe)
		return;
	inode = file_inode(exe);
	id->exe = inode;
	id->exe_dev = new_encode_dev(inode->i_sb->s_dev);
	id->exe_ino = inode->i_ino;
	id->exe_ref = exe;
}

static u64 cgroup_id_of_current(void)
{
	u64 cid;

	rcu_read_lock();
	cid = cgroup_id(task_dfl_cgroup(current));
	rcu_read_unlock();
	return cid;
}

/*
 * Fills the credentials, the executable's identity and the cgroup id of
 * the current task into @id (what an audit event records); no path yet.
 */
void idg_identity_get(struct idg_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->uid = from_kuid_munged(&init_user_ns, current_euid());
	id->gid = from_kgid_munged(&init_user_ns, current_egid());
	id->pid = task_tgid_nr(current);
	exe_get(id);
	id->cgroup_id = cgroup_id_of_current();
}

/*
 * Takes the caller's cgroup when @need (IDGUARD_SEL_* bits) says a loaded
 * grant can use it. A cgroup that cannot be held stays NULL and matches no
 * selector.
 */
void idg_identity_resolve(struct idg_identity *id, u32 need)
{
	struct cgroup *cgrp;

	if (!(need & (IDGUARD_SEL_CGROUP | IDGUARD_SEL_UNIT)))
		return;
	rcu_read_lock();
	cgrp = task_dfl_cgroup(current);
	if (!cgroup_tryget(cgrp))
		cgrp = NULL;
	rcu_read_unlock();
	id->cgrp = cgrp;
}

void idg_identity_put(struct idg_identity *id)
{
	if (id->exe_ref)
		fput(id->exe_ref);
	id->exe_ref = NULL;
	if (id->cgrp)
		cgroup_put(id->cgrp);
	id->cgrp = NULL;
	id->exe = NULL;
}

/* Does @cgrp have the cgroup that last matched the selector of @memo? */
static bool memo_hit(struct cgroup *cgrp, const struct idg_cg_memo *memo)
{
	struct cgroup *anc = cgroup_ancestor(cgrp, READ_ONCE(memo->level));
	u64 want = atomic64_read(&memo->id);

	return anc && want && cgroup_id(anc) == want;
}

static void memo_set(struct idg_cg_memo *memo, struct cgroup *anc)
{
	WRITE_ONCE(memo->level, anc->level);
	atomic64_set(&memo->id, cgroup_id(anc));
}

/*
 * "/a" holds "/a" and "/a/b", not "/ab"; "/" holds everything. The
 * ancestor at the depth of @cg (its number of components) must have the
 * last component of @cg as its name, its parent the one before, and so
 * on up to the root.
 */
bool idg_identity_in_cgroup(const struct idg_identity *id, const char *cg,
			    struct idg_cg_memo *memo)
{
	struct cgroup *anc, *c;
	size_t end = strlen(cg), i, len;
	const char *name;
	int depth = 0;

	if (!id->cgrp)
		return false;
	while (end > 1 && cg[end - 1] == '/')
		end--;
	if (end == 1)
		return true;
	if (memo_hit(id->cgrp, memo))
		return true;
	for (i = 0; i < end; i++)
		depth += cg[i] == '/';
	anc = cgroup_ancestor(id->cgrp, depth);
	if (!anc)
		return false;
	/* A name has no '/': each step takes one component off the end. */
	for (c = anc; c->level > 0; c = cgroup_parent(c)) {
		name = c->kn->name;
		len = strlen(name);
		if (len + 1 > end || cg[end - len - 1] != '/' ||
		    memcmp(cg + end - len, name, len))
			return false;
		end -= len + 1;
	}
	if (end)
		return false;
	memo_set(memo, anc);
	return true;
}
static bool is_unit_name(const char *s, size_t n)
{
	static const char * const suffixes[] = { ".service", ".scope" };
	size_t i, l;

	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		l = strlen(suffixes[i]);
		if (n > l && !memcmp(s + n - l, suffixes[i], l))
			return true;
	}
	return false;
}

/*
 * The unit is the first component after the leading slices, as systemd
 * names it ("/system.slice/foo.service/x" is foo.service), and as the
 * broker derives it. Not the last component ending in .service: a user's
 * own manager (user@UID.service, delegated to that user) may create
 * ".../user@1000.service/app.slice/ModemManager.service", which must not
 * pass for the system's ModemManager.service.
 */
bool idg_identity_in_unit(const struct idg_identity *id, const char *unit,
			  struct idg_cg_memo *memo)
{
	struct cgroup *anc;
	const char *name;
	size_t n;
	int level;

	if (!id->cgrp)
		return false;
	if (memo_hit(id->cgrp, memo))
		return true;
	for (level = 1; level <= id->cgrp->level; level++) {
		anc = cgroup_ancestor(id->cgrp, level);
		name = anc->kn->name;
		n = strlen(name);
		if (n > 6 && !memcmp(name + n - 6, ".slice", 6))
			continue;
		if (name[0] == '.' || !is_unit_name(name, n) ||
		    strcmp(name, unit))
			return false;
		memo_set(memo, anc);
		return true;
	}
	return false;
}
