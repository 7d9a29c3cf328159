#!/bin/bash
# Lab scenario: the units `evpn-node units` generates, on the podman/systemd they are for
# (Debian 13: podman 5.4, systemd 257), and the controller image built offline.
#   1. the controller image, built from the checkout with --network=none on the lab's base (by
#      the host's podman when it could: scripts/lab.d/build-controller)
#   2. plain units: `systemd-analyze verify` (with a stand-in kubelet), no ordering cycle
#   3. quadlet: the generator's --dryrun makes the four services; no network-online deps
#      (podman >= 5.3); our ExecStartPre lines run before quadlet's `podman pod create`
#   4. the router pod unit really starts: assets copied from the controller image, pod in the
#      named netns, FRR's pidfile, FRR's daemons up, the reloader answering /healthz
#   5. the controller's podman flags (capabilities, no --privileged) are enough for what the
#      daemon does: FRR's netns through its pidfile, `ip -n`, sysctl in the router netns
# Everything it installs is removed at the end. Proving boot order and readiness with a leaf is
# the boot scenario's job; this one proves the units and the image themselves.
# Needs in the lab base image (scripts/lab.d/packages.ctr-base): nodejs iproute2 procps systemd
# (the offline build cannot apt-get sysctl and systemd-notify).
set -uo pipefail
source "$(dirname "$0")/lib.sh"

CTRL_IMAGE=localhost/evpn-node:latest    # the units' default
FRR_IMAGE=localhost/evpn-node-frr:lab    # Debian's FRR 10.3 with the stock image's layout
BASE_IMAGE=localhost/evpn-node-base:lab
WORK=/run/lab-units
GEN=/usr/lib/systemd/system-generators/podman-system-generator
evpn() { node "$LAB_PRODUCT/bin/evpn-node" "$@"; }

cleanup() {
  systemctl stop evpn-node-reloader.service evpn-node-frr.service evpn-node-router-pod.service >/dev/null 2>&1
  for f in evpn-node.target evpn-node-router-pod.service evpn-node-frr.service evpn-node-reloader.service \
    evpn-node-controller.service; do rm -f "/etc/systemd/system/$f"; done
  systemctl daemon-reload
  systemctl reset-failed 'evpn-node*' >/dev/null 2>&1
  podman rm -f -t 0 evpn-node-caps >/dev/null 2>&1
  ip netns del evpn-node 2>/dev/null
  rm -rf "$WORK" /run/evpn-node /var/lib/evpn-node
  [[ -f /etc/evpn-node/.lab-units ]] && rm -rf /etc/evpn-node
  return 0
}

base_has_runtime_tools() {
  # Offline, the Containerfile cannot apt-get what the base lacks.
  podman run --rm --pull=never --network=none "$BASE_IMAGE" sh -c \
    'for t in node ip sysctl systemd-notify; do command -v $t >/dev/null || { echo "missing $t (scripts/lab.d/packages.ctr-base needs: nodejs iproute2 procps systemd)"; exit 1; }; done'
}

# The controller image: the host already built it offline from this checkout's Containerfile on
# the same base (scripts/lab.d/build-controller), in seconds; under TCG the same build takes
# minutes. EVPN_LAB_CONTROLLER=0 on the host leaves no archive: then it is built here.
HOST_BUILT=$LAB_PRODUCT/.lab-images/evpn-node.tar
controller_image() {
  if [[ -f $HOST_BUILT ]]; then
    podman load -q -i "$HOST_BUILT" && echo "loaded the host's offline build"
    return
  fi
  podman build --pull=never --network=none --build-arg "BASE=$BASE_IMAGE" -t "$CTRL_IMAGE" "$LAB_PRODUCT" 2>&1 | tail -n 15
  return "${PIPESTATUS[0]}"
}

verify_plain() {
  local dir=$WORK/plain/etc/systemd/system
  printf '[Unit]\nDescription=stand-in kubelet\n[Service]\nExecStart=/bin/true\n' >"$dir/kubelet.service"
  local out
  out=$(cd "$dir" && SYSTEMD_UNIT_PATH="$dir:" systemd-analyze verify --man=no ./evpn-node*.service ./evpn-node.target ./kubelet.service 2>&1)
  echo "$out"
  [[ -z $out ]]
}

