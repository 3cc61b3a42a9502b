/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-at-port.h"
#include "idg-at-filter.h"
#include "idg-personal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib-unix.h>

#define MAX_LINE   (64 * 1024)
#define MAX_REPLY  (256 * 1024)
#define DRAIN_MS   2000
#define PROMPT_MS  60000

typedef struct {
  guint           id;
  gboolean        text;       /* text after a "> " prompt, sent as it is */
  gchar          *line;
  gchar         **names;      /* the extended command names of the line */
  guint           timeout_ms;
  IdgAtReplyFunc  func;
  gpointer        user_data;
} Cmd;

typedef struct {
  guint        id;
  IdgAtUrcFunc func;
  gpointer     user_data;
} Urc;

struct _IdgAtPort {
  int              fd;
  guint            read_id;
  guint            write_id;
  guint            timeout_id;
  guint            drain_id;
  GString         *in;
  GString         *out;
  GQueue           queue;      /* Cmd: waiting */
  Cmd             *current;    /* in flight */
  GString         *reply;
  GString         *urc_lead;   /* line end before a URC split off an empty reply */
  gchar           *status;     /* current: its status line so far (see below) */
  gsize            status_at;  /* where that line's bytes sit in reply */
  gsize            status_len;
  gboolean         seen_line;  /* current: a line other than the echo seen */
  gboolean         eat_lf;     /* the final line ended in '\r' */
  gboolean         draining;   /* a timed-out command's late reply */
  gboolean         prompt;     /* a "> " prompt waits for its text */
  guint            prompt_id;
  GArray          *urcs;       /* Urc */
  guint            next_id;
  guint            generation; /* bumped on every close */
  IdgAtClosedFunc  closed_func;
  gpointer         closed_data;
};

/* Unsolicited codes that may arrive while a command is in flight: split
 * from its reply unless the command itself asked for them. */
static const gchar *const urc_prefixes[] = {
  "+CREG:", "+CGREG:", "+CEREG:", "+C5GREG:", "RING", "+CRING:", "+CLIP:", "+CCWA:",
  "+CMTI:", "+CMT:", "+CDS:", "+CDSI:", "+CBM:", "+CUSD:", "+CIEV:", "+CGEV:", "+CPIN:",
  "+SIMCARD:", "^SIMST:", "+QUSIM:", "+QIND:", "+QSIMSTAT:", "^MODE:", "^RSSI:", "^HCSQ:",
  "^BOOT:", "+PACSP", "+STIN:", "+CTZV:", "+CTZE:", "+NITZ", "^SYSSTART", "+CSMINS:",
  "+ESIMS:", "#QSS:", "^SCKS:", "+UUSIMSTAT:", "^SRVST:", "+ECSQ:", "+CSQN:", "*EMRDY",
};

/* Status reads answered with exactly one line of their own name: when a
 * second such line comes, the first was an unsolicited code that arrived
 * while the command was in flight (a SIM swap's "+CPIN: NOT READY" before
 * the answer to AT+CPIN?): it goes to the URC handlers, not to the reply. */
static const gchar *const status_names[] = { "+CPIN" };

static void
cmd_free (Cmd *cmd)
{
  g_free (cmd->line);
  g_strfreev (cmd->names);
  g_free (cmd);
}

IdgAtPort *
idg_at_port_new (void)
{
  IdgAtPort *port = g_new0 (IdgAtPort, 1);

  port->fd = -1;
  port->in = g_string_new (NULL);
  port->out = g_string_new (NULL);
  port->reply = g_string_new (NULL);
  port->urc_lead = g_string_new (NULL);
  port->urcs = g_array_new (FALSE, FALSE, sizeof (Urc));
  port->next_id = 1;
  g_queue_init (&port->queue);
  return port;
}

static void
complete (IdgAtPort    *port,
          Cmd          *cmd,
          const GString *reply,
          const GError *error)
{
  if (cmd->func)
    cmd->func (port, reply, error, cmd->user_data);
  cmd_free (cmd);
}

static void
fail_all (IdgAtPort   *port,
          const gchar *why)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, why);
  Cmd *cmd;

  if (port->timeout_id) {
    g_source_remove (port->timeout_id);
    port->timeout_id = 0;
  }
  if (port->current) {
    cmd = port->current;
    port->current = NULL;
    complete (port, cmd, NULL, error);
  }
  while ((cmd = g_queue_pop_head (&port->queue)) != NULL)
    complete (port, cmd, NULL, error);
}

