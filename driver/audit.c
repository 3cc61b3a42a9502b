// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit event queue: a ring of IDGUARD_EVENTS_MAX fixed-size records
 * that client reads fill and the broker drains with read()/poll(). When the
 * ring is full an event is dropped and counted; the next record queued
 * carries the count. Events hold no identifier and no token. The ring only
 * fills while a broker holds the channel and is emptied when it lets go.
 * audit_lock is a leaf spinlock: nothing else is taken under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/spinlock.h>
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

void idg_audit_push(struct idguard_event *ev)
{
	bool queued = false;

	ev->size = sizeof(*ev);
	spin_lock(&audit_lock);
	if (!audit_on) {
		/* No broker to tell. */
	} else if (ring_len == IDGUARD_EVENTS_MAX) {
		pending_dropped++;
		total_dropped++;
	} else {
		ev->dropped = pending_dropped;
		pending_dropped = 0;
		ring[(ring_head + ring_len) % IDGUARD_EVENTS_MAX] = *ev;
		ring_len++;
		queued = true;
	}
	spin_unlock(&audit_lock);
	if (queued)
		wake_up_interruptible(&audit_wait);
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
