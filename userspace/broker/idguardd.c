// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * idguardd --config FILE [--foreground] [--debug]
 *
 * Thin main: config, broker core, modem backends and doors per config, the
 * service API, then the main loop until SIGTERM/SIGINT. Any failure before
 * the loop is one line on stderr and a non-zero exit: it never runs half
 * configured. Without --foreground (and when not started by systemd with
 * NOTIFY_SOCKET) it detaches once everything is up; the parent exits with
 * the child's start-up result.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib-unix.h>

#include "idg-build-config.h"
#include "idg-broker.h"
#include "idg-modem-qmi.h"
#include "idg-modem-mbim.h"
#include "idg-modem-at.h"
#include "idg-door-qmi.h"
#include "idg-door-mbim.h"
#include "idg-door-at.h"
#include "idg-api.h"
#include "idg-kmod.h"
#if IDG_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

/* FileDescriptorName= of idguard-qmi-proxy.socket / idguard-mbim-proxy.socket */
#define UNIT_QMI_NAME  "qmi-proxy"
#define UNIT_MBIM_NAME "mbim-proxy"

#define EXIT_CONFIG 2
#define EXIT_START  1

typedef struct {
  IdgBroker    *broker;
  IdgModemQmi  *qmi;
  IdgModemMbim *mbim;
  IdgModemAt   *at;
  IdgDoorQmi   *qmi_door;
  IdgDoorMbim  *mbim_door;
  IdgDoorAt    *at_door;
  IdgApi       *api;
  IdgKmod      *kmod;
  GMainLoop    *loop;
} Daemon;

static int ready_fd = -1;   /* write end of the detach pipe, or -1 */

/* One line on stderr (and to the waiting parent when detaching). */
static void
fail_line (const gchar *message)
{
  g_autofree gchar *line = g_strdup_printf ("idguardd: %s\n", message);

  if (ready_fd >= 0) {
    ssize_t r = write (ready_fd, line, strlen (line));
    (void) r;
  } else {
    fputs (line, stderr);
  }
}

