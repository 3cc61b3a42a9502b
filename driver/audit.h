/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef IDG_AUDIT_H
#define IDG_AUDIT_H

#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/types.h>

struct idguard_event;

int idg_audit_init(void);
void idg_audit_exit(void);
void idg_audit_enable(bool on);
int idg_audit_push(struct idguard_event *ev);
ssize_t idg_audit_read(char __user *buf, size_t count, bool nonblock);
__poll_t idg_audit_poll(struct file *file, poll_table *wait);
u64 idg_audit_dropped(void);

#endif
