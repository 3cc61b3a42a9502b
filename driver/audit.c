// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit event queue: a ring of IDGUARD_EVENTS_MAX fixed-size records
 * that client reads fill and the broker drains with read()/poll(). Events
 * hold no identifier and no token. The ring only fills while a broker holds
 * the channel and is emptied when it lets go. audit_lock is a leaf
 * spinlock: nothing else is taken under it.
 *
 * What an unprivileged flood cannot do (the rules are in uapi/idguard.h):
 * - fill the ring: an event still queued absorbs later ones with its key
 *   (a refusal's is uid, kind, error), so one uid holds at most a few
 *   records however fast it reads; rate-limited reads are counted in
 *   ratelimit.c and arrive as one event a second;
 * - push a release out: refusals may use IDGUARD_EVENTS_MAX -
 *   IDGUARD_EVENTS_RESERVED slots; past that they are dropped and counted.
 *   A release with no slot at all is not given (ENOBUFS, read.c).
 * Coalescing scans the queued records, at most IDGUARD_EVENTS_MAX of them
 * and in practice a handful (the broker drains the ring on every wakeup).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/limits.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "audit.h"
#include "uapi/idguard.h"

static DEFINE_SPINLOCK(audit_lock);
static DECLARE_WAIT_QUEUE_HEAD(audit_wait);
static struct idguard_event *ring;
static unsigned int ring_head, ring_len;
static bool audit_on;
static u32 pending_dropped;
static u64 total_dropped;

int idg_audit_init(void)
{
	ring = kcalloc(IDGUARD_EVENTS_MAX, sizeof(*ring), GFP_KERNEL);
	return ring ? 0 : -ENOMEM;
}

void idg_audit_exit(void)
{
	kfree(ring);
	ring = NULL;
}

void idg_audit_enable(bool on)
{
	spin_lock(&audit_lock);
	audit_on = on;
	ring_head = 0;
	ring_len = 0;
	pending_dropped = 0;
	spin_unlock(&audit_lock);
	wake_up_interruptible(&audit_wait);
}

static bool same_key(const struct idguard_event *a,
		     const struct idguard_event *b)
{
	if (a->uid != b->uid || a->kind != b->kind ||
	    a->decision != b->decision || a->error != b->error)
		return false;
	if (a->decision != IDGUARD_DECISION_RELEASE)
		return true;
	return a->gid == b->gid && a->pid == b->pid &&
	       a->grant_id == b->grant_id && a->flags == b->flags &&
	       a->exe_dev == b->exe_dev && a->exe_ino == b->exe_ino &&
	       a->cgroup_id == b->cgroup_id;
}

/* A queued event with the key of @ev, or NULL. */
static struct idguard_event *find_queued(const struct idguard_event *ev)
{
	struct idguard_event *q;
	unsigned int i;

	for (i = 0; i < ring_len; i++) {
		q = &ring[(ring_head + i) % IDGUARD_EVENTS_MAX];
		if (same_key(q, ev))
			return q;
	}
	return NULL;
}

/*
 * Queues @ev (its count already set, >= 1) or adds it to a queued event
 * with its key. Returns 0, or -ENOBUFS for a release that found no room
 * (the caller must not give the value). A refusal with no room is dropped
 * and counted; that returns 0.
 */
int idg_audit_push(struct idguard_event *ev)
{
	unsigned int room = IDGUARD_EVENTS_MAX;
	struct idguard_event *q;
	bool queued = false;
	int ret = 0;

	ev->size = sizeof(*ev);
	if (ev->decision != IDGUARD_DECISION_RELEASE)
		room -= IDGUARD_EVENTS_RESERVED;
	spin_lock(&audit_lock);
	q = audit_on ? find_queued(ev) : NULL;
	if (!audit_on) {
		/* No broker to tell. */
	} else if (q) {
		q->count = q->count > U32_MAX - ev->count ? U32_MAX :
			   q->count + ev->count;
	} else if (ring_len >= room) {
		if (ev->decision == IDGUARD_DECISION_RELEASE) {
			ret = -ENOBUFS;
		} else {
			pending_dropped++;
			total_dropped++;
		}
	} else {
		ev->dropped = pending_dropped;
		pending_dropped = 0;
		/* Read here, once per record: a clock read may be slow. */
		ev->time_ns = ktime_get_real_ns();
		ring[(ring_head + ring_len) % IDGUARD_EVENTS_MAX] = *ev;
		ring_len++;
		queued = true;
	}
	spin_unlock(&audit_lock);
	if (queued)
		wake_up_interruptible(&audit_wait);
	return ret;
}

static bool pop(struct idguard_event *ev)
{
	bool got = false;

	spin_lock(&audit_lock);
	if (ring_len) {
		*ev = ring[ring_head];
		ring_head = (ring_head + 1) % IDGUARD_EVENTS_MAX;
		ring_len--;
		got = true;
	}
	spin_unlock(&audit_lock);
	return got;
}

static bool have_events(void)
{
	return READ_ONCE(ring_len) != 0;
}

ssize_t idg_audit_read(char __user *buf, size_t count, bool nonblock)
{
	struct idguard_event ev;
	size_t done = 0;
	int ret;

	if (count < sizeof(ev))
		return -EINVAL;
	while (!have_events()) {
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(audit_wait, have_events());
		if (ret)
			return ret;
	}
	while (count - done >= sizeof(ev) && pop(&ev)) {
		if (copy_to_user(buf + done, &ev, sizeof(ev)))
			return done ? done : -EFAULT;
		done += sizeof(ev);
	}
	return done;
}

__poll_t idg_audit_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &audit_wait, wait);
	return have_events() ? EPOLLIN | EPOLLRDNORM : 0;
}

u64 idg_audit_dropped(void)
{
	u64 n;

	spin_lock(&audit_lock);
	n = total_dropped;
	spin_unlock(&audit_lock);
	return n;
}
