// SPDX-License-Identifier: GPL-2.0-only
/*
 * idguard: identifiers of the cellular modem, released by the kernel to the
 * processes a consent grant names. See uapi/idguard.h for the ABI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/init.h>
#include <linux/module.h>

#include "audit.h"
#include "broker.h"
#include "grants.h"
#include "uapi/idguard.h"

static_assert(sizeof(struct idguard_info) == 24);
static_assert(sizeof(struct idguard_read) == 224);
static_assert(sizeof(struct idguard_claim) == 16);
static_assert(sizeof(struct idguard_ident) == 80);
static_assert(sizeof(struct idguard_grant) == 584);
static_assert(sizeof(struct idguard_revoke) == 16);
static_assert(sizeof(struct idguard_event) == 80);

static int __init idg_mod_init(void)
{
	int ret;

	idg_grants_init();
	ret = idg_audit_init();
	if (ret)
		goto err_audit;
	ret = idg_broker_init();
	if (ret)
		goto err_broker;
	pr_info("ABI %d ready\n", IDGUARD_ABI_VERSION);
	return 0;

err_broker:
	idg_audit_exit();
err_audit:
	return ret;
}

static void __exit idg_mod_exit(void)
{
	idg_broker_exit();
	idg_grants_exit();
	idg_audit_exit();
}

module_init(idg_mod_init);
module_exit(idg_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("idguard: consent-gated modem identifiers");
MODULE_AUTHOR("idguard authors");
