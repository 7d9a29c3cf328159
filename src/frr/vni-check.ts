// Does FRR run each L3VNI as an L3VNI? zebra decides a VNI's kind when it first sees it: an
// L3VNI whose VXLAN device it learned (as L2, from `advertise-all-vni`) before the `vrf X / vni N`
// line reached it stays L2. The lab caught this after a router pod restart under load: frr.conf
// was right, `show running-config` was right, and VRF red exchanged no routes. Pure: the caller
// fetches `show evpn vni json` through the reloader.

export interface L3VniExpectation {
  vrf: string;
  vni: number;
}

interface FrrVniEntry {
  type?: unknown;
  tenantVrf?: unknown;
}

export interface MisclassifiedVni extends L3VniExpectation {
  /** What FRR says it is ("L2"), or undefined when it says nothing usable. */
  seenAs: string | undefined;
  message: string;
}

/**
 * Every L3VNI that FRR knows under another kind. A VNI FRR does not list yet is not reported:
 * zebra learns devices asynchronously, and a missing one has nothing to contradict.
 */
export function misclassifiedL3Vnis(expected: readonly L3VniExpectation[], showEvpnVni: unknown): MisclassifiedVni[] {
  if (typeof showEvpnVni !== 'object' || showEvpnVni === null) return [];
  const byVni = showEvpnVni as Record<string, FrrVniEntry | undefined>;
  const found: MisclassifiedVni[] = [];
  for (const { vrf, vni } of expected) {
    const seen = byVni[String(vni)];
    if (seen === undefined || seen.type === 'L3') continue;
    const seenAs = typeof seen.type === 'string' ? seen.type : undefined;
    found.push({
      vrf,
      vni,
      seenAs,
      message:
        `FRR runs VNI ${vni} as ${seenAs ? `an ${seenAs}` : 'a non-L3'} VNI, but frr.conf makes it the L3VNI of VRF ${vrf}: ` +
        `zebra holds it without its VRF binding (seen after an FRR start race), and VRF ${vrf} exchanges no EVPN routes until FRR takes the binding ` +
        `(evpn-node unbinds and binds it again; if that does not help: systemctl restart evpn-node-frr.service)`,
    });
  }
  return found;
}
