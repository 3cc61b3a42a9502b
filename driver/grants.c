// SPDX-License-Identifier: GPL-2.0-only
/*
 * The grant table and the identifier values.
 *
 * Locking, and why it is enough:
 *
 * - The grants are in a hash table (by_hash) keyed by the first bytes of
 *   their token hash, which readers walk, and in a list (grant_list) that
 *   only writers walk (find by id, wipe). A grant whose token a read has
 *   proved is also in by_tag (see "Tokens" below).
 * - Writers (the broker's ioctls, and the broker file's release) take
 *   grant_lock, a mutex, and change the table with the _rcu primitives
 *   (hash_add_rcu, hlist_replace_rcu, hash_del_rcu) and the value slots
 *   with rcu_replace_pointer(). Only one writer runs at a time, so a bucket
 *   is never seen half-spliced by another writer, and grant_list,
 *   grant_count and the per-selector counters are plain data under the
 *   mutex.
 * - Readers (IDGUARD_IOC_READ, any process, any number at once) take no
 *   lock: they walk the bucket of their token's hash and dereference a
 *   value slot inside one rcu_read_lock() section and copy what they need
 *   (the grant id, the value bytes) into their own buffer before leaving
 *   it. They never sleep inside the section: the caller's identity is
 *   taken before it, and copy_to_user() happens after it. The one thing a
 *   reader writes is a selector's memo of the cgroup that matched it
 *   (identity.c), a single atomic value that any reader may overwrite.
 * - A replaced or removed grant or value is freed with call_rcu(), so it
 *   stays valid until every reader that could have seen it has left its
 *   read-side section. Its callback wipes the token hash or the value
 *   (memzero_explicit, then kfree_sensitive), which kfree_rcu() could not do.
 *   A replacement (same id) with the same bucket is one
 *   hlist_replace_rcu(): a concurrent reader sees the old grant or the new
 *   one, never neither. With another bucket (another token) the new grant
 *   is added before the old one is removed; a reader looks in one bucket
 *   only, and its token is the old grant's or the new one's, so it finds
 *   its grant as it was before the replacement or after it.
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
 * - by_tag is changed under tag_lock, a spinlock, by a reader (adding the
 *   grant it just matched) or by a writer (removing a grant, with
 *   grant_lock held: grant_lock -> tag_lock). A grant is marked dead under
 *   tag_lock when it leaves the tables, and a dead grant is never added,
 *   so a grant is never in by_tag after its RCU callback is queued.
 * - Module exit: the misc device holds a module reference while any file is
 *   open, so exit runs with no broker and no reader left; it wipes again and
 *   waits for every pending callback with rcu_barrier() before the code of
 *   the callbacks goes away.
 */
/*
 * Tokens. The ABI gives the module SHA-256(token) (uapi/idguard.h), never
 * the token, so a read has to hash what it is given with SHA-256 to find
 * its grant, and SHA-256 of a 69-byte token (two blocks) is the largest
 * computation of a read. Once a read has matched a grant that way, the
 * module knows a token whose SHA-256 is the grant's, and stores in the
 * grant a tag of it: a 128-bit SipHash-2-4 (two 64-bit halves under two
 * keys) keyed with tag_key, random at module load and never leaving the
 * kernel. Every read computes the tag first (about a third of the work of
 * SHA-256 natively, bench/bench-kernel-native.c) and looks for a tagged
 * grant that matches it, its kind and its caller; only when none does, it
 * hashes with SHA-256 and walks by_hash, which decides every refusal and
 * its errno. Both compare in constant time (crypto_memneq).
 *
 * Without the key, a token with a given tag is as hard to find as a
 * collision of a 128-bit PRF under an unknown key; with the key (kernel
 * memory), a tag leads to its token no faster than the stored SHA-256
 * does: both take a guess of the token's random bits. The bucket of by_tag
 * comes from the keyed tag, so it tells nothing. How long a read takes
 * tells whether its token had been proved before, which says nothing about
 * a token the caller does not hold. The tag is wiped with the grant.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/sha2.h>
#include <linux/bits.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/rcupdate.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "grants.h"
#include "identity.h"

struct idg_grant {
	struct hlist_node hnode;	/* by_hash, walked by readers */
	struct list_head node;		/* grant_list, writers only */
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
	struct idg_cg_memo cgroup_memo;
	struct idg_cg_memo unit_memo;
	/* by_tag; tag, tagged and dead under tag_lock */
	struct hlist_node tnode;
	u64 tag[2];
	bool tagged;
	bool dead;
};

struct idg_value {
	struct rcu_head rcu;
	u32 len;
	u8 data[IDGUARD_VALUE_MAX];
};

/*
 * 1024 buckets for at most IDGUARD_GRANTS_MAX grants. The key is the first
 * four bytes of the SHA-256 of a token: the broker's tokens are random, so
 * the buckets fill evenly, and a caller who picks a token to land in a
 * given bucket only learns, from the time a read takes, whether some
 * grant's hash starts like the hash of a token it chose; the hash does not
 * lead back to a token.
 */
#define IDG_HASH_BITS	10
static DEFINE_HASHTABLE(by_hash, IDG_HASH_BITS);
static DEFINE_HASHTABLE(by_tag, IDG_HASH_BITS);
static DEFINE_SPINLOCK(tag_lock);
static siphash_key_t tag_key[2];
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
	memzero_explicit(g->tag, sizeof(g->tag));
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

/* Takes @g out of by_tag for good (grant_lock held). */
static void tag_remove(struct idg_grant *g)
{
	spin_lock(&tag_lock);
	g->dead = true;
	if (g->tagged)
		hash_del_rcu(&g->tnode);
	spin_unlock(&tag_lock);
}