static void
close_fd (IdgAtPort *port)
{
  if (port->read_id)
    g_source_remove (port->read_id);
  if (port->write_id)
    g_source_remove (port->write_id);
  port->read_id = port->write_id = 0;
  if (port->fd >= 0)
    close (port->fd);
  port->fd = -1;
  port->generation++;
  g_string_truncate (port->in, 0);
  g_string_truncate (port->out, 0);
  g_string_truncate (port->reply, 0);
  g_clear_pointer (&port->status, g_free);
  port->draining = FALSE;
  if (port->drain_id)
    g_source_remove (port->drain_id);
  port->drain_id = 0;
  port->prompt = FALSE;
  if (port->prompt_id)
    g_source_remove (port->prompt_id);
  port->prompt_id = 0;
  port->eat_lf = FALSE;
}

void
idg_at_port_close (IdgAtPort *port)
{
  close_fd (port);
  fail_all (port, "AT port closed");
}

void
idg_at_port_free (IdgAtPort *port)
{
  if (!port)
    return;
  port->closed_func = NULL;
  idg_at_port_close (port);
  g_string_free (port->in, TRUE);
  g_string_free (port->out, TRUE);
  g_string_free (port->reply, TRUE);
  g_string_free (port->urc_lead, TRUE);
  g_free (port->status);
  g_array_unref (port->urcs);
  g_free (port);
}

static void
lost (IdgAtPort   *port,
      const gchar *why)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, why);

  idg_at_port_close (port);
  if (port->closed_func)
    port->closed_func (port, error, port->closed_data);
}

static void send_next (IdgAtPort *port);

static gboolean
on_writable (gint         fd,
             GIOCondition cond,
             gpointer     user_data)
{
  IdgAtPort *port = user_data;
  gssize n = write (fd, port->out->str, port->out->len);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0) {
    port->write_id = 0;
    lost (port, "AT port write failed");
    return G_SOURCE_REMOVE;
  }
  g_string_erase (port->out, 0, n);
  if (port->out->len > 0)
    return G_SOURCE_CONTINUE;
  port->write_id = 0;
  return G_SOURCE_REMOVE;
}

static void
drained (IdgAtPort *port)
{
  port->draining = FALSE;
  if (port->drain_id) {
    g_source_remove (port->drain_id);
    port->drain_id = 0;
  }
  send_next (port);
}

static gboolean
on_drained (gpointer user_data)
{
  IdgAtPort *port = user_data;

  port->drain_id = 0;
  drained (port);
  return G_SOURCE_REMOVE;
}

static gboolean
on_timeout (gpointer user_data)
{
  IdgAtPort *port = user_data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                                 "AT command timed out");
  Cmd *cmd = port->current;

  port->timeout_id = 0;
  port->current = NULL;
  /* its reply may still come: swallow it up to its final result code,
   * never hand it out as unsolicited */
  port->draining = TRUE;
  g_string_truncate (port->reply, 0);
  /* the next command waits until the late reply's final result code, or
   * DRAIN_MS, so that a late reply never mixes into the next one */
  port->drain_id = g_timeout_add (DRAIN_MS, on_drained, port);
  complete (port, cmd, NULL, error);
  return G_SOURCE_REMOVE;
}

static void
send_next (IdgAtPort *port)
{
  Cmd *cmd;

  if (port->current || port->fd < 0 || port->draining)
    return;
  cmd = g_queue_peek_head (&port->queue);
  /* after a prompt, only its text may go out */
  if (!cmd || (port->prompt && !cmd->text))
    return;
  g_queue_pop_head (&port->queue);
  port->current = cmd;
  port->seen_line = cmd->text;
  g_string_truncate (port->reply, 0);
  g_string_truncate (port->urc_lead, 0);
  g_clear_pointer (&port->status, g_free);
  g_string_append (port->out, cmd->line);
  if (cmd->text) {
    port->prompt = FALSE;
    if (port->prompt_id)
      g_source_remove (port->prompt_id);
    port->prompt_id = 0;
  } else {
    g_string_append_c (port->out, '\r');
  }
  if (!port->write_id)
    port->write_id = g_unix_fd_add (port->fd, G_IO_OUT, on_writable, port);
  port->timeout_id = g_timeout_add (cmd->timeout_ms, on_timeout, port);
}

/* The current command is done: its reply goes to its callback. */
static void
finish (IdgAtPort *port)
{
  g_autoptr(GString) reply = port->reply;
  Cmd *cmd = port->current;

  port->reply = g_string_new (NULL);
  port->current = NULL;
  g_clear_pointer (&port->status, g_free);
  if (port->timeout_id) {
    g_source_remove (port->timeout_id);
    port->timeout_id = 0;
  }
  complete (port, cmd, reply, NULL);
  send_next (port);
}

