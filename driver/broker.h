/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef IDG_BROKER_H
#define IDG_BROKER_H

#include <linux/types.h>

int idg_broker_init(void);
void idg_broker_exit(void);
bool idg_broker_present(void);

#endif
