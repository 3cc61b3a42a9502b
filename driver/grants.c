// SPDX-License-Identifier: GPL-2.0-only
/*
 * The grant table and the identifier values.
 *
 * Locking, and why it is enough:
 *
 * - Writers (the broker's ioctls, and the broker file's release) take
 *   grant_lock, a mutex, and change the list with the _rcu list primitives
 *   (list_add_tail_rcu, list_replace_rcu, list_del_rcu) and the value slots
 *   with rcu_replace_pointer(). Only one writer runs at a time, so the list
 *   is never seen half-spliced by another writer, and grant_count and the
 *   per-selector counters are plain integers under the mutex.
 * - Readers (IDGUARD_IOC_READ, any process, any number at once) take no
 *   lock: they walk the list and dereference a value slot inside one
 *   rcu_read_lock() section and copy what they need (the grant id, the
 *   value bytes) into their own buffer before leaving it. They never sleep
 *   inside the section: the caller's identity (which may sleep to resolve
 *   paths) is computed before it, and copy_to_user() happens after it.
 * - A replaced or removed grant or value is freed with call_rcu(), so it
 *   stays valid until every reader that could have seen it has left its
 *   read-side section. Its callback wipes the token hash or the value
 *   (memzero_explicit, then kfree_sensitive), which kfree_rcu() could not do.
 *   A replacement (same id) is one list_replace_rcu(): a concurrent reader
 *   sees the old grant or the new one, never neither.
 * - A revoke or wipe returns after the list change, so a read that starts
 *   after the ioctl returned cannot find the grant. A read already inside
 *   its RCU section when the revoke happens may still release the value
 *   once: it started before the revoke.
 * - Lock order: broker_lock (broker.c) -> grant_lock. No spinlock or RCU
 *   section is held when grant_lock is taken, and grant_lock is never held
 *   while taking broker_lock, so lockdep sees a single chain.
 * - An exe grant holds a reference to the file the broker handed over
 *   (fget_raw(), O_PATH files included), so its inode cannot be freed, nor
 *   its address reused, while a reader may compare with it; the reference
 *   is dropped by the RCU callback (fput() from softirq context defers to a
 *   work item, which needs no code of this module).
 * - Module exit: the misc device holds a module reference while any file is
 *   open, so exit runs with no broker and no reader left; it wipes again and
 *   waits for every pending callback with rcu_barrier() before the code of
 *   the callbacks goes away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <linux/bits.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "grants.h"
#include "identity.h"

struct idg_grant {
	struct list_head node;
	struct rcu_head rcu;
	u64 id;
	u64 expires_ns;
	u32 selector;
	u32 uid;
	u32 gid;
	u32 scopes;
	u8 hash[IDGUARD_HASH_LEN];
	struct file *exe;	/* pinned: its inode is compared */
	char *cgroup;
	char *unit;
};

struct idg_value {
	struct rcu_head rcu;
	u32 len;
	u8 data[IDGUARD_VALUE_MAX];
};

static LIST_HEAD(grant_list);
static struct idg_value __rcu *values[IDGUARD_KIND_COUNT];
static DEFINE_MUTEX(grant_lock);
static u32 grant_count;
/* How many loaded grants use each of cgroup, unit. */
static u32 n_cgroup, n_unit;

static void grant_free_rcu(struct rcu_head *head)
{
	struct idg_grant *g = container_of(head, struct idg_grant, rcu);

	if (g->exe)
		fput(g->exe);
	kfree_sensitive(g->cgroup);
	kfree_sensitive(g->unit);
	memzero_explicit(g->hash, sizeof(g->hash));
	kfree_sensitive(g);
}

static void value_free_rcu(struct rcu_head *head)
{
	struct idg_value *v = container_of(head, struct idg_value, rcu);

	memzero_explicit(v->data, sizeof(v->data));
	kfree_sensitive(v);
}

static void count_selector(const struct idg_grant *g, int delta)
{
	if (g->selector & IDGUARD_SEL_CGROUP)
		n_cgroup += delta;
	if (g->selector & IDGUARD_SEL_UNIT)
		n_unit += delta;
}