/* "> " (after line ends): the modem wants the text of +CMGS and friends. */
static gboolean
is_prompt (const gchar *s,
           gsize        len)
{
  gsize i = 0;

  while (i < len && (s[i] == '\r' || s[i] == '\n'))
    i++;
  return len - i >= 1 && s[i] == '>' && (len - i == 1 || (len - i == 2 && s[i + 1] == ' '));
}

static gboolean
on_prompt_timeout (gpointer user_data)
{
  IdgAtPort *port = user_data;

  /* nobody sent the text: ESC cancels it */
  port->prompt_id = 0;
  port->prompt = FALSE;
  g_string_append_c (port->out, '\x1b');
  if (!port->write_id && port->fd >= 0)
    port->write_id = g_unix_fd_add (port->fd, G_IO_OUT, on_writable, port);
  send_next (port);
  return G_SOURCE_REMOVE;
}

static void
dispatch_urc (IdgAtPort   *port,
              const gchar *line)
{
  guint i;

  for (i = 0; i < port->urcs->len; i++) {
    Urc *u = &g_array_index (port->urcs, Urc, i);

    u->func (port, line, u->user_data);
  }
}

static gboolean
has_prefix_ci (const gchar *line,
               const gchar *prefix)
{
  return g_ascii_strncasecmp (line, prefix, strlen (prefix)) == 0;
}

static gboolean
is_urc_of (const Cmd   *cmd,
           const gchar *line)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (urc_prefixes); i++) {
    if (!has_prefix_ci (line, urc_prefixes[i]))
      continue;
    /* "+CPIN: READY" answers AT+CPIN? */
    if (cmd && cmd->names) {
      gchar **n;

      for (n = cmd->names; *n; n++)
        if (has_prefix_ci (line, *n) && line[strlen (*n)] == ':')
          return FALSE;
    }
    return TRUE;
  }
  return FALSE;
}

/* line is the one-line answer of a status read in cmd. */
static gboolean
is_status_of (const Cmd   *cmd,
              const gchar *line)
{
  guint i;
  gchar **n;

  for (i = 0; i < G_N_ELEMENTS (status_names); i++) {
    gsize len = strlen (status_names[i]);

    if (!has_prefix_ci (line, status_names[i]) || line[len] != ':')
      continue;
    for (n = cmd->names; n && *n; n++)
      if (g_ascii_strcasecmp (*n, status_names[i]) == 0)
        return TRUE;
  }
  return FALSE;
}

static gboolean
is_echo (const Cmd   *cmd,
         const gchar *line)
{
  return g_ascii_strcasecmp (g_strstrip ((gchar *) line), cmd->line) == 0;
}

/* One line of text (without its end) and the raw bytes it came with
 * (leading line ends, the text, its line end). */
static void
handle_line (IdgAtPort   *port,
             gchar       *text,
             const gchar *raw,
             gsize        raw_len,
             gsize        lead_len,
             gboolean     ends_in_cr)
{
  Cmd *cmd = port->current;
  gsize tlen = strlen (text);
  g_autofree gchar *unsolicited = NULL;
  gboolean status;
  gsize at;

  if (tlen == 0) {
    if (cmd)
      g_string_append_len (port->reply, raw, raw_len);
    return;
  }
  if (!cmd) {
    if (port->draining) {
      if (idg_at_is_final (text, tlen))
        drained (port);
      else if (is_urc_of (NULL, text))
        dispatch_urc (port, text);
      return;
    }
    dispatch_urc (port, text);
    return;
  }
  if (!port->seen_line) {
    gchar *copy = g_strdup (text);
    gboolean echo = is_echo (cmd, copy);

    g_free (copy);
    if (echo) {
      port->seen_line = TRUE;
      return;
    }
  }
  /* a URC before the echo leaves the echo to be recognised */
  if (is_urc_of (cmd, text)) {
    /* the line end that opened it opens the reply, if the reply's first
     * line comes without one */
    if (port->reply->len == 0 && lead_len > 0) {
      g_string_truncate (port->urc_lead, 0);
      g_string_append_len (port->urc_lead, raw, MIN (lead_len, 2));
    }
    dispatch_urc (port, text);
    return;
  }
  port->seen_line = TRUE;
  status = is_status_of (cmd, text);
  if (status && port->status) {
    /* the earlier one was unsolicited: out of the reply, handed out below */
    g_string_erase (port->reply, (gssize) port->status_at, (gssize) port->status_len);
    unsolicited = g_steal_pointer (&port->status);
  }
  at = port->reply->len;
  if (port->reply->len == 0 && lead_len == 0)
    g_string_append_len (port->reply, port->urc_lead->str, port->urc_lead->len);
  g_string_truncate (port->urc_lead, 0);
  g_string_append_len (port->reply, raw, raw_len);
  if (port->reply->len > MAX_REPLY) {
    lost (port, "AT reply too long");
    return;
  }
  if (status) {
    port->status = g_strdup (text);
    port->status_at = at;
    port->status_len = port->reply->len - at;
    /* not a final result: last, as a handler may close the port */
    if (unsolicited)
      dispatch_urc (port, unsolicited);
    return;
  }
  if (idg_at_is_final (text, tlen)) {
    if (ends_in_cr) {
      g_string_append_c (port->reply, '\n');
      port->eat_lf = TRUE;
    }
    finish (port);
  }
}

