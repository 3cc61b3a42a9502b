/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libidguard's side of the fast path on the broker's peer-to-peer socket
 * (frames of idg-api-frame.h). Not installed.
 */
#ifndef IDGUARD_FAST_H
#define IDGUARD_FAST_H

#include <glib.h>

/* One call on the process's connection to the broker's socket at path
 * (made, or made again, as needed). params is consumed.
 * Returns IDGUARD_OK with *reply of reply_type; or 1 when the broker
 * answered with an error: *error_name (to g_free) and *reply of type "(s)"
 * (its message); or a negative IDGUARD_E_* code when the broker could not
 * be asked (the thread's last message says why). */
int idguard_fast_call (const char         *path,
                       const char         *method,
                       GVariant           *params,
                       const GVariantType *reply_type,
                       GVariant          **reply,
                       gchar             **error_name);

#endif
