#!/bin/bash
# Node scenario: evpn-node installed as the units generate it, on a VM whose underlay NIC is a
# real virtio NIC, against a leaf FRR (L3VNI VRF red with a remote host behind it, an L2VNI 110)
# built in netns inside the guest (test/lab/guest/lab-world, started at boot by lab-leaf.service).
#   boot 1  install: controller image (podman load of the host-built archive), units, config, a
#           stand-in kubelet ordered after evpn-node; enable; reboot (nothing started by hand)
#   boot 2  after boot: units active, BGP Established, VRF red real, type-5 both ways, default
#           route via the router leg, kubelet found the remote host at its start; reboot
#   boot 3  the same again; then reload with an L2VNI added (appears, traffic, nothing flaps),
#           `podman kill` of FRR, removal of the router pod, a broken edit plus reload
set -uo pipefail
source "$(dirname "$0")/lib.sh"

GUEST=$LAB_PRODUCT/test/lab/guest
CONF=/etc/evpn-node/config.yaml
FRR_IMAGE=localhost/evpn-node-frr:lab
CTRL_IMAGE=localhost/evpn-node:latest
UNITS=(evpn-node.target evpn-node-router-pod.service evpn-node-frr.service evpn-node-reloader.service
  evpn-node-controller.service)
evpn() { node "$LAB_PRODUCT/bin/evpn-node" "$@"; }
leaf() { vtysh -N leaf "$@"; }
router() { podman exec evpn-node-frr vtysh "$@"; }

write_config() { # [extra yaml appended]
  mkdir -p /etc/evpn-node
  cat >"$CONF.tmp" <<'EOF'
# The lab node (test/lab/node.sh): index 3, underlay eth1 192.168.11.3/24 to the leaf.
node:
  index: 3
underlay:
  asn: 64514
  nic: eth1
  vtepCIDR: 100.65.0.0/24
  routerIDCIDR: 10.0.0.0/24
  neighbors:
    - address: 192.168.11.2
      asn: 64512
l3vnis:
  - vrf: red
    vni: 100
    hostSession:
      hostASN: 64515
      localCIDR:
        ipv4: 192.169.10.0/24
primary:
  l3vni: red
  defaultRoute: true
readiness:
  underlayEstablished: true
  timeoutSeconds: 300
EOF
  [[ -n ${1:-} ]] && printf '%s\n' "$1" >>"$CONF.tmp"
  mv "$CONF.tmp" "$CONF"
}

L2VNI_YAML='l2vnis:
  - vni: 110
    l3vni: red
    gatewayIPs: [192.170.10.1/24]
    hostMaster: {name: br-hs-110, managed: true}'

load_controller() {
  local t0=$SECONDS
  podman load -q -i "$LAB_PRODUCT/.lab-images/evpn-node.tar" && echo "loaded in $((SECONDS - t0)) s"
}

install_helpers() {
  install -D -m 0755 "$GUEST/lab-world" /usr/local/lib/lab/lab-world &&
    install -D -m 0755 "$GUEST/kubelet-start" /usr/local/lib/lab/kubelet-start &&
    install -m 0644 "$GUEST/lab-leaf.service" "$GUEST/lab-underlay.service" "$GUEST/kubelet.service" \
      /etc/systemd/system/ && systemctl daemon-reload
}

leaf_up() { leaf -c 'show bgp vrf red summary json' >/dev/null; }

# --- the checks made after every boot -------------------------------------------------------
established() {
  leaf -c 'show bgp ipv4 unicast summary json' |
    jq -e '.peers["192.168.11.3"].state == "Established"'
}
evpn_established() {
  leaf -c 'show bgp l2vpn evpn summary json' | jq -e '.peers["192.168.11.3"].state == "Established"'
}
leaf_has_type5() { leaf -c 'show bgp l2vpn evpn route type prefix' | grep -F "$1"; }
router_has_type5() { router -c 'show bgp l2vpn evpn route type prefix' | grep -F "$1"; }
router_vrf_route() { ip -n evpn-node route show vrf red "$1" | grep .; }
all_active() { systemctl is-active "${UNITS[@]}" lab-leaf.service lab-underlay.service kubelet.service; }
kubelet_line() { grep "boot=$(cat /proc/sys/kernel/random/boot_id)" /var/lib/lab/kubelet-start.txt; }

