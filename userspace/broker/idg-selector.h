/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who a grant is for: "uid:N,gid:N,exe:PATH,unit:NAME,cgroup:PATH", a
 * comma-separated list in any order, each key at most once, at least one.
 * All given items must match the kernel-attested identity:
 *
 *   uid:N       the peer's uid (SO_PEERCRED).
 *   gid:N       the peer's PRIMARY gid as SO_PEERCRED reports it; the
 *               supplementary groups are not consulted (the kernel does not
 *               attest them on the socket, and /proc could be raced).
 *   exe:PATH    the resolved /proc/PID/exe, exactly (absolute path), and
 *               only with a uid:, gid: or unit: item beside it: any local
 *               user can run a program with code of their own in it
 *               (LD_PRELOAD, ptrace) or make /proc/PID/exe name it
 *               (PR_SET_MM_MAP), so an executable says which program of a
 *               user or unit, never which user. A selector with exe: alone
 *               (a grant stored before this rule) parses, but matches no
 *               one; new grants with it are refused
 *               (idg_selector_check_grantable).
 *   unit:NAME   the systemd unit (.service or .scope) of its cgroup, exactly.
 *   cgroup:PATH the cgroup v2 path, or any cgroup below it ("/a" matches
 *               "/a" and "/a/b", not "/ab").
 *
 * An unknown identity (a pty client) matches no selector.
 */
#ifndef IDG_SELECTOR_H
#define IDG_SELECTOR_H

#include <glib.h>
#include "idg-identity.h"

G_BEGIN_DECLS

typedef struct {
  gboolean has_uid;
  gboolean has_gid;
  uid_t    uid;
  gid_t    gid;
  gchar   *exe;      /* NULL: not part of the selector */
  gchar   *unit;
  gchar   *cgroup;
} IdgSelector;

#define IDG_SELECTOR_ERROR (idg_selector_error_quark ())
GQuark idg_selector_error_quark (void);
typedef enum {
  IDG_SELECTOR_ERROR_INVALID,
  IDG_SELECTOR_ERROR_EXE_ALONE,   /* exe: without uid:, gid: or unit: */
} IdgSelectorError;

IdgSelector *idg_selector_parse     (const gchar        *str,
                                     GError            **error);
/* TRUE if the selector is one idg_selector_parse () can return (at least
 * one item, every value valid): for selectors read from the store's
 * snapshot in parts. */
gboolean     idg_selector_is_valid  (const IdgSelector  *selector);
/* TRUE if the selector names an executable and no uid, gid or unit: it
 * matches no identity. */
gboolean     idg_selector_exe_alone (const IdgSelector  *selector);
/* What a new grant's selector must pass: FALSE with an
 * IDG_SELECTOR_ERROR_EXE_ALONE error that says why, for exe: alone. */
gboolean     idg_selector_check_grantable (const IdgSelector  *selector,
                                           GError            **error);
gboolean     idg_selector_matches   (const IdgSelector  *selector,
                                     const IdgIdentity  *identity);
/* Canonical form: uid, gid, exe, unit, cgroup in that order. */
gchar       *idg_selector_to_string (const IdgSelector  *selector);
/* The selector a request derives from its requester's identity: uid, plus
 * unit if it is a .service, else exe. NULL for an unknown identity. */
IdgSelector *idg_selector_for_identity (const IdgIdentity *identity);
IdgSelector *idg_selector_copy      (const IdgSelector  *selector);
void         idg_selector_free      (IdgSelector        *selector);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgSelector, idg_selector_free)

G_END_DECLS

#endif
