/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure parsers for idguardctl's arguments, so that a typo is caught before
 * anything reaches the broker (which checks again): DURATION, SELECTOR and
 * TIME as interfaces.md defines them.
 */
#ifndef CTL_PARSE_H
#define CTL_PARSE_H

#include <glib.h>

G_BEGIN_DECLS

/* Longest DURATION accepted: 100 years. */
#define CTL_DURATION_MAX ((guint64) 100 * 365 * 24 * 3600)

/* "30s", "15m", "12h", "90d" -> seconds (> 0). */
gboolean ctl_parse_duration (const gchar  *str,
                             guint64      *seconds,
                             GError      **error);

/* Comma-separated uid:N, gid:N, exe:PATH, unit:NAME, cgroup:PATH; each key
 * at most once, at least one item; paths absolute. */
gboolean ctl_check_selector (const gchar  *str,
                             GError      **error);

/* The selector a grant is made for: str (checked as ctl_check_selector
 * does) with "uid:UID" added when uid (a decimal id, or NULL) is given. An
 * exe: item without uid:, gid: or unit: is refused with a message that
 * says why and how to fix it, and so is --uid beside a uid: item. *out is
 * the selector to send. */
gboolean ctl_complete_grant_selector (const gchar  *str,
                                      const gchar  *uid,
                                      gchar       **out,
                                      GError      **error);

/* TIME for `audit --since`: "now", a DURATION meaning that long ago
 * ("15m"), "@EPOCH" (seconds), "YYYY-MM-DD" (local midnight), or ISO 8601
 * ("2026-11-23T10:00:00Z", "2026-11-23 10:00", local time without a zone).
 * now_us and *out_us are UNIX microseconds. */
gboolean ctl_parse_time     (const gchar  *str,
                             gint64        now_us,
                             gint64       *out_us,
                             GError      **error);

G_END_DECLS

#endif
