/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The AT door: idguardd owns the modem's AT port and serves AT clients on
 *  - an abstract unix socket (the config's at-socket, used verbatim as the
 *    abstract name: ModemManager's test port "abstract:X" connects to the
 *    abstract name "abstract:X"), identity from the peer credentials;
 *  - a pty whose slave is linked at at-link, for clients that can only open
 *    a tty: the identity is unknown (no grant matches) unless the config's
 *    at-link-selector names the selector that stands for that client.
 * Each client is a little modem of its own: its bytes are read as a V.250
 * modem reads them (idg-at-canon.c: S3 ends a line, S5 edits it, "A/"
 * repeats the last one, ';' chains, concatenated basic commands), echoed
 * per the client's own ATE setting as they are read, and the modem only
 * ever gets the door's canonical re-encoding of each line, judged command
 * by command (idg_at_filter_request); a line the door cannot read fully is
 * answered ERROR and never reaches the modem. One line at a time per
 * client: the next is read once the modem has answered (a modem reads no
 * command while it runs one). The answer comes back with the modem's own
 * line ends and multi-line layout. Lines are serialised through the
 * port's queue; every reply is filtered for the client's grants at that
 * instant (idg_broker_guard_begin/end per message). Unsolicited codes go to
 * every client. Listening, the connect policy, the client's lifecycle,
 * its read loop and its bounded, non-blocking output queue are the door
 * framework's (userspace/door/idg-door-client.h): a slow client is dropped when its queue
 * overflows, it never blocks the others.
 * ATV0 and ATQ1 (numeric or no result codes) are refused: the port needs
 * verbose final result codes to split replies. Data mode (ATD without ';',
 * ATO, +CGDATA) is refused: the door is a control port shared by many
 * clients; data goes through the modem's network interface (all in
 * idg-at-canon.c). Every byte for a client leaves through client_write().
 */
#include "idg-door-at.h"
#include "idg-at-canon.h"
#include "idg-at-filter.h"
#include "idg-door-client.h"
#include "idg-personal.h"
#include "idg-selector.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <glib-unix.h>

#define MAX_IN   4096           /* client bytes held while a command runs */
#define MAX_OUT  (1024 * 1024)  /* a client this far behind is dropped */
#define ERROR_REPLY IDG_AT_CANON_ERROR

typedef struct _Client Client;

struct _IdgDoorAt {
  IdgDoor      base;           /* first: listener (at-socket), clients */
  IdgModemAt  *modem;
  IdgAtPort   *port;
  gboolean     own_book;       /* the modem's phonebook storage is "ON" */
  int          pty_slave;      /* kept open: the master never sees a hang-up */
  gchar       *link_path;
  guint        urc_id;
};

struct _Client {
  IdgDoorClient base;          /* first: the door framework's client; the
                                * pty is its permanent client */
  GString     *in;             /* bytes not read yet (a command runs) */
  IdgAtCanon  *canon;          /* line editing, "A/", canonical lines */
  gchar       *pending_line;   /* canonical, in flight on the port */
  guint        pending_id;
  gboolean     echo;
  gboolean     text_mode;      /* after a "> " prompt: input is text up to ^Z/ESC */
  guint        replies;        /* bumped by every reply: a send that answered at once */
};

static void client_pump (Client *client);
static void client_input (Client *client);

IDG_DOOR_CLIENT_DEFINE_HELPERS (Client, IdgDoorAt)

/* The framework dropped the client (a socket client: freed once the
 * current callback chain is over; the pty only loses what it had queued
 * and never comes here but at the door's end). */
static void
client_dropped (IdgDoorClient *base,
                IdgDoor       *door_base)
{
  Client *client = (Client *) (gpointer) base;
  IdgDoorAt *door = (IdgDoorAt *) (gpointer) door_base;

  if (client->pending_id) {
    idg_at_port_cancel (door->port, client->pending_id);
    client->pending_id = 0;
  }
  if (client->text_mode && !base->permanent)
    idg_at_port_send_text (door->port, "\x1b", 1, 1000, NULL, NULL);
}

/* The one way out to a client: echo, replies, refusals, unsolicited codes. */
static void
client_write (Client      *client,
              const gchar *data,
              gsize        len)
{
  idg_door_client_send (&client->base, data, len);
}

static void
client_answer (Client      *client,
               const gchar *reply,
               gsize        len)
{
  g_clear_pointer (&client->pending_line, g_free);
  client->pending_id = 0;
  client_write (client, reply, len);
  client_pump (client);
}

/* TRUE if the reply's final result code is not an error. */
static gboolean
reply_ok (const GString *reply)
{
  g_auto(GStrv) lines = g_strsplit_set (reply->str, "\r\n", -1);
  const gchar *last = NULL;
  gchar **l;

  for (l = lines; *l; l++)
    if (**l)
      last = *l;
  return last && idg_at_is_final (last, strlen (last)) && !idg_at_is_error (last, strlen (last));
}

