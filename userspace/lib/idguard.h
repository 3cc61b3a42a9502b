/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libidguard: read a modem identifier (IMEI, IMSI, ICCID, ...) with the
 * consent of the device's user, through idguard.
 *
 * Small, synchronous, thread-safe, no GLib in this header. Every function
 * returns IDGUARD_OK (0) or one of the negative IDGUARD_E_* codes below;
 * idguard_strerror() names them. The same call gives the same result and the
 * same code whichever way it goes:
 *
 *   - /dev/idguard (the idguard kernel module), when present and neither
 *     $IDGUARD_SOCKET nor $IDGUARD_TRANSPORT=broker asks for the broker;
 *   - else the broker's peer-to-peer socket: $IDGUARD_SOCKET, or
 *     /run/idguard/api.sock when it exists;
 *   - else the broker on the D-Bus system bus (org.idguard.Broker1).
 *
 * In a setuid, setgid or file-capability process (secure execution) both
 * variables are ignored: the environment then belongs to whoever started
 * the process, and must not choose where the token goes.
 *
 * Tokens are secrets: pass them from a file or a credential store, never on
 * a command line. The library never logs them.
 *
 * A typical service:
 *
 *     char req[64], grant[64], token[128], imei[64];
 *     idguard_request ("imei", "activation with the carrier", req, sizeof req);
 *     ... later, after the user approved ...
 *     if (idguard_claim (req, grant, sizeof grant, token, sizeof token) == 0)
 *       store token safely;
 *     if (idguard_get ("imei", token, imei, sizeof imei) == 0)
 *       use imei;
 */
#ifndef IDGUARD_H
#define IDGUARD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IDGUARD_OK                 0
#define IDGUARD_E_REFUSED        (-1)  /* no consent: no active grant for this
                                        * caller and kind, wrong/expired/revoked
                                        * token, request denied or claimed */
#define IDGUARD_E_NOT_AUTHORIZED (-2)  /* the caller may not do this */
#define IDGUARD_E_INVALID        (-3)  /* malformed argument: unknown kind,
                                        * bad scope list, empty purpose */
#define IDGUARD_E_UNAVAILABLE    (-4)  /* the identifier is not known right now
                                        * (no modem, no SIM) */
#define IDGUARD_E_NOT_FOUND      (-5)  /* no such request */
#define IDGUARD_E_PENDING        (-6)  /* the request is not decided yet */
#define IDGUARD_E_NO_BROKER      (-7)  /* neither /dev/idguard nor the broker
                                        * can be reached */
#define IDGUARD_E_RANGE          (-8)  /* an output buffer is too small */
#define IDGUARD_E_PROTOCOL       (-9)  /* unexpected answer from the broker */

/* Longest values, with their terminating NUL: an identifier fits in
 * IDGUARD_VALUE_MAX, a token in IDGUARD_TOKEN_MAX, a grant or request id in
 * IDGUARD_ID_MAX. */
#define IDGUARD_VALUE_MAX  64
#define IDGUARD_TOKEN_MAX 128
#define IDGUARD_ID_MAX     64

/* Reads one identifier. kind: "imei", "imeisv", "esn", "meid", "imsi",
 * "iccid", "eid" or "msisdn". token: the grant's token. out gets the value,
 * NUL-terminated (out_len >= IDGUARD_VALUE_MAX always suffices). */
int idguard_get (const char *kind,
                 const char *token,
                 char       *out,
                 size_t      out_len);

/* Asks for consent: scopes is a comma-separated list of kinds (or "all"),
 * purpose is shown to the user. request_id gets the id to claim with. */
int idguard_request (const char *scopes,
                     const char *purpose,
                     char       *request_id,
                     size_t      request_id_len);

/* Once the request is approved, the requester (the same identity: uid and
 * service or executable) claims the grant's token, once.
 * IDGUARD_E_PENDING while nobody decided. */
int idguard_claim (const char *request_id,
                   char       *grant_id,
                   size_t      grant_id_len,
                   char       *token,
                   size_t      token_len);

/* A static English message for a code ("no consent", ...). */
const char *idguard_strerror (int code);

/* The last error's message from the broker or the kernel for this thread
 * (never holds an identifier or a token), or "" if none. */
const char *idguard_last_message (void);

#ifdef __cplusplus
}
#endif

#endif
