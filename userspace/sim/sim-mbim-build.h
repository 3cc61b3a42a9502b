/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MBIM information buffers and the device-to-host message headers that
 * libmbim has no public builder for (COMMAND_DONE, INDICATE_STATUS,
 * fragments). Layout (MBIM 1.0 10.3): a fixed part of u32 fields and
 * offset/length pairs, then a data part of 4-byte aligned payloads; offsets
 * count from the start of the information buffer; strings are UTF-16LE.
 */
#ifndef SIM_MBIM_BUILD_H
#define SIM_MBIM_BUILD_H

#include <libmbim-glib.h>

G_BEGIN_DECLS

typedef struct {
  GByteArray *fixed;
  GByteArray *data;
  GArray     *offsets;  /* positions in fixed of offset fields */
} SimMbimBuilder;

void        sim_mbim_builder_init   (SimMbimBuilder *b);
void        sim_mbim_builder_u32    (SimMbimBuilder *b,
                                     guint32         value);
void        sim_mbim_builder_u64    (SimMbimBuilder *b,
                                     guint64         value);
void        sim_mbim_builder_uuid   (SimMbimBuilder *b,
                                     const MbimUuid *uuid);
/* An MBIMEx 3.0 TLV, inline in the fixed part (libmbim builds it). */
void        sim_mbim_builder_tlv    (SimMbimBuilder *b,
                                     const MbimTlv  *tlv);
/* An offset/length pair to the ASCII string in UTF-16LE; NULL or "" gives
 * offset 0 and length 0. */
void        sim_mbim_builder_string (SimMbimBuilder *b,
                                     const gchar    *ascii);
/* An offset/length pair to opaque bytes. */
void        sim_mbim_builder_bytes  (SimMbimBuilder *b,
                                     const guint8   *data,
                                     gsize           len);
/* An offset/length pair in the swapped order (length first) that the MS
 * UICC Low Level Access service uses for its byte arrays. */
void        sim_mbim_builder_bytes_swapped (SimMbimBuilder *b,
                                            const guint8   *data,
                                            gsize           len);
/* Returns the information buffer and clears the builder. */
GByteArray *sim_mbim_builder_finish (SimMbimBuilder *b);

#define SIM_MBIM_HEADER_LEN      12
#define SIM_MBIM_FRAGMENT_LEN    20
#define SIM_MBIM_COMMAND_DONE_HEADER_LEN 48
#define SIM_MBIM_INDICATE_HEADER_LEN     44
#define SIM_MBIM_MIN_CONTROL_TRANSFER    64

MbimMessage *sim_mbim_command_done_new    (guint32          transaction_id,
                                           const MbimUuid  *service,
                                           guint32          cid,
                                           MbimStatusError  status,
                                           const guint8    *info,
                                           gsize            info_len);
MbimMessage *sim_mbim_indicate_status_new (const MbimUuid  *service,
                                           guint32          cid,
                                           const guint8    *info,
                                           gsize            info_len);

/* Appends the message to out, split into fragments of at most
 * max_transfer bytes (MBIM 1.0 9.2) when it is longer. */
void         sim_mbim_append_fragmented   (GByteArray        *out,
                                           const MbimMessage *message,
                                           guint32            max_transfer);

/* Bounds-checked readers of a host's information buffer: a u32 at ofs; an
 * offset/length pair at ofs (length first when swapped) whose data must
 * lie inside the buffer. */
gboolean     sim_mbim_info_u32 (const guint8  *info,
                                guint32        len,
                                guint32        ofs,
                                guint32       *out);
gboolean     sim_mbim_info_ref (const guint8  *info,
                                guint32        len,
                                guint32        ofs,
                                gboolean       swapped,
                                const guint8 **out,
                                guint32       *out_len);

G_END_DECLS

#endif
