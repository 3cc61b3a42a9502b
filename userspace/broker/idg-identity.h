/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who is on the other end of a socket or bus connection, as the kernel says:
 * peer credentials, then executable, systemd unit and cgroup read through a
 * pidfd taken at once and checked still alive after the reads (no pid-reuse
 * race). Never what the client claims.
 */
#ifndef IDG_IDENTITY_H
#define IDG_IDENTITY_H

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct {
  uid_t  uid;
  gid_t  gid;
  pid_t  pid;        /* 0 if unknown */
  gchar *exe;        /* /proc/PID/exe if that path is the same file in the
                      * broker's mount namespace and the process is in the
                      * broker's user namespace, else NULL (idg-identity.c) */
  gchar *unit;       /* systemd unit (service or scope) from the cgroup, or NULL */
  gchar *cgroup;     /* cgroup v2 path, or NULL */
  gchar *service;    /* key for pseudonyms and the report: "unit:NAME",
                      * else "exe:PATH", else "uid:N" */
  gboolean known;    /* FALSE for a pty client: no credentials at all */
  gboolean foreign_userns;  /* in another user namespace than the broker's
                             * (or it could not be told): exe is NULL */
} IdgIdentity;

IdgIdentity *idg_identity_from_socket (int           fd,
                                       GError      **error);
IdgIdentity *idg_identity_from_pid    (pid_t         pid,
                                       uid_t         uid,
                                       gid_t         gid,
                                       GError      **error);
/* From a pidfd that names the peer (a bus's GetConnectionCredentials
 * "ProcessFD", SO_PEERPIDFD): no pid-reuse window at all. The fd stays the
 * caller's. */
IdgIdentity *idg_identity_from_pidfd  (int           pidfd,
                                       uid_t         uid,
                                       gid_t         gid,
                                       GError      **error);
/* A peer-to-peer caller pinned for the life of its connection: the pidfd
 * taken once (SO_PEERPIDFD, else pidfd_open of SO_PEERCRED's pid) and what
 * cannot change cached; every idg_identity_pin_get () re-reads what can
 * (see idg-identity.c) and fails once the process has exited or changed
 * credentials. _get returns a copy (free it). */
typedef struct _IdgIdentityPin IdgIdentityPin;
IdgIdentityPin *idg_identity_pin_from_socket (int              fd,
                                              GError         **error);
/* A bus caller, from GetConnectionCredentials as for
 * idg_identity_from_bus_credentials (pidfd: its ProcessFD, or -1; the
 * caller keeps it): pinned for as long as its unique name is cached. */
IdgIdentityPin *idg_identity_pin_from_bus_credentials (GVariant *creds,
                                                       int       pidfd,
                                                       GError  **error);
IdgIdentity    *idg_identity_pin_get         (IdgIdentityPin  *pin,
                                              GError         **error);
void            idg_identity_pin_free        (IdgIdentityPin  *pin);
/* A client with no credentials (a tty door): matches no selector. */
/* A bus caller from the a{sv} of GetConnectionCredentials (UnixUserID,
 * ProcessID), pinned through pidfd when the bus sent one (ProcessFD; the
 * caller keeps and closes it), which must then name ProcessID; else
 * through ProcessID now (the window described in idg-identity.c). */
IdgIdentity *idg_identity_from_bus_credentials (GVariant     *creds,
                                                int           pidfd,
                                                GError      **error);
/* The systemd system unit of a cgroup v2 path (first non-slice component,
 * if it is a .service or .scope), or NULL. */
gchar       *idg_identity_unit_from_cgroup (const gchar *cgroup);
IdgIdentity *idg_identity_new_unknown (const gchar  *label);
IdgIdentity *idg_identity_copy        (const IdgIdentity *identity);
void         idg_identity_free        (IdgIdentity  *identity);
/* "uid=0 gid=0 pid=12 exe=/usr/bin/qmicli unit=foo.service" for logs;
 * " userns=other" when the process is in another user namespace. */
gchar       *idg_identity_describe    (const IdgIdentity *identity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgIdentity, idg_identity_free)

G_END_DECLS

#endif
