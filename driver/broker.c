// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/idguard and its broker channel. Any process may open the device and
 * read identifiers (read.c); one file at a time, claimed by a task with
 * CAP_SYS_ADMIN in the initial user namespace, is the broker: it pushes
 * identifiers and grants, revokes, wipes and drains the audit queue. When
 * that file is released, everything it pushed is wiped (fail closed).
 *
 * broker_lock (a mutex) guards `holder`; it is taken
 * before grant_lock (grants.c) and never under a spinlock or RCU section.
 * Readers only look at `holder` with READ_ONCE(): a read racing with the
 * release sees the broker present and then finds the grants gone, or sees
 * it absent; both refuse.
 *
 * The misc device's fops carry THIS_MODULE as owner, so every open file
 * pins the module: rmmod fails with EBUSY until the last file is closed,
 * and module exit never runs under an open file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "audit.h"
#include "broker.h"
#include "grants.h"
#include "read.h"
#include "uapi/idguard.h"

static DEFINE_MUTEX(broker_lock);
static struct file *holder;

/*
 * IDGUARD_IOC_GRANT_ADD of ABI version 1 (struct idguard_grant with
 * char exe[256], 840 bytes): refused with EPROTONOSUPPORT.
 */
#define IDGUARD_IOC_GRANT_ADD_V1 _IOC(_IOC_WRITE, IDGUARD_IOC_MAGIC, 0x12, 840)

bool idg_broker_present(void)
{
	return READ_ONCE(holder) != NULL;
}

static int copy_sized(void *dst, const void __user *src, size_t size)
{
	if (copy_from_user(dst, src, size))
		return -EFAULT;
	if (*(u32 *)dst != size)
		return -EINVAL;
	return 0;
}

static long do_info(void __user *uarg)
{
	struct idguard_info info = { };
	u32 size;

	if (get_user(size, (u32 __user *)uarg))
		return -EFAULT;
	if (size != sizeof(info))
		return -EINVAL;
	info.size = sizeof(info);
	info.abi_version = IDGUARD_ABI_VERSION;
	info.flags = idg_broker_present() ? IDGUARD_INFO_BROKER : 0;
	info.grants = idg_grants_count();
	info.events_dropped = idg_audit_dropped();
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long do_claim(struct file *file, void __user *uarg)
{
	struct idguard_claim claim;
	long ret;

	ret = copy_sized(&claim, uarg, sizeof(claim));
	if (ret)
		return ret;
	if (claim.flags)
		return -EINVAL;
	if (claim.abi_version != IDGUARD_ABI_VERSION)
		return -EPROTONOSUPPORT;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	mutex_lock(&broker_lock);
	if (holder) {
		ret = -EBUSY;
	} else {
		idg_audit_enable(true);
		WRITE_ONCE(holder, file);
	}
	mutex_unlock(&broker_lock);
	return ret;
}

/* Broker commands: the argument is checked, then the caller's file. */
static long do_broker(struct file *file, unsigned int cmd, void __user *uarg)
{
	union {
		struct idguard_ident ident;
		struct idguard_grant grant;
		struct idguard_revoke revoke;
	} *arg;
	long ret = 0;

	arg = kzalloc(sizeof(*arg), GFP_KERNEL);
	if (!arg)
		return -ENOMEM;
	if (cmd != IDGUARD_IOC_WIPE)
		ret = copy_sized(arg, uarg, _IOC_SIZE(cmd));
	if (ret)
		goto out;

	mutex_lock(&broker_lock);
	if (holder != file) {
		ret = -EPERM;
	} else if (cmd == IDGUARD_IOC_SET_IDENT) {
		ret = arg->ident.reserved ? -EINVAL :
		      idg_grants_set_value(arg->ident.kind, arg->ident.value,
					   arg->ident.value_len);
	} else if (cmd == IDGUARD_IOC_GRANT_ADD) {
		ret = idg_grants_add(&arg->grant);
	} else if (cmd == IDGUARD_IOC_GRANT_REVOKE) {
		ret = arg->revoke.reserved ? -EINVAL :
		      idg_grants_revoke(arg->revoke.id);
	} else {
		idg_grants_wipe();
	}
	mutex_unlock(&broker_lock);
out:
	kfree_sensitive(arg);
	return ret;
}

static const unsigned int commands[] = {
	IDGUARD_IOC_INFO, IDGUARD_IOC_READ, IDGUARD_IOC_BROKER_CLAIM,
	IDGUARD_IOC_SET_IDENT, IDGUARD_IOC_GRANT_ADD, IDGUARD_IOC_GRANT_REVOKE,
	IDGUARD_IOC_WIPE,
};

static long idg_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	unsigned int i;

	if (_IOC_TYPE(cmd) != IDGUARD_IOC_MAGIC)
		return -ENOTTY;
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (_IOC_NR(cmd) == _IOC_NR(commands[i]))
			break;
	if (i == ARRAY_SIZE(commands))
		return -ENOTTY;
	if (cmd == IDGUARD_IOC_GRANT_ADD_V1)
		return -EPROTONOSUPPORT;
	/* A known command with another size or direction. */
	if (cmd != commands[i])
		return -EINVAL;

	switch (cmd) {
	case IDGUARD_IOC_INFO:
		return do_info(uarg);
	case IDGUARD_IOC_READ:
		return idg_read_ioctl(uarg);
	case IDGUARD_IOC_BROKER_CLAIM:
		return do_claim(file, uarg);
	default:
		return do_broker(file, cmd, uarg);
	}
}

static bool is_holder(struct file *file)
{
	return READ_ONCE(holder) == file;
}

static ssize_t idg_read(struct file *file, char __user *buf, size_t count,
			loff_t *ppos)
{
	if (!is_holder(file))
		return -EPERM;
	return idg_audit_read(buf, count, file->f_flags & O_NONBLOCK);
}

static __poll_t idg_poll(struct file *file, poll_table *wait)
{
	if (!is_holder(file))
		return EPOLLERR;
	return idg_audit_poll(file, wait);
}

static int idg_release(struct inode *inode, struct file *file)
{
	mutex_lock(&broker_lock);
	if (holder == file) {
		WRITE_ONCE(holder, NULL);
		idg_grants_wipe();
		idg_audit_enable(false);
	}
	mutex_unlock(&broker_lock);
	return 0;
}

static const struct file_operations idg_fops = {
	.owner = THIS_MODULE,
	.read = idg_read,
	.poll = idg_poll,
	.unlocked_ioctl = idg_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = idg_release,
	.llseek = noop_llseek,
};

static struct miscdevice idg_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = IDGUARD_DEVICE_NAME,
	.fops = &idg_fops,
	.mode = 0666,
};

int idg_broker_init(void)
{
	return misc_register(&idg_misc);
}

void idg_broker_exit(void)
{
	misc_deregister(&idg_misc);
}
