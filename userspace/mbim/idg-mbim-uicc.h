/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MS UICC Low Level Access (c2f6588e-f037-4bc9-8665-f4d44bd09367) file
 * reads: pure, no I/O. Read Binary (CID 9) and Read Record (CID 10)
 * queries are parsed completely (Version, ApplicationId, FilePath,
 * ReadOffset and ReadSize or RecordNumber, LocalPin, Data: every
 * offset/length pair inside the buffer, after the fixed part) and
 * re-encoded with libmbim's builder; the door forwards that re-encoding. A
 * query that does not parse is refused with
 * MBIM_STATUS_ERROR_INVALID_PARAMETERS.
 *
 * The file is the last FID of FilePath. A read of a file that can carry an
 * identifier (idg_simfile_is_identifier) is noted with its absolute range
 * (Read Binary: the offset asked for; Read Record: the whole record, which
 * is what the modem returns) and its answer masked by idg_simfile_guard
 * from the file's layout, whatever the offset and length. A path that is
 * not a whole number of FIDs (1 to 8) is raw SIM access: refused unless
 * the client holds every SIM kind.
 */
#ifndef IDG_MBIM_UICC_H
#define IDG_MBIM_UICC_H

#include <glib.h>
#include "idg-mbim-filter.h"

G_BEGIN_DECLS

#define IDG_MBIM_CID_UICC_READ_BINARY 9
#define IDG_MBIM_CID_UICC_READ_RECORD 10

/* buf/len: the query's information buffer. On PASS payload (emptied first,
 * nullable) holds the information buffer to forward. */
IdgMbimVerdict idg_mbim_uicc_read_request (guint32       cid,
                                           const guint8 *buf,
                                           gsize         len,
                                           IdgGuard     *guard,
                                           IdgMbimNote  *note,
                                           GByteArray   *payload);

/* The response's information buffer, masked in place per the note (NULL:
 * a read of unknown origin, raw SIM access). */
void           idg_mbim_uicc_read_reply   (guint8            *buf,
                                           gsize              len,
                                           const IdgMbimNote *note,
                                           IdgGuard          *guard);

G_END_DECLS

#endif