quadlet_dryrun() { QUADLET_UNIT_DIRS=$WORK/quadlet/etc/containers/systemd "$GEN" --dryrun 2>&1; }

quadlet_services() {
  local out s
  out=$(quadlet_dryrun) || { echo "$out"; return 1; }
  for s in evpn-node-router-pod evpn-node-frr evpn-node-reloader evpn-node-controller; do
    grep -q "^---$s.service---$" <<<"$out" || { echo "no $s.service in:"; echo "$out"; return 1; }
  done
}

# Dependencies only: our own comments (copied into the output) name network-online.target too.
quadlet_no_network_online() { ! quadlet_dryrun | grep -v '^#' | grep -n 'network-online'; }

quadlet_pre_before_create() {
  # In the generated pod service, `ip netns add` must come before `podman pod create`.
  quadlet_dryrun | awk '/^---evpn-node-router-pod.service---$/{p=1; next} /^---/{p=0} p' |
    grep -n '^ExecStartPre=' | tee /dev/stderr |
    awk '/netns add/{n=NR} /pod create/{c=NR} END{exit !(n && c && n < c)}'
}

quadlet_verify() {
  # The generated services, split into files, through systemd-analyze verify.
  local dir=$WORK/quadlet-out name
  mkdir -p "$dir"
  quadlet_dryrun | awk -v d="$dir" '/^---.*---$/{f=d "/" substr($0, 4, length($0) - 6); next} f{print > f}'
  cp "$WORK/quadlet/etc/systemd/system/evpn-node.target" "$dir/"
  out=$(cd "$dir" && SYSTEMD_UNIT_PATH="$dir:" systemd-analyze verify --man=no ./*.service ./evpn-node.target 2>&1)
  echo "$out"
  [[ -z $out ]]
}

install_plain() {
  cp "$WORK"/plain/etc/systemd/system/evpn-node* /etc/systemd/system/ && systemctl daemon-reload
}

reloader_healthz() {
  python3 - <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect('/run/evpn-node/reloader.sock')
s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
data = b''
while True:
    d = s.recv(65536)
    if not d: break
    data += d
print(data.decode()[-200:])
sys.exit(0 if data.startswith(b'HTTP/1.1 200') else 1)
EOF
}

# controller_caps [EXTRA_DROP]: the controller unit's own `podman run` flags, with a shell
# instead of the daemon, doing what the daemon does; EXTRA_DROP removes one flag (to learn
# whether it is needed here).
controller_caps() {
  python3 - "$WORK/plain/etc/systemd/system/evpn-node-controller.service" "${1:-}" <<'EOF' >"$WORK/caps.sh"
import re, shlex, sys
text = open(sys.argv[1]).read().replace('\\\n', ' ')
cmd = re.search(r'^ExecStart=(.*)$', text, re.M).group(1)
argv = shlex.split(cmd.replace('%t', '/run/lab-units').replace('%n', 'caps'))[:-2]  # image, `run`
drop = sys.argv[2]
# --cgroups=split needs the delegated cgroup of the unit, which this shell does not have.
argv = [a for a in argv if a != '-d' and a != drop and not a.startswith(('--sdnotify', '--health', '--cidfile', '--name', '--cgroups'))]
test = ('set -e; pid=$(cat /run/evpn-node/frr.pid); ip netns identify $pid | grep -qx evpn-node; '
        'ip -n evpn-node link add caps-a type veth peer name caps-b; ip -n evpn-node link del caps-a; '
        'ip netns exec evpn-node sysctl -q -w net.ipv4.ip_forward=1; touch /var/lib/evpn-node/frr/.caps; '
        'rm /var/lib/evpn-node/frr/.caps; echo caps-ok')
print(shlex.join(argv + ['--name=evpn-node-caps', '--entrypoint=/bin/sh', 'localhost/evpn-node:latest', '-c', test]))
EOF
  bash "$WORK/caps.sh"
}

cleanup
mkdir -p "$WORK"
# The controller mounts /etc/evpn-node read-only: it must exist (made here if it does not).
[[ -d /etc/evpn-node ]] || { mkdir /etc/evpn-node && touch /etc/evpn-node/.lab-units; }
check_out "podman is 5.x and has the quadlet generator" '^5\.' bash -c "test -x $GEN && podman version --format '{{.Client.Version}}'"
check "the lab base has node, ip, sysctl and systemd-notify (offline build)" base_has_runtime_tools
check "controller image: built offline from the checkout (--network=none), on the host or here" controller_image
check_out "the image runs evpn-node" 'Usage: evpn-node' podman run --rm --pull=never --network=none "$CTRL_IMAGE" --help
check "the image carries the FRR assets" podman run --rm --pull=never --network=none --entrypoint=/bin/sh "$CTRL_IMAGE" \
  -c 'test -s /usr/share/evpn-node/assets/frr/daemons && test -s /usr/share/evpn-node/assets/frr/vtysh.conf && test -s /usr/share/evpn-node/assets/reloader/frr-reloader'
check "systemd-notify and sysctl in the image" podman run --rm --pull=never --network=none --entrypoint=/bin/sh "$CTRL_IMAGE" \
  -c 'systemd-notify --version && sysctl --version'

check "units --format systemd writes the plain units" evpn units --format systemd --output "$WORK/plain" \
  --controller-image "$CTRL_IMAGE" --frr-image "$FRR_IMAGE"
check "plain units pass systemd-analyze verify (with a stand-in kubelet)" verify_plain
check "units --format quadlet writes the quadlet files (podman detected)" evpn units --format quadlet --output "$WORK/quadlet" \
  --controller-image "$CTRL_IMAGE" --frr-image "$FRR_IMAGE"
check "quadlet --dryrun makes the four services" quadlet_services
check "quadlet services have no network-online dependency (DefaultDependencies=false)" quadlet_no_network_online
check "quadlet pod: our netns/assets ExecStartPre run before its pod create" quadlet_pre_before_create
check "quadlet-generated services pass systemd-analyze verify" quadlet_verify

check "install the plain units" install_plain
check "evpn-node-router-pod.service starts (pulls in FRR and the reloader)" systemctl start evpn-node-router-pod.service
check "the assets step copied daemons, vtysh.conf and the reloader" \
  test -s /var/lib/evpn-node/frr/daemons -a -s /var/lib/evpn-node/frr/vtysh.conf -a -s /var/lib/evpn-node/reloader/frr-reloader
check "FRR wrote its pidfile /run/evpn-node/frr.pid" wait_until 60 test -s /run/evpn-node/frr.pid
check_out "FRR's pid is in the named netns evpn-node" '^evpn-node$' bash -c 'ip netns identify $(cat /run/evpn-node/frr.pid)'
check "FRR's daemons are up (vtysh in the FRR container)" wait_until 90 bash -c \
  "podman exec evpn-node-frr vtysh -c 'show daemons' | grep -q bgpd"
check "the reloader answers GET /healthz on /run/evpn-node/reloader.sock" wait_until 60 reloader_healthz
check_out "the units are active" '^active active active$' bash -c \
  'echo $(systemctl is-active evpn-node-router-pod.service evpn-node-frr.service evpn-node-reloader.service)'
check_out "the controller's flags are enough: netns via pidfile, ip -n, sysctl, frr.conf dir" 'caps-ok' controller_caps
# Not pass/fail: which confinement the host enforces. Each line says whether the controller
# could do its work without that flag here.
for flag in --security-opt=apparmor=unconfined --security-opt=unmask=/proc/sys; do
  if controller_caps "$flag" >/dev/null 2>&1; then echo "# note: without $flag the controller still works here"
  else echo "# note: without $flag the controller fails here (the flag is needed)"; fi
done
check "FRR restarts alone and writes a new pidfile" bash -c '
  old=$(cat /run/evpn-node/frr.pid); systemctl restart evpn-node-frr.service &&
  for i in $(seq 60); do new=$(cat /run/evpn-node/frr.pid 2>/dev/null); [[ -n $new && $new != "$old" ]] && exit 0; sleep 1; done; exit 1'
check "stopping the pod stops its containers, the netns stays" bash -c '
  systemctl stop evpn-node-router-pod.service && ! systemctl is-active -q evpn-node-frr.service &&
  test -e /run/netns/evpn-node && test ! -e /run/evpn-node/frr.pid'
cleanup
lab_done
