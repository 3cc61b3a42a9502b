/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A command queue over one AT port (a serial tty or a pty): raw termios,
 * one command line at a time, the reply collected up to its final result
 * code (OK, ERROR, +CME ERROR, +CMS ERROR, CONNECT, NO CARRIER...), an echo
 * of the command dropped, a timeout per command (armed only while a command
 * is in flight: an idle port has no timer), unsolicited result codes
 * separated and handed to every URC handler (also those with the prefix of
 * a status read in flight: of the "+CPIN:" lines before the OK of
 * AT+CPIN?, only the last is its answer; the others, a SIM swap announced
 * meanwhile, are unsolicited).
 */
#ifndef IDG_AT_PORT_H
#define IDG_AT_PORT_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _IdgAtPort IdgAtPort;

/* reply: the modem's bytes after the echo, final result line included;
 * NULL with error set on timeout, port closed or garbage. */
typedef void (*IdgAtReplyFunc) (IdgAtPort    *port,
                                const GString *reply,
                                const GError  *error,
                                gpointer       user_data);
/* line: one unsolicited line without its line end. */
typedef void (*IdgAtUrcFunc)   (IdgAtPort    *port,
                                const gchar   *line,
                                gpointer       user_data);
/* The port went away (read error, hang-up): every queued command has
 * failed; the owner reopens. */
typedef void (*IdgAtClosedFunc) (IdgAtPort    *port,
                                 const GError *error,
                                 gpointer      user_data);

IdgAtPort *idg_at_port_new       (void);
void       idg_at_port_free      (IdgAtPort     *port);
gboolean   idg_at_port_open      (IdgAtPort     *port,
                                  const gchar   *path,
                                  GError       **error);
/* Also fails every queued command. */
void       idg_at_port_close     (IdgAtPort     *port);
gboolean   idg_at_port_is_open   (IdgAtPort     *port);
void       idg_at_port_set_closed_func (IdgAtPort       *port,
                                        IdgAtClosedFunc  func,
                                        gpointer         user_data);
guint      idg_at_port_add_urc_func    (IdgAtPort    *port,
                                        IdgAtUrcFunc  func,
                                        gpointer      user_data);
void       idg_at_port_remove_urc_func (IdgAtPort    *port,
                                        guint         id);

/* Queues a command line (without "\r"; "AT" prefix included). The callback
 * runs exactly once (also on close or free, with an error). Returns an id
 * for idg_at_port_cancel. */
guint      idg_at_port_send      (IdgAtPort      *port,
                                  const gchar    *line,
                                  guint           timeout_ms,
                                  IdgAtReplyFunc  func,
                                  gpointer        user_data);
/* A reply that ends with "> " is a prompt (+CMGS, +CMGW...): the port then
 * sends nothing else until the text comes with idg_at_port_send_text()
 * (ending with Ctrl-Z to send, ESC to cancel; sent as it is, before any
 * queued command), or ESC after 60 s. Fails at once if no prompt waits. */
guint      idg_at_port_send_text (IdgAtPort      *port,
                                  const gchar    *text,
                                  gsize           len,
                                  guint           timeout_ms,
                                  IdgAtReplyFunc  func,
                                  gpointer        user_data);
/* Forgets the callback of a queued or in-flight command (a client gone):
 * the command still completes on the modem, its reply is dropped. */
void       idg_at_port_cancel    (IdgAtPort      *port,
                                  guint           id);

/* The timeout a client's command line deserves (network scans and dials
 * take minutes, the rest seconds). */
guint      idg_at_port_timeout_for (const gchar  *line);

G_END_DECLS

#endif
