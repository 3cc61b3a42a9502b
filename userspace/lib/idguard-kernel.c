/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel transport: one IDGUARD_IOC_READ on /dev/idguard (ABI and errors
 * in driver/uapi/idguard.h). The module attests the caller at the instant of
 * the call; the errno maps onto the same IDGUARD_E_* codes as the broker's
 * D-Bus errors, so a service sees the same result either way.
 */
#include "idguard-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "idguard-uapi.h"

static const char *const kind_names[IDGUARD_KIND_COUNT] = {
  [IDGUARD_KIND_IMEI]   = "imei",
  [IDGUARD_KIND_IMEISV] = "imeisv",
  [IDGUARD_KIND_ESN]    = "esn",
  [IDGUARD_KIND_MEID]   = "meid",
  [IDGUARD_KIND_IMSI]   = "imsi",
  [IDGUARD_KIND_ICCID]  = "iccid",
  [IDGUARD_KIND_EID]    = "eid",
  [IDGUARD_KIND_MSISDN] = "msisdn",
};

static int
code_from_errno (int err)
{
  switch (err) {
  case EACCES:
    idguard_set_message ("no active grant for this caller, kind and token");
    return IDGUARD_E_REFUSED;
  case EKEYEXPIRED:
    idguard_set_message ("the grant has expired");
    return IDGUARD_E_REFUSED;
  case EAGAIN:
    idguard_set_message ("too many refused reads, try again later");
    return IDGUARD_E_REFUSED;
  case ENOENT:
    idguard_set_message ("the identifier is not known at the moment");
    return IDGUARD_E_UNAVAILABLE;
  case ENOBUFS:
    idguard_set_message ("the kernel cannot record this read in its audit queue now, try again later");
    return IDGUARD_E_UNAVAILABLE;
  case EHOSTDOWN:
    idguard_set_message ("no broker holds /dev/idguard");
    return IDGUARD_E_NO_BROKER;
  case EINVAL:
    idguard_set_message ("the kernel refused the arguments");
    return IDGUARD_E_INVALID;
  default:
    idguard_set_message ("/dev/idguard: %s", strerror (err));
    return IDGUARD_E_PROTOCOL;
  }
}

int
idguard_kernel_get (const char *kind, const char *token, char *out, size_t out_len)
{
  struct idguard_read rd;
  size_t token_len = strlen (token);
  unsigned int k;
  int fd, rc, err;

  for (k = 0; k < IDGUARD_KIND_COUNT; k++)
    if (strcmp (kind, kind_names[k]) == 0)
      break;
  if (k == IDGUARD_KIND_COUNT) {
    idguard_set_message ("unknown identifier kind '%.16s'", kind);
    return IDGUARD_E_INVALID;
  }
  if (token_len == 0 || token_len > IDGUARD_TOKEN_MAX) {
    idguard_set_message ("the token has a bad length");
    return IDGUARD_E_INVALID;
  }
  fd = open ("/dev/idguard", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    idguard_set_message ("cannot open /dev/idguard: %s", strerror (errno));
    return IDGUARD_E_NO_BROKER;
  }
  memset (&rd, 0, sizeof rd);
  rd.size = sizeof rd;
  rd.kind = k;
  rd.token_len = (__u32) token_len;
  memcpy (rd.token, token, token_len);
  rc = ioctl (fd, IDGUARD_IOC_READ, &rd);
  err = errno;
  close (fd);
  idguard_wipe (rd.token, sizeof rd.token);
  if (rc < 0)
    return code_from_errno (err);
  if (rd.value_len == 0 || rd.value_len > IDGUARD_VALUE_MAX) {
    idguard_wipe (&rd, sizeof rd);
    idguard_set_message ("/dev/idguard returned a bad length");
    return IDGUARD_E_PROTOCOL;
  }
  if ((size_t) rd.value_len + 1 > out_len) {
    idguard_wipe (&rd, sizeof rd);
    idguard_set_message ("output buffer too small (%u bytes needed)", rd.value_len + 1);
    return IDGUARD_E_RANGE;
  }
  memcpy (out, rd.value, rd.value_len);
  out[rd.value_len] = '\0';
  idguard_wipe (&rd, sizeof rd);
  return IDGUARD_OK;
}
