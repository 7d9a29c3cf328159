#!/bin/bash
# Crash scenario: the underlay NIC — here a real virtio NIC — never loses its addresses (one boot,
# ~2-3 min under TCG). eth1 is the node's underlay, with a static address, a DHCP-learned one
# (finite lifetime) and a proto dhcp route; eth0 is the leaf's side, in its own netns. FRR runs
# natively (watchfrr -N crash-router) with the checkout's reloader, and evpn-node from the
# checkout:
#   1. `apply` killed (EVPN_NODE_CRASH_AT) right after the NIC left the host, before its addresses
#      came back: the NIC sits bare in the router netns; the next `apply` gives them all back
#   2. FRR stopped and the router netns deleted: the kernel hands the virtio NIC back to the
#      host bare; a new router netns and FRR, and `apply` puts the NIC back whole
#   3. `teardown` killed after the NIC moved back, before its addresses were re-added: the next
#      `teardown` finishes with the NIC whole in the host
# Each state is checked with `ip -j` and a ping to the leaf from both addresses. Everything it
# makes is removed at the end (eth0/eth1 bare in the host, as the VM booted).
set -uo pipefail
source "$(dirname "$0")/lib.sh"

R=crash-router
L=crash-leaf
RUN=/run/evpn-crash
STATE=/var/lib/evpn-crash
CONF=$RUN/config.yaml
FRR=/usr/lib/frr
evpn() { node "$LAB_PRODUCT/bin/evpn-node" --config "$CONF" "$@"; }
crash() { EVPN_NODE_CRASH_AT=$1 node "$LAB_PRODUCT/bin/evpn-node" --config "$CONF" "${@:2}"; }

start_frr() {
  ip netns add "$R" && ip -n "$R" link set lo up || return 1
  mkdir -p "/etc/frr/$R" "/var/run/frr/$R"
  cp "$LAB_PRODUCT/templates/daemons" "$LAB_PRODUCT/templates/vtysh.conf" "/etc/frr/$R/"
  [[ -f /etc/frr/$R/frr.conf ]] || : >"/etc/frr/$R/frr.conf"
  chown -R frr:frr "/etc/frr/$R" "/var/run/frr/$R"
  # Not on our stdout: `check` reads it to EOF, and the daemons watchfrr starts would hold it
  # open for as long as they live (the scenario hung here on FRR 10.3).
  timeout 120 ip netns exec "$R" "$FRR/watchfrr" -N "$R" -d zebra bgpd staticd bfdd \
    </dev/null >>"/var/log/$R-watchfrr.log" 2>&1 &&
    wait_until 90 bash -c "timeout 10 vtysh -N $R -c 'show daemons' | grep -q bgpd"
}

