/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fast path of the broker's peer-to-peer socket (api.sock): a plain
 * request/answer beside D-Bus on the same socket, for libidguard's
 * Broker1 calls (GetIdentifier, RequestConsent, ClaimToken). Pure: bytes
 * in, bytes out, no sockets here (userspace/broker/idg-api-fast.c serves
 * it, userspace/lib/idguard-broker.c speaks it).
 *
 * A D-Bus client's first byte is a NUL; a fast client's first bytes are
 * IDG_FRAME_HELLO ("IDG1", no answer). Then, in both directions, frames:
 *
 *   u32 little-endian body length (1 .. IDG_FRAME_BODY_MAX)
 *   body: a GVariant of type "(sv)", normal form, serialized
 *         (g_variant_store), little-endian as GVariant is on this host
 *
 * Request:  ("Method", <the method's arguments as the D-Bus tuple>)
 * Answer:   ("", <the method's out tuple>) on success,
 *           ("org.idguard.Error.X", <("message")>) on failure.
 * One request at a time per connection; the answer comes before the next
 * request is read. The broker parses every byte as untrusted (a frame of
 * another length, type, method, argument signature or a body not in
 * normal form ends the connection).
 */
#ifndef IDG_API_FRAME_H
#define IDG_API_FRAME_H

#include <glib.h>

G_BEGIN_DECLS

#define IDG_FRAME_HELLO        "IDG1"
#define IDG_FRAME_HELLO_LEN    4
#define IDG_FRAME_HEADER_LEN   4
#define IDG_FRAME_BODY_MAX     4096
#define IDG_FRAME_MAX          (IDG_FRAME_HEADER_LEN + IDG_FRAME_BODY_MAX)

/* A method the fast path carries: its name and argument tuple type. */
typedef struct {
  const gchar *name;
  const gchar *in_type;    /* e.g. "(say)" */
} IdgFrameMethod;

/* The body length announced by a header, or 0 if it is out of range. */
gsize      idg_frame_body_len     (const guint8 header[IDG_FRAME_HEADER_LEN]);

/* Room for one frame built by idg_frame_build (the body 8-byte aligned,
 * as GVariant serializes only there). */
#define IDG_FRAME_BUF_WORDS    (1 + IDG_FRAME_BODY_MAX / 8)

/* Serializes ("name", value) with its header into buf; value is sunk if
 * floating. Returns the frame's length and *frame (inside buf), or 0 if
 * the body would not fit. The caller wipes buf when it held a secret. */
gsize      idg_frame_build        (guint64       buf[IDG_FRAME_BUF_WORDS],
                                   const gchar  *name,
                                   GVariant     *value,
                                   guint8      **frame);

/* Parses a request body (8-byte aligned, unchanged while *args lives):
 * one of methods[n_methods] with exactly its argument type. Returns the
 * method's index and *args (a new reference, pointing into body and
 * holding a reference to it), or -1 with error set. */
gint       idg_frame_parse_request (GBytes               *body,
                                    const IdgFrameMethod *methods,
                                    gsize                 n_methods,
                                    GVariant            **args,
                                    GError              **error);

/* Parses an answer body (as above). TRUE: *name is "" and *value has
 * reply_type, or *name is an error name and *value has type "(s)". Both
 * point into body (*name: valid while *value lives). */
gboolean   idg_frame_parse_answer (GBytes               *body,
                                   const GVariantType   *reply_type,
                                   const gchar         **name,
                                   GVariant            **value,
                                   GError              **error);

G_END_DECLS

#endif
