/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef IDG_GRANTS_H
#define IDG_GRANTS_H

#include <linux/types.h>

#include "uapi/idguard.h"

struct idg_identity;

struct idg_answer {
	u64 grant_id;
	u32 len;
	u8 value[IDGUARD_VALUE_MAX];
};

int idg_grants_add(const struct idguard_grant *in);
int idg_grants_revoke(u64 id);
int idg_grants_set_value(u32 kind, const u8 *value, u32 len);
void idg_grants_wipe(void);
u32 idg_grants_needs(void);
u32 idg_grants_count(void);
int idg_grants_check(const struct idg_identity *who, u32 kind,
		     const u8 *token, u32 len, struct idg_answer *ans);
void idg_grants_init(void);
void idg_grants_exit(void);

#endif