/* Checks one string field: NUL inside the array, and its shape. */
static int check_string(const char *s, bool used, bool absolute)
{
	size_t n = strnlen(s, IDGUARD_PATH_MAX);

	if (n == IDGUARD_PATH_MAX)
		return -ENAMETOOLONG;
	if (!used)
		return 0;
	if (!n || (absolute && s[0] != '/'))
		return -EINVAL;
	return 0;
}

static int check_grant(const struct idguard_grant *in)
{
	int ret;

	if (!in->id || !in->selector ||
	    (in->selector & ~IDGUARD_SEL_ALL) || !in->scopes ||
	    (in->scopes & ~IDGUARD_KIND_MASK_ALL))
		return -EINVAL;
	if (in->selector & IDGUARD_SEL_EXE ? in->exe_fd < 0 : in->exe_fd)
		return -EINVAL;
	/*
	 * Same-uid code can run inside a program or borrow its executable
	 * (uapi/idguard.h): exe narrows a uid, gid or unit, never alone.
	 */
	if ((in->selector & IDGUARD_SEL_EXE) &&
	    !(in->selector & (IDGUARD_SEL_UID | IDGUARD_SEL_GID |
			      IDGUARD_SEL_UNIT)))
		return -EINVAL;
	ret = check_string(in->cgroup, in->selector & IDGUARD_SEL_CGROUP, true);
	if (!ret)
		ret = check_string(in->unit, in->selector & IDGUARD_SEL_UNIT,
				   false);
	return ret;
}

static char *dup_if(const char *s, bool used, int *err)
{
	char *d;

	if (!used)
		return NULL;
	d = kstrdup(s, GFP_KERNEL);
	if (!d)
		*err = -ENOMEM;
	return d;
}

/* The broker's descriptor of the executable: a regular file, pinned. */
static struct file *exe_pin(int fd, int *err)
{
	struct file *f = fget_raw(fd);

	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (!S_ISREG(file_inode(f)->i_mode)) {
		fput(f);
		*err = -EINVAL;
		return NULL;
	}
	return f;
}

static struct idg_grant *grant_new(const struct idguard_grant *in)
{
	struct idg_grant *g;
	int err = 0;

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->id = in->id;
	g->expires_ns = in->expires_ns;
	g->selector = in->selector;
	g->uid = in->uid;
	g->gid = in->gid;
	g->scopes = in->scopes;
	memcpy(g->hash, in->token_hash, sizeof(g->hash));
	if (in->selector & IDGUARD_SEL_EXE)
		g->exe = exe_pin(in->exe_fd, &err);
	g->cgroup = dup_if(in->cgroup, in->selector & IDGUARD_SEL_CGROUP, &err);
	g->unit = dup_if(in->unit, in->selector & IDGUARD_SEL_UNIT, &err);
	if (err) {
		grant_free_rcu(&g->rcu);
		return ERR_PTR(err);
	}
	return g;
}

static struct idg_grant *find_locked(u64 id)
{
	struct idg_grant *g;

	list_for_each_entry(g, &grant_list, node)
		if (g->id == id)
			return g;
	return NULL;
}

int idg_grants_add(const struct idguard_grant *in)
{
	struct idg_grant *g, *old;
	int ret;

	ret = check_grant(in);
	if (ret)
		return ret;
	g = grant_new(in);
	if (IS_ERR(g))
		return PTR_ERR(g);

	mutex_lock(&grant_lock);
	old = find_locked(in->id);
	if (old) {
		list_replace_rcu(&old->node, &g->node);
		count_selector(old, -1);
		call_rcu(&old->rcu, grant_free_rcu);
	} else if (grant_count < IDGUARD_GRANTS_MAX) {
		list_add_tail_rcu(&g->node, &grant_list);
		grant_count++;
	} else {
		ret = -ENOSPC;
	}
	if (!ret)
		count_selector(g, 1);
	mutex_unlock(&grant_lock);
	if (ret)
		grant_free_rcu(&g->rcu);
	return ret;
}

static void grant_remove_locked(struct idg_grant *g)
{
	list_del_rcu(&g->node);
	grant_count--;
	count_selector(g, -1);
	call_rcu(&g->rcu, grant_free_rcu);
}

