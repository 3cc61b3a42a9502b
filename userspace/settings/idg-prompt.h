/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The consent prompt: one window per pending request. It says who asks
 * (the service, its program, the user it runs as), for which identifiers
 * and why (the service's own purpose text), and offers Allow once, Allow
 * for a period, Always allow and Deny. The token Approve returns is wiped
 * unread: only the requester claims one.
 */
#ifndef IDG_PROMPT_H
#define IDG_PROMPT_H

#include <adwaita.h>
#include "idg-settings-app.h"

G_BEGIN_DECLS

#define IDG_TYPE_PROMPT (idg_prompt_get_type ())
G_DECLARE_FINAL_TYPE (IdgPrompt, idg_prompt, IDG, PROMPT, AdwWindow)

/* "Allow once": the grant lasts this long, enough for the service to claim
 * its token and read (docs/settings.md) */
#define IDG_PROMPT_ONCE_SECONDS (5 * 60)

/* request: a{sv} as ListRequests gives it (id, requester, selector, scopes,
 * purpose, created), or as far as RequestPending tells */
IdgPrompt   *idg_prompt_new      (IdgSettingsApp *app,
                                  GVariant       *request);
const gchar *idg_prompt_get_id   (IdgPrompt *prompt);
/* the request is no longer pending (timed out, withdrawn, decided
 * elsewhere): close */
void         idg_prompt_withdraw (IdgPrompt *prompt);

/* Signal "dismissed": closed by the person without an answer. */

G_END_DECLS

#endif