stop_frr() {
  local f
  for f in /var/run/frr/"$R"/*.pid; do [[ -e $f ]] && kill "$(cat "$f")" 2>/dev/null; done
  wait_until 30 bash -c "! pgrep -f -- '-N $R ' >/dev/null"
  pkill -9 -f -- "-N $R " 2>/dev/null
  rm -rf "/var/run/frr/$R"
  return 0
}

start_reloader() {
  mkdir -p "$RUN"
  python3 "$LAB_PRODUCT/scripts/frr-reloader" --socket "$RUN/reloader.sock" --config "/etc/frr/$R/frr.conf" \
    --pathspace "$R" >"$RUN/reloader.log" 2>&1 </dev/null &
  echo $! >"$RUN/reloader.pid"
  wait_until 30 test -S "$RUN/reloader.sock"
}

cleanup() {
  [[ -f $RUN/reloader.pid ]] && kill "$(cat "$RUN/reloader.pid")" 2>/dev/null
  stop_frr
  ip netns del "$R" 2>/dev/null
  ip netns del "$L" 2>/dev/null
  # Dead netns hand their physical NICs back to the host: wait for both, then leave them bare.
  wait_until 10 bash -c 'ip link show eth0 && ip link show eth1' >/dev/null
  ip addr flush dev eth1 2>/dev/null
  ip route flush proto dhcp 2>/dev/null
  ip link set eth0 down 2>/dev/null
  ip link set eth1 down 2>/dev/null
  rm -rf "$RUN" "$STATE" "/etc/frr/$R"
  return 0
}

world() {
  ip netns add "$L" && ip link set eth0 netns "$L" &&
    ip -n "$L" addr add 192.168.11.2/24 dev eth0 && ip -n "$L" link set eth0 up &&
    ip addr add 192.168.11.3/24 dev eth1 &&
    ip addr add 192.168.11.4/24 dev eth1 valid_lft 3600 preferred_lft 3600 &&
    ip link set eth1 up &&
    ip route add 203.0.113.0/24 via 192.168.11.2 dev eth1 proto dhcp &&
    ping -c 1 -W 3 192.168.11.2
}

write_config() {
  mkdir -p "$RUN"
  cat >"$CONF" <<EOF
node: {index: 3}
underlay:
  asn: 64514
  nic: eth1
  vtepCIDR: 100.65.0.0/24
  neighbors: [{address: 192.168.11.2, asn: 64512}]
readiness: {underlayEstablished: false}
runtime:
  netns: $R
  pidFile: /var/run/frr/$R/zebra.pid
  frrConfigDir: /etc/frr/$R
  reloaderSocket: $RUN/reloader.sock
  stateDir: $STATE
  runDir: $RUN
EOF
}

# ns_flag NS: `-n NS`, or nothing for the host.
nic_state() { # NS: "UP addrs... routes..." of eth1 there
  local n=(); [[ $1 != host ]] && n=(-n "$1")
  echo "$(ip "${n[@]}" -j addr show dev eth1 | jq -r '.[0] | (if (.flags | index("UP")) then "UP" else "DOWN" end),
    ([.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"] | sort | join(" "))' | paste -sd' ')" \
    "$(ip "${n[@]}" -j route show dev eth1 proto dhcp | jq -r '[.[].dst] | join(" ")')"
}
whole() { [[ $(nic_state "$1") == 'UP 192.168.11.3/24 192.168.11.4/24 203.0.113.0/24' ]] || { nic_state "$1"; return 1; }; }
bare_in() { # NS: eth1 is there, without any IPv4 address
  local n=(); [[ $1 != host ]] && n=(-n "$1")
  ip "${n[@]}" -j addr show dev eth1 | jq -e '.[0] and ([.[0].addr_info[] | select(.family == "inet")] | length == 0)'
}
pings_from() { # NS
  local x=(); [[ $1 != host ]] && x=(ip netns exec "$1")
  "${x[@]}" ping -c 1 -W 3 -I 192.168.11.3 192.168.11.2 && "${x[@]}" ping -c 1 -W 3 -I 192.168.11.4 192.168.11.2
}
killed() { "$@"; local rc=$?; echo "exit $rc"; ((rc == 137)); }   # 128 + SIGKILL
frr_in_sync() {
  python3 - "$RUN/reloader.sock" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(60); s.connect(sys.argv[1])
s.sendall(b'GET /diff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
data = b''
while True:
    d = s.recv(65536)
    if not d: break
    data += d
body = json.loads(data.split(b'\r\n\r\n', 1)[1])
print(body)
sys.exit(0 if body.get('ok') and body.get('inSync') else 1)
EOF
}

cleanup
check "the world: leaf netns on eth0, eth1 with a static and a DHCP-learned address, a dhcp route" world
check "FRR in netns $R (watchfrr -N $R)" start_frr
check "the reloader from the checkout" start_reloader
check "config written" write_config

# 1. Killed between the NIC's move and its addresses.
check_out "apply killed right after the NIC left the host (EVPN_NODE_CRASH_AT=pre:router:0)" 'exit 137' \
  killed crash pre:router:0 apply
check "eth1 sits bare in the router netns (what a kill there left before)" bare_in "$R"
check "the snapshot was on disk before the move (mode 0600)" bash -c "[[ \$(stat -c %a $STATE/underlay/eth1.json) == 600 ]] && jq -e '.addrs | length == 2' $STATE/underlay/eth1.json"
check "apply again: exit 0" evpn apply
check "eth1 whole in the router netns: both addresses (the DHCP one too), the dhcp route, up" whole "$R"
check "ping the leaf from both addresses in the router netns" pings_from "$R"
check "FRR runs frr.conf (GET /diff: frr-reload.py --test finds nothing, FRR 10.3)" frr_in_sync

# 2. The router netns destroyed: the kernel hands the NIC back bare.
destroy_router() { stop_frr && ip netns del "$R" && wait_until 20 ip link show eth1; }
check "FRR stopped, ip netns del $R: eth1 is back in the host" destroy_router
check "eth1 came back bare (the kernel keeps no address)" bare_in host
check "a new router netns and FRR" start_frr
check "apply: exit 0" evpn apply
check "eth1 whole in the new router netns" whole "$R"
check "ping the leaf from both addresses" pings_from "$R"

# 3. Teardown killed after the NIC moved back, before its addresses were re-added.
check_out "teardown killed after its 'pre' phase (EVPN_NODE_CRASH_AT=after:pre)" 'exit 137' killed crash after:pre teardown --yes
check "eth1 sits bare in the host" bare_in host
check "teardown again: exit 0" evpn teardown --yes
check "eth1 whole in the host" whole host
check "ping the leaf from both addresses in the host" pings_from host
check "the snapshot is gone once the NIC is home" test ! -e "$STATE/underlay/eth1.json"

cleanup
lab_done
