// SPDX-License-Identifier: GPL-2.0-only
/*
 * IDGUARD_IOC_READ: a client presents an identifier kind and its token; the
 * value comes back if a grant matches the caller at this instant. The order
 * of the checks and every errno are specified in uapi/idguard.h. The token
 * is matched (grants.c, "Tokens") and wiped; the value is copied out of
 * the RCU section into a local buffer that is wiped before returning. The
 * caller's cgroup is held only when a loaded grant uses it; a grant that
 * starts to need it after that check does not match this read (fail
 * closed). Nothing is allocated per read. A release is queued as an audit
 * event before the value is copied out; when it cannot be, the value is
 * not given (ENOBUFS).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "audit.h"
#include "broker.h"
#include "grants.h"
#include "identity.h"
#include "ratelimit.h"
#include "read.h"
#include "uapi/idguard.h"

#define OUT_OFFSET offsetof(struct idguard_read, value_len)

static int check_request(const struct idguard_read *req)
{
	if (req->size != sizeof(*req) || req->flags || req->reserved ||
	    req->kind >= IDGUARD_KIND_COUNT || !req->token_len ||
	    req->token_len > IDGUARD_TOKEN_MAX)
		return -EINVAL;
	return 0;
}

/* Queues the event of a read (@count reads); see idg_audit_push(). */
static int audit(const struct idg_identity *who, u32 kind, u64 grant_id,
		 int err, u32 count)
{
	struct idguard_event ev = {
		.kind = kind,
		.grant_id = err ? 0 : grant_id,
		.uid = who->uid,
		.gid = who->gid,
		.pid = who->pid,
		.decision = err ? IDGUARD_DECISION_REFUSE :
				  IDGUARD_DECISION_RELEASE,
		.error = -err,
		.count = count,
		.flags = who->exe ? IDGUARD_EVENT_EXE_KNOWN : 0,
		.exe_dev = who->exe_dev,
		.exe_ino = who->exe_ino,
		.cgroup_id = who->cgroup_id,
	};

	return idg_audit_push(&ev);
}

static int decide(struct idguard_read *req, struct idg_identity *who,
		  struct idg_answer *ans)
{
	u32 limited;
	bool allowed;
	int ret;

	allowed = idg_ratelimit_allow(who->uid, &limited);
	/* Rate-limited reads: one event for many, never one each. */
	if (limited && idg_broker_present())
		audit(who, req->kind, 0, -EAGAIN, limited);
	if (!allowed)
		return -EAGAIN;
	if (!idg_broker_present())
		return -EHOSTDOWN;
	idg_identity_resolve(who, idg_grants_needs());
	ret = idg_grants_check(who, req->kind, req->token, req->token_len, ans);
	memzero_explicit(req->token, sizeof(req->token));
	if (ret == -EACCES || ret == -EKEYEXPIRED)
		idg_ratelimit_charge(who->uid);
	return ret;
}

long idg_read_ioctl(void __user *uarg)
{
	struct idguard_read req;
	struct idg_identity who;
	struct idg_answer ans = { };
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	ret = check_request(&req);
	if (ret)
		goto out;

	/* Credentials first: the rate limit and the audit need them. */
	idg_identity_get(&who);
	ret = decide(&req, &who, &ans);
	if (ret == 0)
		ret = audit(&who, req.kind, ans.grant_id, 0, 1);
	else if (ret != -EHOSTDOWN && ret != -EAGAIN)
		audit(&who, req.kind, 0, ret, 1);
	idg_identity_put(&who);
	if (ret)
		goto out;

	req.value_len = ans.len;
	memcpy(req.value, ans.value, ans.len);
	memset(req.value + ans.len, 0, sizeof(req.value) - ans.len);
	req.grant_id = ans.grant_id;
	/* Only the output fields: the caller's token is left as it was. */
	if (copy_to_user(uarg + OUT_OFFSET, (u8 *)&req + OUT_OFFSET,
			 sizeof(req) - OUT_OFFSET))
		ret = -EFAULT;
out:
	memzero_explicit(&ans, sizeof(ans));
	memzero_explicit(&req, sizeof(req));
	return ret;
}