static void
on_port_reply (IdgAtPort     *port,
               const GString *reply,
               const GError  *error,
               gpointer       user_data)
{
  Client *client = user_data;
  IdgDoorAt *door = door_of (client);
  g_autofree gchar *out = NULL;
  IdgGuard guard;
  gsize out_len = 0;
  gboolean own_book = FALSE;

  client->pending_id = 0;
  client->replies++;
  if (error) {
    g_debug ("AT door: %s", error->message);
    client_answer (client, ERROR_REPLY, strlen (ERROR_REPLY));
    return;
  }
  idg_modem_at_observe (door->modem, client->pending_line, reply);
  /* the grants of this instant: a revoke takes effect at the next reply */
  idg_broker_guard_begin (door->base.broker, client->base.identity, &guard);
  out = idg_at_filter_reply_book (&guard, door->own_book, client->pending_line,
                                  strlen (client->pending_line), reply->str, reply->len, &out_len);
  idg_broker_guard_end (door->base.broker, client->base.identity, IDG_DOOR_AT, &guard);
  /* the value tripwire: whatever route, no value the client may not see */
  idg_broker_guard_scan (door->base.broker, client->base.identity, NULL, IDG_DOOR_AT, client->pending_line,
                         (guint8 *) out, out_len);
  if (idg_at_filter_book (client->pending_line, strlen (client->pending_line), &own_book) &&
      reply_ok (reply))
    door->own_book = own_book;
  if (g_str_has_suffix (reply->str, ">") || g_str_has_suffix (reply->str, "> ")) {
    /* a prompt: the client's next bytes are the text; the command is not
     * over until its final result code */
    client->text_mode = TRUE;
    client_write (client, out, out_len);
    client_input (client);
    return;
  }
  client_answer (client, out, out_len);
}

/* The client's echo follows E, Z and &F as soon as the line is received,
 * as a modem's does. */
static void
client_echo_setting (Client      *client,
                     const gchar *line)
{
  g_autoptr(GPtrArray) cmds = idg_at_parse_line (line, strlen (line), NULL);
  guint i;

  for (i = 0; i < cmds->len; i++) {
    IdgAtCommand *c = g_ptr_array_index (cmds, i);

    if (strcmp (c->name, "E") == 0 && c->type == IDG_AT_TYPE_EXEC)
      client->echo = atoi (c->args) != 0;     /* "ATE" is E0 */
    else if (strcmp (c->name, "Z") == 0 || strcmp (c->name, "&F") == 0)
      client->echo = TRUE;
  }
}

/* Judges one canonical line and sends it, or answers the refusal. */
static void
client_send (Client      *client,
             const gchar *line)
{
  IdgDoorAt *door = door_of (client);
  const gchar *refusal;
  IdgGuard guard;
  guint replies, id;

  client_echo_setting (client, line);
  idg_broker_guard_begin (door->base.broker, client->base.identity, &guard);
  refusal = idg_at_filter_request (&guard, line, strlen (line));
  idg_broker_guard_end (door->base.broker, client->base.identity, IDG_DOOR_AT, &guard);
  if (refusal) {
    client_write (client, refusal, strlen (refusal));
    return;
  }
  client->pending_line = g_strdup (line);
  replies = client->replies;
  id = idg_at_port_send (door->port, client->pending_line, idg_at_port_timeout_for (client->pending_line),
                         on_port_reply, client);
  /* unless it was answered at once (port closed) */
  if (client->replies == replies)
    client->pending_id = id;
}

/* Reads the client's bytes as the modem would, up to the next line that
 * goes to the modem; echoes what it reads. Nothing is read while the
 * modem's identifiers are not known (start-up, a port opened again): the
 * value tripwire could not recognise them in a reply no filter knows, so
 * the bytes wait (up to MAX_IN) as they would in a modem still booting. */
static void
client_pump (Client *client)
{
  if (!door_of (client) || !idg_modem_at_ids_known (door_of (client)->modem)) {
    if (client->in->len > MAX_IN)
      g_string_truncate (client->in, 0);
    return;
  }
  while (client->base.door && !client->pending_line && !client->text_mode && client->in->len > 0) {
    gsize used = 0;
    IdgAtCanonResult r = idg_at_canon_feed (client->canon, client->in->str, client->in->len, &used);

    if (client->echo)
      client_write (client, client->in->str, used);
    g_string_erase (client->in, 0, used);
    if (!client->base.door)
      break;   /* the echo found it gone: nothing of it goes to the modem */
    switch (r) {
    case IDG_AT_CANON_MORE:
    case IDG_AT_CANON_IGNORE:
      break;
    case IDG_AT_CANON_REFUSE:
      g_debug ("AT door: a line refused before judgement");
      client_write (client, ERROR_REPLY, strlen (ERROR_REPLY));
      break;
    case IDG_AT_CANON_SEND:
      client_send (client, idg_at_canon_line (client->canon));
      break;
    }
  }
  if (client->in->len > MAX_IN)
    g_string_truncate (client->in, 0);   /* a real modem drops it too */
}

