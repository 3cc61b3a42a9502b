// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who is calling: effective uid and gid in the initial user namespace, the
 * executable and the cgroup v2 path, resolved from `current` at the instant
 * of the call, never from anything the caller says.
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
 * The cgroup path is the kernfs path from the root of the default (v2)
 * hierarchy, which a cgroup namespace does not change; the cgroup id is
 * that cgroup's kernfs id, never reused while the system runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
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

static const char *cgroup_path_of_current(char *buf, int len)
{
	struct cgroup *cgrp;
	bool ok;
	int ret;

	rcu_read_lock();
	cgrp = task_dfl_cgroup(current);
	ok = cgroup_tryget(cgrp);
	rcu_read_unlock();
	if (!ok)
		return NULL;
	ret = cgroup_path(cgrp, buf, len);
	cgroup_put(cgrp);
	/* Truncated (ret >= len) or failed: unknown, matches nothing. */
	if (ret < 0 || ret >= len)
		return NULL;
	return buf;
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
 * Resolves the cgroup path when @need (IDGUARD_SEL_* bits) says a loaded
 * grant can use it. A path that cannot be resolved stays NULL and matches
 * no selector.
 */
int idg_identity_resolve(struct idg_identity *id, u32 need)
{
	if (!(need & (IDGUARD_SEL_CGROUP | IDGUARD_SEL_UNIT)))
		return 0;
	id->buf = kmalloc(IDGUARD_PATH_MAX, GFP_KERNEL);
	if (!id->buf)
		return -ENOMEM;
	id->cgroup = cgroup_path_of_current(id->buf, IDGUARD_PATH_MAX);
	return 0;
}

void idg_identity_put(struct idg_identity *id)
{
	if (id->exe_ref)
		fput(id->exe_ref);
	id->exe_ref = NULL;
	kfree(id->buf);
	id->buf = NULL;
	id->exe = NULL;
	id->cgroup = NULL;
}

/* "/a" holds "/a" and "/a/b", not "/ab"; "/" holds everything. */
bool idg_identity_in_cgroup(const struct idg_identity *id, const char *cg)
{
	size_t n = strlen(cg);

	if (!id->cgroup)
		return false;
	while (n > 1 && cg[n - 1] == '/')
		n--;
	if (n == 1)
		return true;
	return !strncmp(id->cgroup, cg, n) &&
	       (id->cgroup[n] == '\0' || id->cgroup[n] == '/');
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
bool idg_identity_in_unit(const struct idg_identity *id, const char *unit)
{
	const char *p, *comp;
	size_t n;

	if (!id->cgroup)
		return false;
	for (p = id->cgroup; *p; p = comp + n) {
		while (*p == '/')
			p++;
		comp = p;
		n = strchrnul(comp, '/') - comp;
		if (!n)
			break;
		if (n > 6 && !memcmp(comp + n - 6, ".slice", 6))
			continue;
		return comp[0] != '.' && is_unit_name(comp, n) &&
		       n == strlen(unit) && !memcmp(comp, unit, n);
	}
	return false;
}