static void
process_input (IdgAtPort *port)
{
  guint generation = port->generation;
  gsize start = 0;

  while (port->fd >= 0 && port->generation == generation) {
    gsize i = start, text_start, text_end;
    gboolean cr;
    g_autofree gchar *text = NULL;

    if (port->eat_lf && i < port->in->len && port->in->str[i] == '\n') {
      start = ++i;
      port->eat_lf = FALSE;
    }
    if (i < port->in->len)
      port->eat_lf = FALSE;
    while (i < port->in->len && (port->in->str[i] == '\r' || port->in->str[i] == '\n'))
      i++;
    text_start = i;
    while (i < port->in->len && port->in->str[i] != '\r' && port->in->str[i] != '\n')
      i++;
    if (i >= port->in->len)
      break;                          /* no complete line yet */
    text_end = i;
    cr = port->in->str[i] == '\r';
    i++;
    if (cr && i < port->in->len && port->in->str[i] == '\n') {
      i++;
      cr = FALSE;
    } else if (cr && i >= port->in->len && text_end == text_start) {
      break;                          /* wait: "\r" may be followed by "\n" */
    }
    text = g_strndup (port->in->str + text_start, text_end - text_start);
    /* a NUL inside a line would cut it short for the string checks */
    if (strlen (text) != text_end - text_start)
      memset (text, '?', strlen (text));
    handle_line (port, text, port->in->str + start, i - start, text_start - start,
                 cr && i >= port->in->len);
    start = i;
  }
  if (port->fd < 0 || port->generation != generation)
    return;
  if (port->current && !port->current->text && is_prompt (port->in->str + start, port->in->len - start)) {
    g_string_append_len (port->reply, port->in->str + start, port->in->len - start);
    g_string_truncate (port->in, 0);
    port->prompt = TRUE;
    port->prompt_id = g_timeout_add (PROMPT_MS, on_prompt_timeout, port);
    finish (port);
    return;
  }
  g_string_erase (port->in, 0, start);
  if (port->in->len > MAX_LINE)
    lost (port, "AT port sent an overlong line");
}

static gboolean
on_readable (gint         fd,
             GIOCondition cond,
             gpointer     user_data)
{
  IdgAtPort *port = user_data;
  gchar buf[4096];
  gssize n;

  if (cond & G_IO_IN) {
    n = read (fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      return G_SOURCE_CONTINUE;
    if (n > 0) {
      guint generation = port->generation;

      g_string_append_len (port->in, buf, n);
      process_input (port);
      return port->generation == generation ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
    }
  }
  port->read_id = 0;
  lost (port, "AT port hung up");
  return G_SOURCE_REMOVE;
}

gboolean
idg_at_port_open (IdgAtPort    *port,
                  const gchar  *path,
                  GError      **error)
{
  struct termios tio;
  int fd;

  idg_at_port_close (port);
  fd = open (path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot open AT port %s: %s", path, g_strerror (saved));
    return FALSE;
  }
  if (isatty (fd) && tcgetattr (fd, &tio) == 0) {
    cfmakeraw (&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    cfsetispeed (&tio, B115200);
    cfsetospeed (&tio, B115200);
    if (tcsetattr (fd, TCSANOW, &tio) != 0) {
      int saved = errno;

      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot set raw mode on AT port %s: %s", path, g_strerror (saved));
      return FALSE;
    }
    tcflush (fd, TCIOFLUSH);
  }
  port->fd = fd;
  port->read_id = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, port);
  return TRUE;
}

gboolean
idg_at_port_is_open (IdgAtPort *port)
{
  return port->fd >= 0;
}

void
idg_at_port_set_closed_func (IdgAtPort       *port,
                             IdgAtClosedFunc  func,
                             gpointer         user_data)
{
  port->closed_func = func;
  port->closed_data = user_data;
}

guint
idg_at_port_add_urc_func (IdgAtPort    *port,
                          IdgAtUrcFunc  func,
                          gpointer      user_data)
{
  Urc u = { port->next_id++, func, user_data };

  g_array_append_val (port->urcs, u);
  return u.id;
}

void
idg_at_port_remove_urc_func (IdgAtPort *port,
                             guint      id)
{
  guint i;

  for (i = 0; i < port->urcs->len; i++) {
    if (g_array_index (port->urcs, Urc, i).id == id) {
      g_array_remove_index (port->urcs, i);
      return;
    }
  }
}

/* Queues cmd (at the head for the text of a prompt), or fails it at once
 * with why when refused. */
static guint
enqueue (IdgAtPort      *port,
         Cmd            *cmd,
         const gchar    *refused,
         IdgAtReplyFunc  func,
         gpointer        user_data,
         guint           timeout_ms)
{
  guint id = port->next_id++;

  cmd->id = id;
  cmd->timeout_ms = timeout_ms;
  cmd->func = func;
  cmd->user_data = user_data;
  if (refused) {
    g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, refused);

    complete (port, cmd, NULL, error);
    return id;
  }
  if (cmd->text)
    g_queue_push_head (&port->queue, cmd);
  else
    g_queue_push_tail (&port->queue, cmd);
  send_next (port);
  return id;
}

