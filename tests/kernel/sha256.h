/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 (FIPS 180-4) for the static test programs of the VM. */
#ifndef IDG_KTEST_SHA256_H
#define IDG_KTEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

void ktest_sha256 (const void *data, size_t len, uint8_t out[32]);

#endif