int idg_grants_revoke(u64 id)
{
	struct idg_grant *g;
	int ret = -ENOENT;

	mutex_lock(&grant_lock);
	g = find_locked(id);
	if (g) {
		grant_remove_locked(g);
		ret = 0;
	}
	mutex_unlock(&grant_lock);
	return ret;
}

int idg_grants_set_value(u32 kind, const u8 *value, u32 len)
{
	struct idg_value *v = NULL, *old;

	if (kind >= IDGUARD_KIND_COUNT || len > IDGUARD_VALUE_MAX)
		return -EINVAL;
	if (len) {
		v = kzalloc(sizeof(*v), GFP_KERNEL);
		if (!v)
			return -ENOMEM;
		v->len = len;
		memcpy(v->data, value, len);
	}
	mutex_lock(&grant_lock);
	old = rcu_replace_pointer(values[kind], v,
				  lockdep_is_held(&grant_lock));
	mutex_unlock(&grant_lock);
	if (old)
		call_rcu(&old->rcu, value_free_rcu);
	return 0;
}

void idg_grants_wipe(void)
{
	struct idg_grant *g, *tmp;
	struct idg_value *old;
	int k;

	mutex_lock(&grant_lock);
	list_for_each_entry_safe(g, tmp, &grant_list, node)
		grant_remove_locked(g);
	for (k = 0; k < IDGUARD_KIND_COUNT; k++) {
		old = rcu_replace_pointer(values[k], NULL,
					  lockdep_is_held(&grant_lock));
		if (old)
			call_rcu(&old->rcu, value_free_rcu);
	}
	mutex_unlock(&grant_lock);
}

/* Which identity fields a reader must resolve (IDGUARD_SEL_* bits). */
u32 idg_grants_needs(void)
{
	u32 need = IDGUARD_SEL_UID | IDGUARD_SEL_GID | IDGUARD_SEL_EXE;

	if (READ_ONCE(n_cgroup))
		need |= IDGUARD_SEL_CGROUP;
	if (READ_ONCE(n_unit))
		need |= IDGUARD_SEL_UNIT;
	return need;
}

u32 idg_grants_count(void)
{
	return READ_ONCE(grant_count);
}

static bool selector_matches(const struct idg_grant *g,
			     const struct idg_identity *who)
{
	if ((g->selector & IDGUARD_SEL_UID) && g->uid != who->uid)
		return false;
	if ((g->selector & IDGUARD_SEL_GID) && g->gid != who->gid)
		return false;
	if ((g->selector & IDGUARD_SEL_EXE) &&
	    (!who->exe || who->exe != file_inode(g->exe)))
		return false;
	if ((g->selector & IDGUARD_SEL_CGROUP) &&
	    !idg_identity_in_cgroup(who, g->cgroup))
		return false;
	if ((g->selector & IDGUARD_SEL_UNIT) &&
	    !idg_identity_in_unit(who, g->unit))
		return false;
	return true;
}

/*
 * Finds an active grant for @who, @kind and the token hash @hash and copies
 * the value of @kind into @ans. Returns 0, -EACCES, -EKEYEXPIRED or -ENOENT.
 * Every grant's hash is compared with crypto_memneq(), in constant time.
 */
int idg_grants_check(const struct idg_identity *who, u32 kind,
		     const u8 *hash, struct idg_answer *ans)
{
	u64 now = ktime_get_boottime_ns();
	const struct idg_grant *g;
	const struct idg_value *v;
	int ret = -EACCES;

	rcu_read_lock();
	list_for_each_entry_rcu(g, &grant_list, node) {
		if (!(g->scopes & BIT(kind)))
			continue;
		if (crypto_memneq(g->hash, hash, IDGUARD_HASH_LEN))
			continue;
		if (!selector_matches(g, who))
			continue;
		if (g->expires_ns && now >= g->expires_ns) {
			ret = -EKEYEXPIRED;
			continue;
		}
		ans->grant_id = g->id;
		ret = 0;
		break;
	}
	if (!ret) {
		v = rcu_dereference(values[kind]);
		if (v) {
			ans->len = v->len;
			memcpy(ans->value, v->data, v->len);
		} else {
			ret = -ENOENT;
		}
	}
	rcu_read_unlock();
	return ret;
}

void idg_grants_exit(void)
{
	idg_grants_wipe();
	rcu_barrier();
}