/* In text mode: the bytes up to ^Z (send) or ESC (cancel) go to the modem
 * as they are. Returns the bytes consumed. */
static gsize
client_text (Client *client)
{
  IdgDoorAt *door = door_of (client);
  guint replies, id;
  gsize i;

  for (i = 0; i < client->in->len; i++)
    if (client->in->str[i] == '\x1a' || client->in->str[i] == '\x1b')
      break;
  if (i == client->in->len)
    return 0;
  if (client->echo)
    client_write (client, client->in->str, i + 1);
  if (!door_of (client))
    return 0;   /* gone: its drop cancelled the text on the port */
  client->text_mode = FALSE;
  replies = client->replies;
  id = idg_at_port_send_text (door->port, client->in->str, i + 1,
                              idg_at_port_timeout_for (client->pending_line), on_port_reply, client);
  /* unless it was answered at once (port closed) */
  if (client->replies == replies)
    client->pending_id = id;
  return i + 1;
}

static void
client_input (Client *client)
{
  if (!client->base.door)
    return;
  if (client->text_mode) {
    gsize n = client_text (client);

    if (client->text_mode || !client->base.door) {
      if (client->in->len > MAX_IN)
        g_string_truncate (client->in, 0);
      return;
    }
    g_string_erase (client->in, 0, n);
  }
  client_pump (client);
}

/* Bytes from the client (the framework's read loop holds a reference). */
static void
client_received (IdgDoorClient *base,
                 const guint8  *data,
                 gsize          len)
{
  Client *client = (Client *) (gpointer) base;

  g_string_append_len (client->in, (const gchar *) data, (gssize) len);
  client_input (client);
}

static void
client_init (IdgDoorClient *base)
{
  Client *client = (Client *) (gpointer) base;

  client->in = g_string_new (NULL);
  client->echo = TRUE;          /* as a modem after power-on */
  client->canon = idg_at_canon_new ();
}

static void
client_finalize (IdgDoorClient *base)
{
  Client *client = (Client *) (gpointer) base;

  g_string_free (client->in, TRUE);
  idg_at_canon_free (client->canon);
  g_free (client->pending_line);
}

static const IdgDoorClientClass client_class = {
  .client_size = sizeof (Client),
  .read_chunk = 1024,
  .out_cap = MAX_OUT,
  .init = client_init,
  .received = client_received,
  .dropped = client_dropped,
  .finalize = client_finalize,
};

/* A bare value among unsolicited lines is no unsolicited code: most likely
 * the late reply of a command that timed out. It is not handed out. */
static gboolean
looks_like_value (const gchar *line)
{
  gsize digits = 0;
  const gchar *p;

  for (p = line; *p; p++) {
    if (g_ascii_isxdigit (*p))
      digits++;
    else if (*p != '"' && *p != ' ' && *p != '+')
      return FALSE;
  }
  return digits >= 6;
}

static void
on_urc (IdgAtPort   *port,
        const gchar *line,
        gpointer     user_data)
{
  IdgDoorAt *door = user_data;
  g_autofree gchar *msg = NULL;
  GList *l, *next;

  if (looks_like_value (line))
    return;
  msg = g_strdup_printf ("\r\n%s\r\n", line);
  /* client_write may drop a client (only that one) */
  for (l = door->base.clients.head; l; l = next) {
    Client *client = l->data;
    g_autofree gchar *mine = g_strdup (msg);   /* the value tripwire, per client */

    next = l->next;
    idg_broker_guard_scan (door->base.broker, client->base.identity, NULL, IDG_DOOR_AT, "unsolicited",
                           (guint8 *) mine, strlen (mine));
    client_write (client, mine, strlen (mine));
  }
}

/* The identifiers are known: every client's waiting bytes are read. */
static void
on_ids_known (IdgModem *modem,
              gpointer  user_data)
{
  IdgDoorAt *door = user_data;
  GList *l, *next;

  g_debug ("AT door: the identifiers are known, clients' lines are read");
  /* client_pump may drop a client (only that one) */
  for (l = door->base.clients.head; l; l = next) {
    next = l->next;
    client_pump (l->data);
  }
}

/* The identity that stands for the pty's unknown client: the selector's
 * items, so that a grant to exactly that selector matches it. */
