// Every kernel name evpn-node creates, both ways: vni -> name and name -> vni.
// A name that does not parse is not ours and is never touched. Names are part of the SPEC.

import { IP_EXACT_KEYWORDS, IP_PREFIX_KEYWORDS } from './ip-keywords.js';

/** Kernel limit: IFNAMSIZ - 1. */
export const MAX_IFNAME = 15;

/** Written into IFLA_IFALIAS of every link we create: the ownership mark. */
export const OWNER_ALIAS = 'evpn-node';

/** Label of the VTEP address on lo (IPv4 labels must start with the device name). */
export const VTEP_LABEL = 'lo:evpn';

/** Route protocol number we stamp on routes we add (rt_protos has no owner for it). */
export const ROUTE_PROTO = 240;

export const bridgeName = (vni: number): string => `br-pe-${vni}`;
export const vxlanName = (vni: number): string => `vni${vni}`;
export const routerLegName = (vni: number): string => `pe-${vni}`;
export const hostLegName = (vni: number): string => `host-${vni}`;
export const hostBridgeName = (vni: number): string => `br-hs-${vni}`;

const patterns: Array<[RegExp, ObjectRole]> = [
  [/^br-pe-(\d+)$/, 'bridge'],
  [/^vni(\d+)$/, 'vxlan'],
  [/^pe-(\d+)$/, 'router-leg'],
  [/^host-(\d+)$/, 'host-leg'],
  [/^br-hs-(\d+)$/, 'host-bridge'],
];

export type ObjectRole = 'bridge' | 'vxlan' | 'router-leg' | 'host-leg' | 'host-bridge';

/** The role and VNI a name encodes, or undefined for a name evpn-node never generates. */
export function parseName(name: string): { role: ObjectRole; vni: number } | undefined {
  for (const [re, role] of patterns) {
    const m = re.exec(name);
    if (m && m[1] !== undefined && !/^0\d/.test(m[1])) return { role, vni: Number(m[1]) };
  }
  return undefined;
}

export const vniFromVxlanName = (name: string): number | undefined => {
  const p = parseName(name);
  return p?.role === 'vxlan' ? p.vni : undefined;
};

/**
 * Why `name` cannot be a device name: ip would read it as one of its keywords where it takes a
 * name without `dev`/`name` in front (`ip link add NAME`, `ip link show NAME`, `ip addr show
 * NAME`): `up` as "bring the link up", `n` as "nomaster", `help` as "print the usage and exit".
 * undefined when it is not a keyword.
 */
export function ipKeywordClash(name: string): string | undefined {
  if (IP_EXACT_KEYWORDS.has(name) || IP_PREFIX_KEYWORDS.includes(name)) return `"${name}" is an ip keyword`;
  const longer = IP_PREFIX_KEYWORDS.filter((k) => k.startsWith(name));
  if (longer.length === 0) return undefined;
  const shown = longer.length > 3 ? `${longer.slice(0, 3).join(', ')}, ...` : longer.join(', ');
  return `ip reads "${name}" as an abbreviation of its keyword${longer.length > 1 ? 's' : ''} ${shown}`;
}