/* A reader has proved a token of @g: @g joins by_tag, unless it left. */
static void tag_add(struct idg_grant *g, const u64 *tag)
{
	if (READ_ONCE(g->tagged))
		return;
	spin_lock(&tag_lock);
	if (!g->tagged && !g->dead) {
		memcpy(g->tag, tag, sizeof(g->tag));
		hash_add_rcu(by_tag, &g->tnode, tag[0]);
		WRITE_ONCE(g->tagged, true);
	}
	spin_unlock(&tag_lock);
}

static u32 hash_key(const u8 *hash)
{
	u32 key;

	memcpy(&key, hash, sizeof(key));
	return key;
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
		if (hash_min(hash_key(old->hash), IDG_HASH_BITS) ==
		    hash_min(hash_key(g->hash), IDG_HASH_BITS)) {
			hlist_replace_rcu(&old->hnode, &g->hnode);
		} else {
			hash_add_rcu(by_hash, &g->hnode, hash_key(g->hash));
			hash_del_rcu(&old->hnode);
		}
		list_replace(&old->node, &g->node);
		tag_remove(old);
		count_selector(old, -1);
		call_rcu(&old->rcu, grant_free_rcu);
	} else if (grant_count < IDGUARD_GRANTS_MAX) {
		hash_add_rcu(by_hash, &g->hnode, hash_key(g->hash));
		list_add_tail(&g->node, &grant_list);
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
	hash_del_rcu(&g->hnode);
	list_del(&g->node);
	tag_remove(g);
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

static bool selector_matches(struct idg_grant *g,
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
	    !idg_identity_in_cgroup(who, g->cgroup, &g->cgroup_memo))
		return false;
	if ((g->selector & IDGUARD_SEL_UNIT) &&
	    !idg_identity_in_unit(who, g->unit, &g->unit_memo))
		return false;
	return true;
}

static bool grant_matches(struct idg_grant *g, const struct idg_identity *who,
			  u32 kind)
{
	return (g->scopes & BIT(kind)) && selector_matches(g, who);
}

/*
 * Has @g expired? The clock is read once per read, and only for a grant
 * that can expire (*@now 0: not read yet).
 */
static bool expired(const struct idg_grant *g, u64 *now)
{
	if (!g->expires_ns)
		return false;
	if (!*now)
		*now = ktime_get_boottime_ns();
	return *now >= g->expires_ns;
}

/* A tagged grant of @kind for @who whose tag is @tag, active; or NULL. */
static struct idg_grant *find_tagged(const struct idg_identity *who, u32 kind,
				     const u64 *tag, u64 *now)
{
	struct idg_grant *g;

	hash_for_each_possible_rcu(by_tag, g, tnode, tag[0]) {
		if (crypto_memneq(g->tag, tag, sizeof(g->tag)))
			continue;
		if (!grant_matches(g, who, kind))
			continue;
		if (expired(g, now))
			continue;
		return g;
	}
	return NULL;
}

/*
 * Finds an active grant for @who, @kind and the token hash @hash. Returns
 * 0 (and the grant in @found), -EACCES or -EKEYEXPIRED. Only the grants
 * of the bucket of @hash are looked at; the hash of each is compared with
 * crypto_memneq(), in constant time.
 */
static int find_hashed(const struct idg_identity *who, u32 kind,
		       const u8 *hash, u64 *now, struct idg_grant **found)
{
	struct idg_grant *g;
	int ret = -EACCES;

	hash_for_each_possible_rcu(by_hash, g, hnode, hash_key(hash)) {
		if (!(g->scopes & BIT(kind)))
			continue;
		if (crypto_memneq(g->hash, hash, IDGUARD_HASH_LEN))
			continue;
		if (!selector_matches(g, who))
			continue;
		if (expired(g, now)) {
			ret = -EKEYEXPIRED;
			continue;
		}
		*found = g;
		return 0;
	}
	return ret;
}

/*
 * Finds an active grant for @who, @kind and @token (see "Tokens" above)
 * and copies the value of @kind into @ans. Returns 0, -EACCES,
 * -EKEYEXPIRED or -ENOENT. The caller wipes @token.
 */
int idg_grants_check(const struct idg_identity *who, u32 kind,
		     const u8 *token, u32 len, struct idg_answer *ans)
{
	u8 hash[IDGUARD_HASH_LEN];
	struct idg_grant *g;
	const struct idg_value *v;
	u64 tag[2], now = 0;
	int ret = 0;

	tag[0] = siphash(token, len, &tag_key[0]);
	tag[1] = siphash(token, len, &tag_key[1]);
	rcu_read_lock();
	g = find_tagged(who, kind, tag, &now);
	if (!g) {
		sha256(token, len, hash);
		ret = find_hashed(who, kind, hash, &now, &g);
		memzero_explicit(hash, sizeof(hash));
		if (!ret)
			tag_add(g, tag);
	}
	if (!ret) {
		ans->grant_id = g->id;
		v = rcu_dereference(values[kind]);
		if (v) {
			ans->len = v->len;
			memcpy(ans->value, v->data, v->len);
		} else {
			ret = -ENOENT;
		}
	}
	rcu_read_unlock();
	memzero_explicit(tag, sizeof(tag));
	return ret;
}

void idg_grants_init(void)
{
	get_random_bytes(tag_key, sizeof(tag_key));
}

void idg_grants_exit(void)
{
	idg_grants_wipe();
	rcu_barrier();
	memzero_explicit(tag_key, sizeof(tag_key));
}