static IdgIdentity *
link_identity (const gchar  *selector,
               GError      **error)
{
  g_autoptr(IdgSelector) sel = NULL;
  IdgIdentity *id;

  if (!selector)
    return idg_identity_new_unknown ("at-link");
  sel = idg_selector_parse (selector, error);
  if (!sel) {
    g_prefix_error (error, "AT door: at-link-selector: ");
    return NULL;
  }
  id = idg_identity_new_unknown ("at-link");
  id->known = TRUE;
  id->uid = sel->has_uid ? sel->uid : (uid_t) -1;
  id->gid = sel->has_gid ? sel->gid : (gid_t) -1;
  id->pid = 0;
  g_free (id->exe);
  g_free (id->unit);
  g_free (id->cgroup);
  g_free (id->service);
  id->exe = g_strdup (sel->exe);
  id->unit = g_strdup (sel->unit);
  id->cgroup = g_strdup (sel->cgroup);
  id->service = idg_selector_to_string (sel);
  return id;
}

static gboolean
open_pty (IdgDoorAt    *door,
          const gchar  *link_path,
          IdgIdentity  *identity,
          GError      **error)
{
  struct termios tio;
  struct stat st;
  char name[128];
  int master, slave;

  master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt (master) < 0 || unlockpt (master) < 0 ||
      ptsname_r (master, name, sizeof name) != 0) {
    int saved = errno;

    if (master >= 0)
      close (master);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "AT door: cannot create a pty: %s", g_strerror (saved));
    return FALSE;
  }
  slave = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0 || tcgetattr (slave, &tio) < 0) {
    int saved = errno;

    if (slave >= 0)
      close (slave);
    close (master);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "AT door: cannot open the pty %s: %s", name, g_strerror (saved));
    return FALSE;
  }
  cfmakeraw (&tio);
  tcsetattr (slave, TCSANOW, &tio);
  /* grantpt leaves it writable by the tty group: only our user may talk
   * to the modem through it */
  fchmod (slave, 0600);
  g_unix_set_fd_nonblocking (master, TRUE, NULL);
  if (lstat (link_path, &st) == 0) {
    if (!S_ISLNK (st.st_mode)) {
      close (slave);
      close (master);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   "AT door: %s exists and is not a link", link_path);
      return FALSE;
    }
    unlink (link_path);
  }
  if (symlink (name, link_path) < 0) {
    int saved = errno;

    close (slave);
    close (master);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "AT door: cannot link %s: %s", link_path, g_strerror (saved));
    return FALSE;
  }
  door->pty_slave = slave;
  door->link_path = g_strdup (link_path);
  idg_door_add_client (&door->base, NULL, master, identity)->permanent = TRUE;
  return TRUE;
}

IdgDoorAt *
idg_door_at_new (IdgBroker    *broker,
                 IdgModemAt   *modem,
                 const gchar  *abstract_name,
                 const gchar  *link_path,
                 const gchar  *link_selector,
                 GError      **error)
{
  IdgDoorAt *door;

  if (!modem) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "AT door: no AT modem port is configured ([modem] at)");
    return NULL;
  }
  door = g_new0 (IdgDoorAt, 1);
  idg_door_init (&door->base, broker, IDG_DOOR_AT, &client_class);
  door->modem = modem;
  door->port = idg_modem_at_peek_port (modem);
  door->pty_slave = -1;
  door->urc_id = idg_at_port_add_urc_func (door->port, on_urc, door);
  idg_door_follow (&door->base, modem, IDG_MODEM_SIGNAL_IDS_KNOWN, G_CALLBACK (on_ids_known), door);

  if (abstract_name && *abstract_name) {
    if (!idg_door_listen (&door->base, abstract_name, -1, error)) {
      idg_door_at_free (door);
      return NULL;
    }
  }
  if (link_path && *link_path) {
    IdgIdentity *identity = link_identity (link_selector, error);

    if (!identity || !open_pty (door, link_path, identity, error)) {
      if (identity)
        idg_identity_free (identity);
      idg_door_at_free (door);
      return NULL;
    }
  }
  return door;
}

guint
idg_door_at_get_n_clients (IdgDoorAt *door)
{
  return idg_door_get_n_clients (&door->base);
}

void
idg_door_at_free (IdgDoorAt *door)
{
  if (!door)
    return;
  idg_at_port_remove_urc_func (door->port, door->urc_id);
  idg_door_clear (&door->base, "door closed");
  if (door->link_path) {
    gchar target[256];
    ssize_t n = readlink (door->link_path, target, sizeof target - 1);

    if (n > 0)
      unlink (door->link_path);
  }
  if (door->pty_slave >= 0)
    close (door->pty_slave);
  g_free (door->link_path);
  g_free (door);
}