/* Under systemd: a socket handed over with FileDescriptorName=name. */
static int
inherited_fd (const gchar *name)
{
#if IDG_HAVE_SYSTEMD
  static char **names;
  static int n = -1;
  int i;

  if (n < 0) {
    n = sd_listen_fds_with_names (0, &names);
    if (n < 0)
      n = 0;
  }
  for (i = 0; i < n && names != NULL; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return SD_LISTEN_FDS_START + i;
#endif
  return -1;
}

static guint
qmi_clients (gpointer door)
{
  return idg_door_qmi_get_n_clients (door);
}

static guint
mbim_clients (gpointer door)
{
  return idg_door_mbim_get_n_clients (door);
}

static guint
at_clients (gpointer door)
{
  return idg_door_at_get_n_clients (door);
}

static gboolean
start_modems_and_doors (Daemon   *d,
                        GError  **error)
{
  IdgConfig *c = idg_broker_get_config (d->broker);
  const gchar *qmi_name, *mbim_name;

  if (c->modem_qmi != NULL)
    d->qmi = idg_modem_qmi_new (d->broker, c->modem_qmi);
  if (c->modem_mbim != NULL)
    d->mbim = idg_modem_mbim_new (d->broker, c->modem_mbim);
  if (c->modem_at != NULL)
    d->at = idg_modem_at_new (d->broker, c->modem_at);

  /* A door is served whether or not its protocol has a modem port (with
   * none it refuses every open at once). A name handed over by the socket
   * units is served even where the config names no door, so that no
   * client waits on it. */
  qmi_name = c->qmi_socket != NULL ? c->qmi_socket
                                   : (inherited_fd (UNIT_QMI_NAME) >= 0 ? UNIT_QMI_NAME : NULL);
  mbim_name = c->mbim_socket != NULL ? c->mbim_socket
                                     : (inherited_fd (UNIT_MBIM_NAME) >= 0 ? UNIT_MBIM_NAME : NULL);
  if (qmi_name != NULL) {
    if (d->qmi == NULL)
      g_message ("qmi door %s: no [modem] qmi, every client refused", qmi_name);
    d->qmi_door = idg_door_qmi_new (d->broker, d->qmi, qmi_name, inherited_fd (qmi_name), error);
    if (d->qmi_door == NULL)
      return FALSE;
    idg_broker_add_door (d->broker, IDG_DOOR_QMI, qmi_name, qmi_clients, d->qmi_door);
  }
  if (mbim_name != NULL) {
    if (d->mbim == NULL)
      g_message ("mbim door %s: no [modem] mbim, every client refused", mbim_name);
    d->mbim_door = idg_door_mbim_new (d->broker, d->mbim, mbim_name, inherited_fd (mbim_name), error);
    if (d->mbim_door == NULL)
      return FALSE;
    idg_broker_add_door (d->broker, IDG_DOOR_MBIM, mbim_name, mbim_clients, d->mbim_door);
  }
  if ((c->at_socket != NULL || c->at_link != NULL) && d->at == NULL) {
    g_message ("AT door not served: no [modem] at");
  } else if (c->at_socket != NULL || c->at_link != NULL) {
    d->at_door = idg_door_at_new (d->broker, d->at, c->at_socket, c->at_link,
                                  c->at_link_selector, error);
    if (d->at_door == NULL)
      return FALSE;
    idg_broker_add_door (d->broker, IDG_DOOR_AT,
                         c->at_socket != NULL ? c->at_socket : c->at_link,
                         at_clients, d->at_door);
  }
  return TRUE;
}

/* The system bus only if one is reachable (CI images have none). */
static gboolean
system_bus_reachable (void)
{
  return g_getenv ("DBUS_SYSTEM_BUS_ADDRESS") != NULL ||
         g_file_test ("/run/dbus/system_bus_socket", G_FILE_TEST_EXISTS);
}

static gboolean
start_api (Daemon   *d,
           GError  **error)
{
  IdgConfig *c = idg_broker_get_config (d->broker);
  g_autofree gchar *sock = g_build_filename (c->runtime_dir, "api.sock", NULL);

  d->api = idg_api_new (d->broker, sock, system_bus_reachable (), error);
  return d->api != NULL;
}

/* /dev/idguard when present (an idle bridge when not); a device that is
 * there but cannot be claimed stops the daemon. */
static gboolean
start_kmod (Daemon   *d,
            GError  **error)
{
  d->kmod = idg_kmod_new (d->broker, NULL, error);
  return d->kmod != NULL;
}

static void
daemon_stop (Daemon *d)
{
  g_clear_pointer (&d->kmod, idg_kmod_free);
  g_clear_pointer (&d->api, idg_api_free);
  if (d->broker != NULL) {
    idg_broker_remove_door (d->broker, IDG_DOOR_AT);
    idg_broker_remove_door (d->broker, IDG_DOOR_MBIM);
    idg_broker_remove_door (d->broker, IDG_DOOR_QMI);
  }
  g_clear_pointer (&d->at_door, idg_door_at_free);
  g_clear_pointer (&d->mbim_door, idg_door_mbim_free);
  g_clear_pointer (&d->qmi_door, idg_door_qmi_free);
  g_clear_pointer (&d->at, idg_modem_at_free);
  g_clear_pointer (&d->mbim, idg_modem_mbim_free);
  g_clear_pointer (&d->qmi, idg_modem_qmi_free);
  g_clear_pointer (&d->broker, idg_broker_free);
}

static gboolean
on_signal (gpointer data)
{
  Daemon *d = data;

  g_message ("stopping");
  g_main_loop_quit (d->loop);
  return G_SOURCE_CONTINUE;
}

/* Forks; the parent waits for the child's "ready" (exit 0) or its error
 * line (printed, exit 1). Returns in the child only. */
static void
detach (void)
{
  int p[2];
  pid_t pid;

  if (pipe2 (p, O_CLOEXEC) < 0) {
    fprintf (stderr, "idguardd: cannot detach: %s\n", g_strerror (errno));
    exit (EXIT_START);
  }
  pid = fork ();
  if (pid < 0) {
    fprintf (stderr, "idguardd: cannot detach: %s\n", g_strerror (errno));
    exit (EXIT_START);
  }
  if (pid > 0) {
    gchar buf[512];
    ssize_t n;

    close (p[1]);
    n = read (p[0], buf, sizeof buf - 1);
    if (n == 1 && buf[0] == '\n')
      _exit (0);
    if (n > 0) {
      buf[n] = '\0';
      fputs (buf, stderr);
    }
    waitpid (pid, NULL, WNOHANG);
    _exit (EXIT_START);
  }
  close (p[0]);
  ready_fd = p[1];
  setsid ();
}

static void
announce_ready (void)
{
#if IDG_HAVE_SYSTEMD
  sd_notify (0, "READY=1\nSTATUS=serving");
#endif
  if (ready_fd >= 0) {
    int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
    ssize_t r = write (ready_fd, "\n", 1);

    (void) r;
    close (ready_fd);
    ready_fd = -1;
    if (devnull >= 0) {
      dup2 (devnull, STDIN_FILENO);
      dup2 (devnull, STDOUT_FILENO);
      dup2 (devnull, STDERR_FILENO);
      close (devnull);
    }
  }
}

int
main (int    argc,
      char **argv)
{
  g_autofree gchar *config_path = NULL;
  gboolean foreground = FALSE, debug = FALSE, version = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "FILE" },
    { "foreground", 'f', 0, G_OPTION_ARG_NONE, &foreground, "Do not detach", NULL },
    { "debug", 'd', 0, G_OPTION_ARG_NONE, &debug, "Debug messages (never identifier values)", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- modem identifier broker");
  g_autoptr(GError) error = NULL;
  Daemon d = { 0 };
  IdgConfig *config;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    fprintf (stderr, "idguardd: %s\n", error->message);
    return EXIT_CONFIG;
  }
  if (version) {
    printf ("idguardd %s\n", IDG_VERSION);
    return 0;
  }
  if (config_path == NULL || argc > 1) {
    fprintf (stderr, "idguardd: usage: idguardd --config FILE [--foreground] [--debug]\n");
    return EXIT_CONFIG;
  }
  if (debug)
    g_log_set_debug_enabled (TRUE);
  signal (SIGPIPE, SIG_IGN);

  config = idg_config_load (config_path, &error);
  if (config == NULL) {
    fail_line (error->message);
    return EXIT_CONFIG;
  }
  if (!foreground && g_getenv ("NOTIFY_SOCKET") == NULL)
    detach ();

  d.broker = idg_broker_new (config, &error);
  if (d.broker == NULL || !start_modems_and_doors (&d, &error) || !start_api (&d, &error) || !start_kmod (&d, &error)) {
    fail_line (error->message);
    daemon_stop (&d);
    return EXIT_START;
  }

  d.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, &d);
  g_unix_signal_add (SIGINT, on_signal, &d);
  g_message ("ready (policy %s, state %s)",
             idg_policy_to_string (config->policy), config->state_dir);
  announce_ready ();
  g_main_loop_run (d.loop);

#if IDG_HAVE_SYSTEMD
  sd_notify (0, "STOPPING=1");
#endif
  daemon_stop (&d);
  g_main_loop_unref (d.loop);
  return 0;
}
