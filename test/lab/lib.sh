# test/lab/lib.sh: sourced by the lab scenarios, which scripts/lab run executes inside the guest
# (bash /opt/evpn-node/test/lab/NAME.sh, with LAB_BOOT=1, 2, … counting the guest's boots).
#
#   check NAME CMD...            run CMD; count it passed (exit 0) or failed (output shown)
#   check_out NAME REGEX CMD...  run CMD; passed when it exits 0 and its output matches REGEX
#   wait_until SECONDS CMD...    retry CMD every second until it succeeds (1 when it never does)
#   lab_reboot                   end this boot's part: print the tally, ask the host to reboot
#                                the guest and run the scenario again with LAB_BOOT+1
#   lab_done                     print `N passed, N failed`; exit 1 when any failed
# Scenarios print TAP-like lines (`ok - …`, `not ok - …`) as they go.
# shellcheck shell=bash

LAB_BOOT=${LAB_BOOT:-1}
LAB_PASSED=0
LAB_FAILED=0
LAB_REBOOT_EXIT=100   # scripts/lab reboots the guest when a scenario exits with this
# shellcheck disable=SC2034 # for the scenarios that source this file
LAB_PRODUCT=/opt/evpn-node

_lab_result() {
  local ok=$1 name=$2 out=$3
  if ((ok)); then
    LAB_PASSED=$((LAB_PASSED + 1))
    echo "ok - $name"
  else
    LAB_FAILED=$((LAB_FAILED + 1))
    echo "not ok - $name"
    # shellcheck disable=SC2001 # a prefix on every line: sed, not ${out//…}
    [[ -n $out ]] && sed 's/^/#   /' <<<"$out" | tail -n 30
  fi
  return 0
}

check() {
  local name=$1 out rc
  shift
  out=$("$@" 2>&1) && rc=0 || rc=$?
  ((rc == 0)) || out="exit $rc: $*"$'\n'"$out"
  _lab_result $((rc == 0)) "$name" "$out"
}

check_out() {
  local name=$1 re=$2 out rc
  shift 2
  out=$("$@" 2>&1) && rc=0 || rc=$?
  if ((rc == 0)) && [[ $out =~ $re ]]; then
    _lab_result 1 "$name" ""
  else
    _lab_result 0 "$name" "exit $rc: $* (expected output matching /$re/)"$'\n'"$out"
  fi
}

wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

lab_tally() { echo "$LAB_PASSED passed, $LAB_FAILED failed"; }

lab_reboot() {
  lab_tally
  exit "$LAB_REBOOT_EXIT"
}

lab_done() {
  lab_tally
  ((LAB_FAILED == 0))
  exit $?
}
