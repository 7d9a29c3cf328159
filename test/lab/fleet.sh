#!/bin/bash
# Fleet scenario (issue 10): the fleet features that need the VM's kernel (VRF, VLAN), proven by
# the integration tests themselves, run inside the guest (Node, FRR 10.3 and the checkout with
# its node_modules are there; dist/ was built on the host by scripts/lab run):
#   - test/integration/l3vni-fabric.test.ts: EVPN type-5 between two nodes of ONE ASN in VRF red
#     (allowas-in origin; the identical fleet file with node.indexFrom; iBGP host session), and
#     the L3VNI check reading zebra's router MACs in the kernel (no false gap)
#   - test/integration/kernel.test.ts, "features this kernel may lack": L3VNI apply in a real VRF,
#     the VLAN underlay; both skip on the development host, which has neither
# One boot, no reboot; it leaves nothing behind (the tests remove their netns).
set -uo pipefail
source "$(dirname "$0")/lib.sh"

cd "$LAB_PRODUCT" || exit 1
export EVPN_DIST_PREBUILT=1 NO_COLOR=1 CI=1
vitest() { node node_modules/vitest/vitest.mjs run "$@"; }

check_out "type-5 between two nodes of one ASN in one VRF (FRR $(dpkg-query -W -f '${Version}' frr))" \
  'Tests +4 passed' vitest test/integration/l3vni-fabric.test.ts
check_out "the integration tests that skip without VRF/VLAN run here: L3VNI apply, VLAN underlay" \
  'Tests +2 passed' vitest test/integration/kernel.test.ts -t 'features this kernel may lack'
lab_done
