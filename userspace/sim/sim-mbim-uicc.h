/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MS UICC Low Level Access (MBIM service c2f6588e-f037-4bc9-8665-
 * f4d44bd09367) for the simulated modem: ATR, Open/Close Channel, APDU,
 * Read Binary and Read Record of the files of sim-files.h. Byte arrays of
 * this service put the length before the offset (libmbim's
 * uicc-ref-byte-array), except those of Read Binary/Record.
 */
#ifndef SIM_MBIM_UICC_H
#define SIM_MBIM_UICC_H

#include <glib.h>
#include "sim-apdu.h"
#include "sim-files.h"
#include "sim-ids.h"

G_BEGIN_DECLS

/* The information buffer of the COMMAND_DONE, or NULL when the command is
 * not one of these or its information buffer is malformed. */
GByteArray *sim_mbim_uicc_command (SimApduChannels *channels,
                                   const SimIds    *ids,
                                   guint32          cid,
                                   guint32          type,
                                   const guint8    *info,
                                   guint32          len);

/* The file a Read Binary (record FALSE) or Read Record query's information
 * buffer makes the card read, and the first byte of it (0 for a record);
 * SIM_FILE_NONE when the query does not parse or names no file the card
 * holds. For the differential tests: what the modem reads. */
SimFile     sim_mbim_uicc_read_target (const guint8 *info,
                                       guint32       len,
                                       gboolean      record,
                                       guint32      *offset);

G_END_DECLS

#endif
