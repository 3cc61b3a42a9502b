/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel ABI, from the module's own header (driver/uapi/idguard.h). */
#ifndef IDGUARD_UAPI_H
#define IDGUARD_UAPI_H
#include "../../driver/uapi/idguard.h"
#endif
