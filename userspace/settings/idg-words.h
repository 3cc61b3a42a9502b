/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the broker says about a service, in words a person understands.
 *
 * The broker names a caller three ways: a grant's or request's selector
 * ("uid:N,exe:PATH,unit:NAME": what a grant matches), a request's
 * "requester" ("uid=N gid=N pid=N exe=PATH unit=NAME",
 * idg_identity_describe: free text, only read where the selector vouches
 * for its end) and the "service" of an audit record ("unit:NAME",
 * "exe:PATH" or "uid:N"). All parse into an IdgWho; the settings panel groups by idg_words_who_key
 * (the broker's own order: unit, else executable, else uid) and shows
 * idg_words_who_name and idg_words_who_lines.
 *
 * Pure: no D-Bus, no GTK; every text a service chose (executable, unit,
 * purpose) passes idg_words_printable before a person sees it.
 */
#ifndef IDG_WORDS_H
#define IDG_WORDS_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gboolean known;          /* FALSE: the broker had no credentials */
  gint64   uid;            /* -1 when not said */
  gint64   gid;
  gchar   *exe;            /* NULL when not said */
  gchar   *unit;
  gchar   *cgroup;
  gboolean other_userns;   /* the caller was in another user namespace */
} IdgWho;

/* A request: its selector is what a grant would match (authoritative);
 * the requester description adds the program of a unit. */
IdgWho  *idg_words_who_from_request   (const gchar *selector,
                                       const gchar *requester);
IdgWho  *idg_words_who_from_selector  (const gchar *selector);
IdgWho  *idg_words_who_from_service   (const gchar *service);
void     idg_words_who_free           (IdgWho *who);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgWho, idg_words_who_free)

/* "unit:NAME", else "exe:PATH", else "uid:N", else "unknown" */
gchar   *idg_words_who_key   (const IdgWho *who);
/* A short name: the unit without ".service", else the program's file name,
 * else "Programs of user NAME". */
gchar   *idg_words_who_name  (const IdgWho *who);
/* One line per fact: the system service, the program, the user it runs as. */
GStrv    idg_words_who_lines (const IdgWho *who);

/* "IMEI", "Phone number", ...; the kind itself when unknown */
const gchar *idg_words_kind_name    (const gchar *kind);
/* what the identifier says about the person, one short phrase */
const gchar *idg_words_kind_meaning (const gchar *kind);
/* "imei,imsi" -> "IMEI and IMSI"; "all" -> "every modem identifier" */
gchar   *idg_words_scopes   (const gchar *scopes);

/* "1 hour", "7 days" */
gchar   *idg_words_duration (guint64 seconds);
/* A grant's state in words: "Never expires", "Expires in 2 days",
 * "Revoked", "Expired". Times in unix seconds. */
gchar   *idg_words_expiry   (const gchar *state,
                             gint64       expires,
                             gint64       now);

/* "2 released · 5 rewritten · 1 refused", with "· 3 by the tripwire"
 * when tripwire is not 0 */
gchar   *idg_words_counts   (guint64 released,
                             guint64 rewritten,
                             guint64 refused,
                             guint64 tripwire);

/* Control, format (bidi, zero-width) and separator characters as \uXXXX,
 * invalid UTF-8 as U+FFFD: what a person reads is what the broker holds. */
gchar   *idg_words_printable (const gchar *text);

G_END_DECLS

#endif
