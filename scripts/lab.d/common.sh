# Sourced by scripts/lab and scripts/lab.d/build-image: paths, progress lines, host tools.
# shellcheck shell=bash
# LAB_REPO and LAB_RUN are for the scripts that source this file.
# shellcheck disable=SC2034

LAB_D=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_D/../.." && pwd)
# Everything that runs inside the guest: baked into the image (lab-agent*, frr/) or installed by
# a scenario from the checkout at /opt/evpn-node (the rest).
LAB_GUEST=$LAB_REPO/test/lab/guest
LAB_CACHE=${EVPN_LAB_CACHE:-/var/cache/evpn-node-lab}
LAB_RUN=$LAB_CACHE/run
: "${LAB_T0:=$(date +%s)}"
export LAB_T0

# Progress goes to stderr so that `lab exec` output stays the guest command's own.
say() { printf 'lab: [%4ss] %s\n' "$(($(date +%s) - LAB_T0))" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The host's Debian mirror (the only network this machine reaches besides npm), as apt uses it.
lab_mirror() {
  if [[ -n ${EVPN_LAB_MIRROR:-} ]]; then echo "$EVPN_LAB_MIRROR"; return; fi
  local m
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -v '^\s*#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ')
  echo "${m:-http://deb.debian.org/debian}"
}

lab_need_tools() {
  local missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  command -v qemu-img >/dev/null || missing+=(qemu-utils)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v mke2fs >/dev/null || missing+=(e2fsprogs)
  command -v podman >/dev/null || missing+=(podman)
  [[ -x /usr/bin/python3 ]] || missing+=(python3)
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
    >"$LAB_CACHE/apt.log" 2>&1 || {
    apt-get update -q >>"$LAB_CACHE/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
      >>"$LAB_CACHE/apt.log" 2>&1
  } || die "apt-get install ${missing[*]} failed; see $LAB_CACHE/apt.log"
}

# Package list of a kind (vm, ctr-frr, ctr-base), comma separated, comments dropped.
lab_packages() { sed -e 's/#.*//' -e '/^\s*$/d' "$LAB_D/packages.$1" | tr -d ' ' | paste -sd, -; }

hash16() { sha256sum | cut -c1-16; }

# Cache key of a debootstrap tree: its package list (and the suite/variant).
lab_tree_key() { printf 'trixie minbase %s\n' "$(lab_packages "$1")" | hash16; }

# The root of the node's FRR image when EVPN_LAB_NODE_FRR=sid asks for FRR >= 10.6 (EVPN
# graceful restart as the restarting speaker): scripts/frr-sid's Debian sid root, the one the
# leaf runs from, when it is built (scripts/lab build builds it first). By default, or without
# it, or with EVPN_LAB_FRR_SID=0, it fails (prints nothing) and the image is trixie's FRR 10.3:
# with sid's 10.7 on the node a `podman kill` of FRR lost more, not less (L3VNI 33, 115, 4 and
# L2VNI 2, 0, 3 of 700 pings in three runs, against 0, 40, 0 and 0, 0, 0 with 10.3;
# test/README.md), and the lab ran slower.
lab_frr_sid_root() {
  [[ ${EVPN_LAB_NODE_FRR:-trixie} == sid && ${EVPN_LAB_FRR_SID:-1} != 0 ]] &&
    "$LAB_REPO/scripts/frr-sid" path 2>/dev/null
}

# What the node's FRR image is made from: `sid VERSION` or `trixie` (part of the image key).
lab_node_frr() {
  local root
  if root=$(lab_frr_sid_root); then echo "sid $(cat "$root/.built")"; else echo trixie; fi
}

# Cache key of the VM image: the trees, plus everything that configures and provisions it.
lab_image_key() {
  {
    lab_tree_key vm; lab_tree_key ctr-frr; lab_tree_key ctr-base
    echo "node FRR: $(lab_node_frr)"
    cat "$LAB_D/build-image" "$LAB_D/configure-rootfs" "$LAB_D/docker-archive" "$LAB_D/build-images"
    # Only the guest files baked into the image: the ones scenarios install do not need a new one.
    find "$LAB_GUEST/frr" -type f | LC_ALL=C sort | xargs cat
    cat "$LAB_GUEST/lab-agent" "$LAB_GUEST/lab-agent.service"
  } | hash16
}

lab_image_dir() { echo "$LAB_CACHE/image-$(lab_image_key)"; }
