/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef IDG_RATELIMIT_H
#define IDG_RATELIMIT_H

#include <linux/types.h>

bool idg_ratelimit_allow(u32 uid, u32 *report);
void idg_ratelimit_charge(u32 uid);

#endif
