/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Grant tokens: 256 bits from getrandom(), shown once as
 * "idg1_" + 64 lowercase hex digits, stored only as the SHA-256 of that
 * string (64 hex digits), compared in constant time, wiped after use.
 */
#ifndef IDG_TOKEN_H
#define IDG_TOKEN_H

#include <glib.h>

G_BEGIN_DECLS

#define IDG_TOKEN_PREFIX   "idg1_"
#define IDG_TOKEN_BYTES    32
#define IDG_TOKEN_STRLEN   (5 + 2 * IDG_TOKEN_BYTES)
#define IDG_TOKEN_HASH_LEN 64      /* hex SHA-256 */

/* A fresh token string (free with idg_token_free) or NULL and an error if
 * the kernel's random source fails. */
gchar   *idg_token_new       (GError      **error);
/* TRUE if str has the token's shape (prefix, length, hex). */
gboolean idg_token_is_valid  (const gchar  *str);
/* Hex SHA-256 of the token string. */
gchar   *idg_token_hash      (const gchar  *token);
/* Constant-time comparison of two equal-length strings (FALSE if lengths
 * differ; the length is not secret). */
gboolean idg_token_equal     (const gchar  *a,
                              const gchar  *b);
/* Constant-time comparison of len bytes. */
gboolean idg_token_bytes_equal (const guint8 *a,
                                const guint8 *b,
                                gsize         len);
/* Overwrites the string with zeros (explicit_bzero) and frees it. */
void     idg_token_free      (gchar        *token);
/* explicit_bzero of len bytes. */
void     idg_wipe            (gpointer      data,
                              gsize         len);
/* getrandom() until filled; FALSE and an error on failure. */
gboolean idg_random_bytes    (guint8       *buf,
                              gsize         len,
                              GError      **error);

/* A floating string GVariant holding a copy of str (a token, an
 * identifier's value) that is wiped when the variant is freed, for D-Bus
 * replies. GDBus's own serialization buffers are out of our reach. */
GVariant *idg_secret_variant_new (const gchar  *str);

G_END_DECLS

#endif