guint
idg_at_port_send (IdgAtPort      *port,
                  const gchar    *line,
                  guint           timeout_ms,
                  IdgAtReplyFunc  func,
                  gpointer        user_data)
{
  g_autoptr(GPtrArray) cmds = idg_at_parse_line (line, strlen (line), NULL);
  GPtrArray *names = g_ptr_array_new ();
  Cmd *cmd = g_new0 (Cmd, 1);
  guint i;

  for (i = 0; i < cmds->len; i++) {
    IdgAtCommand *c = g_ptr_array_index (cmds, i);

    if (c->name[0] != '\0' && c->name[1] != '\0')
      g_ptr_array_add (names, g_strdup (c->name));
  }
  g_ptr_array_add (names, NULL);
  cmd->line = g_strstrip (g_strdup (line));
  cmd->names = (gchar **) g_ptr_array_free (names, FALSE);
  return enqueue (port, cmd, port->fd < 0 ? "AT port not open" : NULL, func, user_data, timeout_ms);
}

guint
idg_at_port_send_text (IdgAtPort      *port,
                       const gchar    *text,
                       gsize           len,
                       guint           timeout_ms,
                       IdgAtReplyFunc  func,
                       gpointer        user_data)
{
  Cmd *cmd = g_new0 (Cmd, 1);

  cmd->text = TRUE;
  cmd->line = g_strndup (text, len);
  cmd->names = g_new0 (gchar *, 1);
  return enqueue (port, cmd, (port->fd < 0 || !port->prompt) ? "no prompt waits for text" : NULL,
                  func, user_data, timeout_ms);
}

void
idg_at_port_cancel (IdgAtPort *port,
                    guint      id)
{
  GList *l;

  if (port->current && port->current->id == id) {
    port->current->func = NULL;
    return;
  }
  for (l = port->queue.head; l; l = l->next) {
    Cmd *cmd = l->data;

    if (cmd->id == id) {
      g_queue_delete_link (&port->queue, l);
      cmd_free (cmd);
      return;
    }
  }
}

guint
idg_at_port_timeout_for (const gchar *line)
{
  g_autoptr(GPtrArray) cmds = idg_at_parse_line (line, strlen (line), NULL);
  guint i, ms = 10000;

  for (i = 0; i < cmds->len; i++) {
    IdgAtCommand *c = g_ptr_array_index (cmds, i);

    if ((strcmp (c->name, "+COPS") == 0 && c->type == IDG_AT_TYPE_TEST) ||
        strcmp (c->name, "D") == 0 || strcmp (c->name, "+CGACT") == 0 ||
        strcmp (c->name, "+COPS") == 0 || strcmp (c->name, "+CGATT") == 0)
      ms = MAX (ms, 180000u);
    else if (strcmp (c->name, "+CFUN") == 0 || strcmp (c->name, "+CPIN") == 0 ||
             strcmp (c->name, "+CLCK") == 0 || strcmp (c->name, "+CPWD") == 0)
      ms = MAX (ms, 60000u);
  }
  return ms;
}
