/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef IDG_READ_H
#define IDG_READ_H

long idg_read_ioctl(void __user *uarg);

#endif
