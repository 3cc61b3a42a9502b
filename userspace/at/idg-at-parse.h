/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AT command lines and final result codes, as V.250 and 27.007 write them:
 * pure helpers shared by the filter, the port queue and the door.
 */
#ifndef IDG_AT_PARSE_H
#define IDG_AT_PARSE_H

#include <glib.h>

G_BEGIN_DECLS

#define IDG_AT_MAX_NAME 32

typedef enum {
  IDG_AT_TYPE_EXEC = 0,     /* +CGSN, I3, E0 */
  IDG_AT_TYPE_READ = 1,     /* +CMEE? */
  IDG_AT_TYPE_TEST = 2,     /* +CGSN=? */
  IDG_AT_TYPE_SET  = 3,     /* +CGSN=1, S0=1 */
} IdgAtType;

/* One command of a command line, normalised: name upper-case ("+CGSN",
 * "^ICCID", "I", "E", "&F", "S", "D"), args upper-case and without spaces
 * outside double quotes, without the '=' (for S: "7=60" is name "S",
 * args "7=60"; for basic commands the digits: "E0" is name "E", args "0"). */
typedef struct {
  gchar     *name;
  IdgAtType  type;
  gchar     *args;
} IdgAtCommand;

/* Splits a command line into its commands (GPtrArray of IdgAtCommand,
 * owning them). Never fails: what cannot be parsed ends the list, and
 * *complete (nullable) says whether the whole line was understood. */
GPtrArray   *idg_at_parse_line     (const gchar *line,
                                    gsize        len,
                                    gboolean    *complete);

/* TRUE if the line (without its line end) is a final result code: OK,
 * ERROR, +CME ERROR: n, +CMS ERROR: n, CONNECT [..], NO CARRIER, BUSY,
 * NO ANSWER, NO DIALTONE, COMMAND NOT SUPPORT. */
gboolean     idg_at_is_final       (const gchar *line,
                                    gsize        len);
/* TRUE for a final result code that reports failure (ERROR, +CME/+CMS
 * ERROR, NO CARRIER, BUSY, ...). */
gboolean     idg_at_is_error       (const gchar *line,
                                    gsize        len);

static inline gboolean
idg_at_is_blank (gchar c)
{
  return c == ' ' || c == '\t';
}

/* '+' is V.250's extended-command prefix; vendors use the others. */
static inline gboolean
idg_at_is_ext_prefix (gchar c)
{
  return c == '+' || c == '^' || c == '!' || c == '#' || c == '$' || c == '%' || c == '*' || c == '@';
}

static inline gsize
idg_at_skip_blanks (const gchar *s,
                    gsize        i,
                    gsize        len)
{
  while (i < len && idg_at_is_blank (s[i]))
    i++;
  return i;
}

G_END_DECLS

#endif
