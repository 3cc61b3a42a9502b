// SPDX-License-Identifier: GPL-2.0-only
/*
 * Refused reads are rate limited per caller uid with a token bucket:
 * ratelimit_burst refusals at once, then one more per ratelimit_interval_ms.
 * While a uid's bucket is empty every read of that uid is refused with
 * EAGAIN, so a right guess of a token is worth nothing to a brute force.
 * Successful reads cost nothing.
 *
 * A rate-limited read queues no audit event of its own: the bucket counts
 * it, and the count is handed back for one event at most once a second
 * while the uid stays limited, or with its next allowed read.
 *
 * The buckets live in a small open-addressed table (no allocation on the
 * read path). A uid looks in RL_PROBE slots from its hash; when none is its
 * own, it takes the slot that has refilled most, which is the one whose loss
 * forgives the least. rl_lock is a leaf spinlock.
 *
 * Time is the jiffies clock (a tick is at most 10 ms, against an interval
 * of 200 ms by default): it costs no clock read on the read path, where
 * the clock source may be slow (an HPET read is a device access, and in a
 * VM an exit).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/limits.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/spinlock.h>

#include "ratelimit.h"

#define RL_BITS		8
#define RL_SLOTS	(1U << RL_BITS)
#define RL_PROBE	8

static unsigned int ratelimit_burst = 10;
module_param(ratelimit_burst, uint, 0444);
MODULE_PARM_DESC(ratelimit_burst, "Refused reads a uid may make at once");

static unsigned int ratelimit_interval_ms = 200;
module_param(ratelimit_interval_ms, uint, 0444);
MODULE_PARM_DESC(ratelimit_interval_ms,
		 "Milliseconds for a uid to earn one more refused read");

struct bucket {
	u32 uid;
	bool used;
	u32 tokens;
	u32 limited;	/* rate-limited reads not reported yet */
	u64 stamp;
	u64 reported;	/* when `limited` was last handed back */
};

static struct bucket table[RL_SLOTS];
static DEFINE_SPINLOCK(rl_lock);

static u32 burst(void)
{
	return max(READ_ONCE(ratelimit_burst), 1U);
}

static void refill(struct bucket *b, u64 now)
{
	u64 step = (u64)max(ratelimit_interval_ms, 1U) * NSEC_PER_MSEC;
	u64 earned;

	if (now <= b->stamp)
		return;
	earned = div64_u64(now - b->stamp, step);
	if (b->tokens + earned >= burst()) {
		b->tokens = burst();
		b->stamp = now;
	} else {
		b->tokens += earned;
		b->stamp += earned * step;
	}
}

static struct bucket *lookup(u32 uid, u64 now)
{
	u32 h = hash_32(uid, RL_BITS);
	struct bucket *b, *victim = NULL;
	unsigned int i;

	for (i = 0; i < RL_PROBE; i++) {
		b = &table[(h + i) % RL_SLOTS];
		if (b->used && b->uid == uid) {
			refill(b, now);
			return b;
		}
		if (!b->used) {
			if (!victim || victim->used)
				victim = b;
			continue;
		}
		refill(b, now);
		if (!victim || (victim->used && b->tokens > victim->tokens))
			victim = b;
	}
	victim->used = true;
	victim->uid = uid;
	victim->tokens = burst();
	victim->limited = 0;
	victim->stamp = now;
	victim->reported = now;
	return victim;
}

/*
 * True if @uid may read now. *@report is the number of this uid's
 * rate-limited reads to put in one audit event now (0: none yet).
 */
static u64 rl_now(void)
{
	return jiffies64_to_nsecs(get_jiffies_64());
}

bool idg_ratelimit_allow(u32 uid, u32 *report)
{
	u64 now = rl_now();
	struct bucket *b;
	bool ok;

	*report = 0;
	spin_lock(&rl_lock);
	b = lookup(uid, now);
	ok = b->tokens > 0;
	if (!ok && b->limited < U32_MAX)
		b->limited++;
	if (b->limited && (ok || now - b->reported >= NSEC_PER_SEC)) {
		*report = b->limited;
		b->limited = 0;
		b->reported = now;
	}
	spin_unlock(&rl_lock);
	return ok;
}

void idg_ratelimit_charge(u32 uid)
{
	struct bucket *b;

	spin_lock(&rl_lock);
	b = lookup(uid, rl_now());
	if (b->tokens)
		b->tokens--;
	spin_unlock(&rl_lock);
}
