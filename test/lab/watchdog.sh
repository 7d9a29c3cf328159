#!/bin/bash
# Watchdog scenario, after `node` (which leaves the product installed and converged): the
# controller's systemd watchdog for real (systemd 257, podman 5.4's conmon in between). With a
# drop-in giving WatchdogSec=20s and the container WATCHDOG_USEC to match, the daemon's
# WATCHDOG=1 must reach systemd through conmon (--sdnotify=container); then the daemon's node
# process is stopped (SIGSTOP: a loop that makes no progress), and systemd must kill the
# controller on the watchdog and start a new one that converges again, while 50 ms pings over
# both VNIs show the node's network stayed up (a controller restart must not touch it).
# The drop-in is removed at the end. About 3 minutes under TCG.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

UNIT=evpn-node-controller.service
DROPIN=/etc/systemd/system/$UNIT.d/90-lab-watchdog.conf
WATCHDOG_SEC=20
MAX_LOST=2 # as node.sh: at most 100 ms of 50 ms pings

ctl_status() { systemctl status --no-pager -n 0 "$UNIT"; }
converged() { systemctl is-active -q "$UNIT" && ctl_status | grep -q 'Status: "converged"'; }
main_pid() { systemctl show -p MainPID --value "$UNIT"; }
daemon_pid() { podman inspect --format '{{.State.Pid}}' evpn-node-controller 2>/dev/null; }
watchdog_ts() { systemctl show -p WatchdogTimestampMonotonic --value "$UNIT"; }
remote_ok() { ping -c 2 -i 0.5 -W 3 10.200.0.10; }

if ! wait_until 120 converged; then
  check "the node scenario ran before (the controller is active and converged)" false
  ctl_status 2>&1 | sed 's/^/# /'
  lab_done
fi

# The unit's own ExecStart with the container's WATCHDOG_USEC set to WATCHDOG_SEC: the daemon
# pings every quarter of it. TimeoutAbortSec: a SIGSTOPped process cannot act on the watchdog's
# SIGABRT (a stuck but running Node aborts at once), so systemd's SIGKILL comes after this
# instead of the unit's 70 s stop timeout; it only shortens the wait.
write_dropin() {
  local fragment exec
  fragment=$(systemctl show -p FragmentPath --value "$UNIT")
  exec=$(awk '/^ExecStart=/ { on = 1 } on { print; if ($0 !~ /\\$/) exit }' "$fragment" |
    sed -E "s/--env=WATCHDOG_USEC=[0-9]+/--env=WATCHDOG_USEC=${WATCHDOG_SEC}000000/")
  grep -q "WATCHDOG_USEC=${WATCHDOG_SEC}000000" <<<"$exec" || { echo "no --env=WATCHDOG_USEC in $fragment's ExecStart"; return 1; }
  mkdir -p "$(dirname "$DROPIN")"
  printf '[Service]\nWatchdogSec=%ss\nTimeoutAbortSec=20s\nExecStart=\n%s\n' "$WATCHDOG_SEC" "$exec" >"$DROPIN"
  systemctl daemon-reload
}

# Pings from the host over the L3VNI (10.200.0.10 behind the leaf in VRF red) and the L2VNI
# (192.170.10.30 on VNI 110, left configured by node), from before the first restart to the end.
ping -n -i 0.05 -W 1 10.200.0.10 >/tmp/watchdog-l3.txt 2>&1 &
pings=($!)
ping -n -i 0.05 -W 1 192.170.10.30 >/tmp/watchdog-l2.txt 2>&1 &
pings+=($!)
ip -n evpn-node monitor route neigh >/tmp/watchdog-router.txt 2>&1 &
monitor=$!
sleep 1

