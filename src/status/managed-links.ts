// Pure: the links `status` shows — everything evpn-node created (ifalias evpn-node), the
// underlay NICs wherever they are now, and lo with the VTEP address in the router netns.

import { OWNER_ALIAS, VTEP_LABEL } from '../model/names.js';
import type { ObservedLink, ObservedNs } from '../kernel/observed.js';

export interface ManagedLink {
  ns: 'host' | 'router';
  name: string;
  /** 'underlay' and 'vtep' for the NICs and lo; otherwise the link kind (bridge, vxlan, veth, vrf, vlan). */
  role: string;
  up: boolean;
  mtu: number;
  master?: string;
  /** "addr/len", global and VTEP addresses only (link-local noise left out). */
  addrs: string[];
}

export function managedLinks(
  observed: { host?: ObservedNs; router?: ObservedNs },
  opts: { underlayNics?: readonly string[] },
): ManagedLink[] {
  const out: ManagedLink[] = [];
  for (const ns of ['router', 'host'] as const) {
    const links = observed[ns]?.links ?? [];
    for (const l of links) {
      const role = roleOf(l, ns, opts.underlayNics ?? []);
      if (role === undefined) continue;
      const addrs = l.addrs
        .filter((a) => (role === 'vtep' ? a.label === VTEP_LABEL : a.scope === 0))
        .map((a) => `${a.local}/${a.prefixlen}`);
      out.push({
        ns,
        name: l.name,
        role,
        up: l.up,
        mtu: l.mtu,
        ...(l.master !== undefined ? { master: l.master } : {}),
        addrs,
      });
    }
  }
  return out;
}

function roleOf(l: ObservedLink, ns: 'host' | 'router', underlayNics: readonly string[]): string | undefined {
  if (underlayNics.includes(l.name)) return 'underlay';
  if (ns === 'router' && l.name === 'lo' && l.addrs.some((a) => a.label === VTEP_LABEL)) return 'vtep';
  if (l.alias === OWNER_ALIAS) return l.kind ?? 'link';
  return undefined;
}
