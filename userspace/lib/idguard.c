/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The public entry points: argument checks, then the transport. Reads go to
 * /dev/idguard when the module is there (identity attested by the kernel at
 * the instant of the call); requests and claims always go to the broker,
 * which holds the consent store.
 */
#include "idguard-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static __thread char last_message[256];

void
idguard_set_message (const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (last_message, sizeof last_message, fmt, ap);
  va_end (ap);
}

IDGUARD_EXPORT const char *
idguard_last_message (void)
{
  return last_message;
}

void
idguard_wipe (void *data, size_t len)
{
  if (data && len)
    explicit_bzero (data, len);
}

int
idguard_copy_out (const char *src, char *out, size_t out_len)
{
  size_t n = strlen (src);

  if (n + 1 > out_len) {
    idguard_wipe (out, out_len);
    idguard_set_message ("output buffer too small (%zu bytes needed)", n + 1);
    return IDGUARD_E_RANGE;
  }
  memcpy (out, src, n + 1);
  return IDGUARD_OK;
}

/* secure_getenv: in a setuid, setgid or file-capability process (AT_SECURE)
 * the environment belongs to the unprivileged user who started it, who
 * could otherwise point the library at a broker of their own and receive
 * the service's token. Such processes use the default socket, the system
 * bus or /dev/idguard only. */
const char *
idguard_env (const char *name)
{
  return secure_getenv (name);
}

int
idguard_use_kernel (void)
{
#ifdef IDGUARD_HAVE_KERNEL
  const char *transport = idguard_env ("IDGUARD_TRANSPORT");
  const char *sock = idguard_env ("IDGUARD_SOCKET");

  if (transport && strcmp (transport, "broker") == 0)
    return 0;
  if (transport && strcmp (transport, "kernel") == 0)
    return 1;
  if (sock && *sock)
    return 0;
  return access ("/dev/idguard", F_OK) == 0;
#else
  return 0;   /* built without the kernel ABI header */
#endif
}

static int
check_text (const char *what, const char *s, size_t max)
{
  if (!s || !*s) {
    idguard_set_message ("%s is empty", what);
    return IDGUARD_E_INVALID;
  }
  if (strnlen (s, max + 1) > max) {
    idguard_set_message ("%s is longer than %zu bytes", what, max);
    return IDGUARD_E_INVALID;
  }
  return IDGUARD_OK;
}

static int
check_out (char *out, size_t out_len)
{
  if (!out || out_len == 0) {
    idguard_set_message ("no output buffer");
    return IDGUARD_E_RANGE;
  }
  out[0] = '\0';
  return IDGUARD_OK;
}

IDGUARD_EXPORT int
idguard_get (const char *kind, const char *token, char *out, size_t out_len)
{
  int rc;

  idguard_set_message ("%s", "");
  if ((rc = check_out (out, out_len)) < 0 ||
      (rc = check_text ("kind", kind, 32)) < 0 ||
      (rc = check_text ("token", token, IDGUARD_TOKEN_MAX - 1)) < 0)
    return rc;
#ifdef IDGUARD_HAVE_KERNEL
  if (idguard_use_kernel ()) {
    const char *transport = idguard_env ("IDGUARD_TRANSPORT");

    rc = idguard_kernel_get (kind, token, out, out_len);
    /* A refusal is an answer; only a module without a broker attached
     * (or a device that cannot be opened) sends the read to the broker's
     * API, which applies the same policy. */
    if (rc != IDGUARD_E_NO_BROKER || (transport && strcmp (transport, "kernel") == 0))
      return rc;
  }
#endif
  return idguard_broker_get (kind, token, out, out_len);
}

IDGUARD_EXPORT int
idguard_request (const char *scopes, const char *purpose,
                 char *request_id, size_t request_id_len)
{
  int rc;

  idguard_set_message ("%s", "");
  if ((rc = check_out (request_id, request_id_len)) < 0 ||
      (rc = check_text ("scopes", scopes, 256)) < 0 ||
      (rc = check_text ("purpose", purpose, 256)) < 0)
    return rc;
  return idguard_broker_request (scopes, purpose, request_id, request_id_len);
}

IDGUARD_EXPORT int
idguard_claim (const char *request_id,
               char *grant_id, size_t grant_id_len,
               char *token, size_t token_len)
{
  int rc;

  idguard_set_message ("%s", "");
  if ((rc = check_out (grant_id, grant_id_len)) < 0 ||
      (rc = check_out (token, token_len)) < 0 ||
      (rc = check_text ("request id", request_id, IDGUARD_ID_MAX - 1)) < 0)
    return rc;
  return idguard_broker_claim (request_id, grant_id, grant_id_len, token, token_len);
}

IDGUARD_EXPORT const char *
idguard_strerror (int code)
{
  switch (code) {
  case IDGUARD_OK:                return "success";
  case IDGUARD_E_REFUSED:         return "refused: no consent";
  case IDGUARD_E_NOT_AUTHORIZED:  return "not authorized";
  case IDGUARD_E_INVALID:         return "invalid argument";
  case IDGUARD_E_UNAVAILABLE:     return "identifier not available";
  case IDGUARD_E_NOT_FOUND:       return "no such request";
  case IDGUARD_E_PENDING:         return "request not decided yet";
  case IDGUARD_E_NO_BROKER:       return "idguard broker unreachable";
  case IDGUARD_E_RANGE:           return "output buffer too small";
  case IDGUARD_E_PROTOCOL:        return "unexpected answer from the broker";
  default:                        return "unknown error";
  }
}