check "drop-in: WatchdogSec=${WATCHDOG_SEC}s, WATCHDOG_USEC=${WATCHDOG_SEC}000000 into the container" write_dropin
t0=$SECONDS
check "systemctl restart evpn-node-controller (returns at READY=1)" systemctl restart "$UNIT"
check "converged after the restart" wait_until 180 converged
echo "# restart to converged: $((SECONDS - t0)) s"
# A running service keeps the WatchdogSec it started with (systemd 257, daemon-reload or not).
check_out "the new controller runs with WatchdogUSec=${WATCHDOG_SEC}s" "^${WATCHDOG_SEC}s$" systemctl show -p WatchdogUSec --value "$UNIT"
# systemd records each WATCHDOG=1 it gets: it moves only if conmon passes the daemon's on.
ts0=$(watchdog_ts)
forwarded() { [[ $(watchdog_ts) != "$ts0" ]]; }
check "WATCHDOG=1 reaches systemd through conmon (WatchdogTimestamp moves within $((WATCHDOG_SEC / 2)) s)" \
  wait_until $((WATCHDOG_SEC / 2)) forwarded

old_main=$(main_pid)
old_daemon=$(daemon_pid)
echo "# MainPID $old_main (conmon), the daemon's node process $old_daemon ($(ps -o args= -p "$old_daemon" | cut -c1-60))"
since=$(date +%s)
t0=$SECONDS
check "SIGSTOP the daemon's node process (pid $old_daemon, from the host: --pid=host)" kill -STOP "$old_daemon"
timed_out() { journalctl -u "$UNIT" --no-pager --since "@$since" | grep -q 'Watchdog timeout'; }
check "systemd: watchdog timeout for the controller (within 2 x WatchdogSec)" wait_until $((2 * WATCHDOG_SEC + 10)) timed_out
echo "# watchdog timeout $((SECONDS - t0)) s after the SIGSTOP"
restarted() { local m; m=$(main_pid); [[ $m != 0 && $m != "$old_main" ]] && converged; }
check "a new controller (new MainPID) converged again" wait_until 240 restarted
echo "# SIGSTOP to converged again: $((SECONDS - t0)) s; MainPID $(main_pid), node process $(daemon_pid)"
check "the stopped node process is gone" bash -c "! kill -0 $old_daemon 2>/dev/null"
kill -CONT "$old_daemon" 2>/dev/null # should it still be there: let it end
journalctl -u "$UNIT" --no-pager -o short-monotonic --since "@$since" |
  grep -E 'Watchdog|watchdog|SIGABRT|SIGKILL|Killing|Failed with result|Scheduled restart|Started|Main process exited' |
  head -n 15 | sed 's/^/# journal: /'
check_out "journal: the unit failed with result 'watchdog'" "Failed with result 'watchdog'" \
  journalctl -u "$UNIT" --no-pager --since "@$since"
check "the remote host reachable over the L3VNI" remote_ok

kill -INT "${pings[@]}"
wait "${pings[@]}" 2>/dev/null
kill "$monitor"
wait "$monitor" 2>/dev/null
lost() { # file: transmitted - received, from ping's summary line
  sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$1" | { read -r t r && echo $((t - r)); }
}
sent() { sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$1"; }
deleted=$(grep -cE '^Deleted .*(proto |dev vni| extern_learn|NOARP)' /tmp/watchdog-router.txt)
echo "# two controller restarts (systemctl restart, watchdog): lost L3VNI $(lost /tmp/watchdog-l3.txt)/$(sent /tmp/watchdog-l3.txt)," \
  "L2VNI $(lost /tmp/watchdog-l2.txt)/$(sent /tmp/watchdog-l2.txt) pings (50 ms each); the router netns deleted $deleted routes/FDB entries"
at_most_lost() { (($(lost "$1") <= MAX_LOST)); }
check "the network stayed up: at most $MAX_LOST 50 ms pings lost over the L3VNI" at_most_lost /tmp/watchdog-l3.txt
check "the network stayed up: at most $MAX_LOST 50 ms pings lost over the L2VNI" at_most_lost /tmp/watchdog-l2.txt

rm -f "$DROPIN"
rmdir --ignore-fail-on-non-empty "$(dirname "$DROPIN")"
systemctl daemon-reload
# The running controller keeps 20 s until its next start; the unit is its own again.
check "drop-in removed (not in DropInPaths)" bash -c "! systemctl show -p DropInPaths --value $UNIT | grep -qF 90-lab-watchdog"
lab_done
