#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# shipped-config.sh DIR [MODEM-DIR]: prints the shipped systemd/idguard.conf
# with only what a test must change: its directories moved under DIR (state,
# run), and, with MODEM-DIR, the simulated modem's [modem] lines uncommented
# and pointed at MODEM-DIR/{qmi,mbim,at}. $IDG_CONFIG_IN, if set, is read
# instead of the source tree's file (an installed copy).
set -eu
: "${IDG_SRC:?}"
in=${IDG_CONFIG_IN:-$IDG_SRC/systemd/idguard.conf}
dir=$1
modem=${2:-}
sed -e "s|^state-dir=.*|state-dir=$dir/state|" \
    -e "s|^runtime-dir=.*|runtime-dir=$dir/run|" \
    -e "s|^at-link=/run/idguard/at|at-link=$dir/run/at|" \
    "$in" |
  if [ -n "$modem" ]; then
    sed -e "s|^#qmi=/run/idguard-modem-sim/qmi\$|qmi=$modem/qmi|" \
        -e "s|^#mbim=/run/idguard-modem-sim/mbim\$|mbim=$modem/mbim|" \
        -e "s|^#at=/run/idguard-modem-sim/at\$|at=$modem/at|"
  else
    cat
  fi
