#!/bin/bash
# Smoke scenario: the lab VM has what the evpn-node scenarios need, and the lab machinery works.
# Boot 1: systemd, kernel (VRF, VLAN), podman, the offline images, the FRR image in a pod on the
# named netns found through its pidfile, the two virtio NICs through the hub, a real NIC
# coming back from a destroyed netns. One boot: the node scenario reboots the guest twice and
# proves what must survive a reboot with the product itself.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

SMOKE=/run/lab-smoke
NETNS=evpn-node         # the product's router netns name (SPEC: /run/netns/evpn-node)

system_up() {
  # `running`, or `degraded` with the failed units listed (a failed unit fails the check).
  local state
  state=$(systemctl is-system-running --wait)
  echo "$state"
  [[ $state == running ]] || { systemctl --failed --no-legend; return 1; }
}

kernel_at_least() {
  local want_major=$1 want_minor=$2 major minor
  IFS=. read -r major minor _ <<<"$(uname -r)"
  uname -r
  ((major > want_major || (major == want_major && minor >= want_minor)))
}

vrf_works() { ip link add smoke-vrf type vrf table 10 && ip -d link show smoke-vrf | grep -q 'vrf table 10'; }

vlan_works() {
  ip link add smoke-d0 type dummy &&
    ip link add link smoke-d0 name smoke-d0.10 type vlan id 10 &&
    ip -d link show smoke-d0.10 | grep -q 'vlan protocol 802.1Q id 10'
}

cleanup_boot1() {
  podman pod rm -f -t 0 smoke-router >/dev/null 2>&1
  podman rmi -f localhost/smoke-controller:lab >/dev/null 2>&1
  ip link del smoke-vrf 2>/dev/null
  ip link del smoke-d0 2>/dev/null
  ip netns del smoke-leaf 2>/dev/null
  ip netns del "$NETNS" 2>/dev/null
  rm -rf "$SMOKE"
}

frr_pod() {
  mkdir -p "$SMOKE/frr"
  cp "$LAB_PRODUCT/templates/daemons" "$SMOKE/frr/daemons" 2>/dev/null ||
    printf 'bgpd=yes\nvtysh_enable=yes\n' >"$SMOKE/frr/daemons"
  printf 'service integrated-vtysh-config\n' >"$SMOKE/frr/vtysh.conf"
  printf 'frr defaults datacenter\nhostname smoke\nlog stdout\nrouter bgp 64514\n bgp router-id 10.0.0.1\nexit\n' \
    >"$SMOKE/frr/frr.conf"
  ip netns add "$NETNS"
  podman pod create --name smoke-router --network "ns:/run/netns/$NETNS" --share=+pid >/dev/null &&
    podman run -d --pod smoke-router --name smoke-frr --pidfile "$SMOKE/frr.pid" \
      --cap-add NET_ADMIN,NET_RAW,NET_BIND_SERVICE,SYS_ADMIN \
      -v "$SMOKE/frr:/etc/frr:Z" localhost/evpn-node-frr:lab >/dev/null
}

frr_daemons_up() { podman exec smoke-frr vtysh -c 'show daemons' | grep -q bgpd; }

controller_image() {
  # What the controller's Containerfile will do: FROM the base, COPY the app, build offline.
  local ctx="$SMOKE/controller"
  mkdir -p "$ctx/app"
  echo 'console.log(`node ${process.version} in ${process.env.SMOKE_WHERE}`)' >"$ctx/app/hello.mjs"
  printf 'FROM localhost/evpn-node-base:lab\nENV SMOKE_WHERE=container\nCOPY app /app\nENTRYPOINT ["node", "/app/hello.mjs"]\n' \
    >"$ctx/Containerfile"
  podman build --quiet --pull=never --network=none -t localhost/smoke-controller:lab "$ctx" >/dev/null &&
    podman run --rm --network host --pull=never localhost/smoke-controller:lab
}

nics_see_each_other() {
  ip netns add smoke-leaf &&
    ip link set eth0 netns smoke-leaf &&
    ip -n smoke-leaf addr add 192.0.2.1/30 dev eth0 && ip -n smoke-leaf link set eth0 up &&
    ip addr add 192.0.2.2/30 dev eth1 && ip link set eth1 up &&
    ping -c 3 -i 0.3 -W 3 192.0.2.1
}

nic_back_from_netns() {
  # A real NIC, unlike a veth, survives its netns: the kernel gives it back to the host.
  ip addr flush dev eth1
  ip netns del smoke-leaf
  wait_until 10 ip link show eth0 && ip -br link show eth0
}

if ((LAB_BOOT == 1)); then
  cleanup_boot1
  check_out "systemd reached multi-user (system running)" '^running' system_up
  check_out "kernel is 6.12 or newer" '' kernel_at_least 6 12
  check "VRF device (ip link add … type vrf table 10)" vrf_works
  check "VLAN device (ip link add … type vlan id 10)" vlan_works
  check_out "podman 5" '^5\.' podman version --format '{{.Client.Version}}'
  check_out "FRR 10.3 in the VM (for the leaf)" 'version 10\.3' /usr/lib/frr/zebra --version
  check_out "Node.js 20.19 or newer in the VM" '^v(2[2-9]|20\.(19|[2-9][0-9]))' node --version
  check "the checkout is at $LAB_PRODUCT" test -f "$LAB_PRODUCT/package.json"
  check "no route out of the guest" bash -c '! ip route get 1.1.1.1'
  check "image localhost/evpn-node-frr:lab exists" podman image exists localhost/evpn-node-frr:lab
  check "image localhost/evpn-node-base:lab exists" podman image exists localhost/evpn-node-base:lab
  check "FRR pod on ns:/run/netns/$NETNS with --share=+pid" frr_pod
  check "FRR container wrote its pidfile" wait_until 30 test -s "$SMOKE/frr.pid"
  check_out "ip netns identify <FRR pid> says $NETNS" "^$NETNS\$" \
    bash -c "ip netns identify \$(cat $SMOKE/frr.pid)"
  check "watchfrr started zebra and bgpd in the pod" wait_until 60 frr_daemons_up
  # scripts/lab builds it from Debian sid's FRR (>= 10.6) when it can, else from trixie's 10.3.
  check_out "FRR 10.3, or >= 10.6 from sid, in the image" 'FRRouting (10\.(3|[6-9])|1[1-9]\.)' \
    podman exec smoke-frr vtysh -c 'show version'
  check "frr-reload.py and python3 in the image" \
    podman exec smoke-frr sh -c 'test -x /usr/lib/frr/frr-reload.py && python3 --version'
  check_out "controller-style image builds offline FROM evpn-node-base and runs node" \
    '^node v2[0-9.]+ in container$' controller_image
  check "ip in the base image" podman run --rm --network none --pull=never \
    localhost/evpn-node-base:lab ip -V
  check "eth0 and eth1 see each other through the hub (eth0 in a netns)" nics_see_each_other
  check "eth0 returns to the host when its netns is deleted" nic_back_from_netns
  check "eth1 moved into $NETNS comes back when the pod and netns go" bash -c "
    ip link set eth1 netns $NETNS && ! ip link show eth1 >/dev/null 2>&1 &&
    podman pod rm -f -t 0 smoke-router >/dev/null && ip netns del $NETNS &&
    for i in \$(seq 10); do ip link show eth1 >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1"
  cleanup_boot1
fi
lab_done