after_boot_checks() { # label
  local b=$1
  check "$b: evpn-node.target active (waited for READY)" wait_until 400 systemctl is-active -q evpn-node.target
  check "$b: units, leaf, underlay address, kubelet all active" all_active
  check "$b: BGP ipv4 session Established (leaf's view)" wait_until 120 established
  check "$b: BGP l2vpn evpn Established (leaf's view)" wait_until 60 evpn_established
  check_out "$b: VRF red in the router netns is a real VRF (table 1100)" 'vrf table 1100' \
    ip -n evpn-node -d link show red
  check_out "$b: eth1 (virtio) lives in the router netns with its address" '192\.168\.11\.3/24' \
    ip -n evpn-node addr show eth1
  check "$b: type-5 node -> leaf: 192.169.10.5/32 (host session)" wait_until 120 leaf_has_type5 '192.169.10.5/32'
  check "$b: type-5 leaf -> node: 10.200.0.0/24 (remote host subnet)" wait_until 120 router_has_type5 '10.200.0.0/24'
  check "$b: 10.200.0.0/24 in VRF red's kernel table in the router netns" wait_until 60 router_vrf_route 10.200.0.0/24
  check_out "$b: the host's default route is via the router leg" 'default via 192\.169\.10\.1 dev host-100' \
    ip route show default
  check_out "$b: the primary address is on host-100" '192\.169\.10\.5/24' ip addr show host-100
  check "$b: the host reaches the remote host 10.200.0.10 over the L3VNI" ping -c 3 -i 0.5 -W 3 10.200.0.10
  check_out "$b: kubelet started after evpn-node and found the remote host reachable" \
    'remote=reachable .*target=active' kubelet_line
  check_out "$b: kubelet got NODE_IP from kubelet.env" 'NODE_IP=192\.169\.10\.5' kubelet_line
}

# --- boot 1: install ------------------------------------------------------------------------
if ((LAB_BOOT == 1)); then
  check_out "controller image: podman load of the host-built archive" 'loaded in' load_controller
  check_out "the image runs evpn-node" 'Usage: evpn-node' podman run --rm --network=none "$CTRL_IMAGE" --help
  check "lab helpers installed (lab-leaf, lab-underlay, stand-in kubelet)" install_helpers
  check "config written: $CONF" write_config
  check "evpn-node validate $CONF" evpn validate --config "$CONF"
  check "evpn-node units --output / (lab images)" evpn units --output / --frr-image "$FRR_IMAGE" \
    --controller-image "$CTRL_IMAGE"
  check "kubelet drop-in installed" test -f /etc/systemd/system/kubelet.service.d/10-evpn-node.conf
  check "daemon-reload" systemctl daemon-reload
  check "enable lab-leaf, lab-underlay, evpn-node.target, kubelet" \
    systemctl enable lab-leaf.service lab-underlay.service evpn-node.target kubelet.service
  check_out "kubelet is ordered after evpn-node.target" 'evpn-node\.target' \
    systemctl show -p After kubelet.service
  # The outside world alone, now, to fail early and clearly if it is broken.
  check "lab-leaf starts (leaf FRR, remote hosts)" systemctl start lab-leaf.service
  check "the leaf's FRR answers vtysh -N leaf" wait_until 90 leaf_up
  lab_reboot
fi

if ((LAB_BOOT == 2)); then
  after_boot_checks "boot 2"
  journalctl -b -u evpn-node-controller.service --no-pager | tail -n 20 | sed 's/^/# /'
  lab_reboot
fi

after_boot_checks "boot 3 (after systemctl reboot)"
lab_done
