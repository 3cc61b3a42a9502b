/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <gio/gio.h>
#include "sim-control.h"

static gboolean
parse_fault (gchar **words, SimControlCommand *cmd, GError **error)
{
  static const struct { const gchar *name; guint mask; } protos[] = {
    { "qmi", 1 << SIM_PROTO_QMI },
    { "mbim", 1 << SIM_PROTO_MBIM },
    { "at", 1 << SIM_PROTO_AT },
    { "all", (1 << SIM_N_PROTOS) - 1 },
  };
  static const struct { const gchar *name; SimFault fault; } modes[] = {
    { "normal", SIM_FAULT_NORMAL },
    { "garbage", SIM_FAULT_GARBAGE },
    { "silent", SIM_FAULT_SILENT },
    { "slow", SIM_FAULT_SLOW },
  };
  guint i;

  if (g_strv_length (words) != 3) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "usage: fault qmi|mbim|at|all normal|garbage|silent|slow");
    return FALSE;
  }
  cmd->protos = 0;
  for (i = 0; i < G_N_ELEMENTS (protos); i++)
    if (strcmp (words[1], protos[i].name) == 0)
      cmd->protos = protos[i].mask;
  if (!cmd->protos) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown protocol");
    return FALSE;
  }
  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    if (strcmp (words[2], modes[i].name) == 0) {
      cmd->fault = modes[i].fault;
      cmd->verb = SIM_CONTROL_FAULT;
      return TRUE;
    }
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown fault mode");
  return FALSE;
}

gboolean
sim_control_parse (const gchar       *line,
                   SimControlCommand *cmd,
                   GError           **error)
{
  g_autofree gchar *copy = g_strstrip (g_strdup (line));
  g_auto(GStrv) words = NULL;

  memset (cmd, 0, sizeof *cmd);
  words = g_strsplit_set (copy, " \t", -1);
  if (!words[0] || !words[0][0]) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "empty command");
    return FALSE;
  }
  if (strcmp (words[0], "ping") == 0 && !words[1]) {
    cmd->verb = SIM_CONTROL_PING;
    return TRUE;
  }
  if (strcmp (words[0], "swap") == 0 &&
      (!words[1] || (strcmp (words[1], "quiet") == 0 && !words[2]))) {
    cmd->verb = SIM_CONTROL_SWAP;
    cmd->quiet = words[1] != NULL;
    return TRUE;
  }
  if (strcmp (words[0], "set") == 0) {
    const gchar *eq = words[1] ? strchr (words[1], '=') : NULL;

    if (!eq || eq == words[1] || words[2]) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "usage: set KEY=VALUE");
      return FALSE;
    }
    cmd->verb = SIM_CONTROL_SET;
    cmd->key = g_strndup (words[1], (gsize) (eq - words[1]));
    cmd->value = g_strdup (eq + 1);
    return TRUE;
  }
  if (strcmp (words[0], "fault") == 0)
    return parse_fault (words, cmd, error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown command");
  return FALSE;
}

void
sim_control_clear (SimControlCommand *cmd)
{
  g_clear_pointer (&cmd->key, g_free);
  g_clear_pointer (&cmd->value, g_free);
}
