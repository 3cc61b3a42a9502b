/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libidguard's inside: the transports (kernel device, broker API) and the
 * per-thread last message. Not installed.
 */
#ifndef IDGUARD_PRIVATE_H
#define IDGUARD_PRIVATE_H

#include <stddef.h>
#include "idguard.h"

#define IDGUARD_EXPORT __attribute__ ((visibility ("default")))

/* Sets this thread's last message (printf-style); "" clears it. */
void idguard_set_message (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Copies src into out (NUL-terminated); IDGUARD_E_RANGE if it does not fit. */
int  idguard_copy_out    (const char *src, char *out, size_t out_len);

/* Wipes len bytes so that the compiler keeps the stores. */
void idguard_wipe        (void *data, size_t len);

/* getenv, but NULL in secure-execution mode (setuid, setgid, capabilities). */
const char *idguard_env (const char *name);

/* TRUE if the calls should go to /dev/idguard. */
int  idguard_use_kernel  (void);

/* The broker's API (peer-to-peer socket or system bus). */
int idguard_broker_get     (const char *kind, const char *token,
                            char *out, size_t out_len);
int idguard_broker_request (const char *scopes, const char *purpose,
                            char *request_id, size_t request_id_len);
int idguard_broker_claim   (const char *request_id,
                            char *grant_id, size_t grant_id_len,
                            char *token, size_t token_len);

/* /dev/idguard; IDGUARD_E_NO_BROKER when the device cannot be used. */
int idguard_kernel_get     (const char *kind, const char *token,
                            char *out, size_t out_len);

#endif
