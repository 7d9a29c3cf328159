// The underlay NICs: `nic` (+ `vlan`) or `nics`, each named once, VLAN parents that stay in the
// host, and unnumbered neighbors on a NIC that actually moves into the router netns.

import type { Path } from './positions.js';
import { formatPath } from './positions.js';
import type { Config, UnderlayConfig } from './types.js';
import type { IssueSink } from './issue-sink.js';

const isStr = (v: unknown): v is string => typeof v === 'string';

/** Where NIC `i` was written: `underlay.nic` for the shorthand, else its `underlay.nics` item. */
export const nicPath = (u: Pick<UnderlayConfig, 'nic'>, i: number): Path =>
  u.nic !== undefined ? ['underlay', 'nic'] : ['underlay', 'nics', i];

const vlanParentPath = (u: Pick<UnderlayConfig, 'nic'>, i: number): Path =>
  u.nic !== undefined ? ['underlay', 'vlan', 'parent'] : ['underlay', 'nics', i, 'vlan', 'parent'];

/** Names of the underlay NICs that validated. */
export const underlayNicNames = (c: Pick<Config, 'underlay'>): string[] =>
  (c.underlay?.nics ?? []).map((n) => n.name).filter(isStr);

export function checkUnderlayNics(c: Config, sink: IssueSink): void {
  const u = c.underlay;
  if (!u) return;
  const nics = u.nics ?? [];
  if (u.nic === undefined && u.vlan !== undefined) {
    sink.error(
      ['underlay', 'vlan'],
      'goes with underlay.nic; with underlay.nics, give the VLAN item its own vlan: ({name: eth1.100, vlan: {parent: eth1, id: 100}})',
      'key',
    );
  }
  const first = new Map<string, number>();
  nics.forEach((n, i) => {
    if (!isStr(n.name)) return;
    const seen = first.get(n.name);
    if (seen !== undefined)
      sink.error(nicPath(u, i), `duplicate underlay NIC ${n.name} (also ${formatPath(nicPath(u, seen))})`);
    else first.set(n.name, i);
  });
  const moving = new Set(first.keys());
  nics.forEach((n, i) => {
    const parent = n.vlan?.parent;
    if (!isStr(parent)) return;
    if (parent === n.name) {
      sink.error(
        vlanParentPath(u, i),
        `must differ from the NIC's name (${n.name} is the VLAN device created on this parent)`,
      );
    } else if (moving.has(parent)) {
      sink.error(
        vlanParentPath(u, i),
        `${parent} is itself an underlay NIC: it moves into the router netns, and the VLAN on it is created in the host netns before its own move`,
      );
    }
  });
  (u.neighbors ?? []).forEach((nb, i) => {
    if (isStr(nb.interface) && moving.size > 0 && !moving.has(nb.interface)) {
      const names = [...moving].join(', ');
      sink.warn(
        ['underlay', 'neighbors', i, 'interface'],
        `is not an underlay NIC (${names}): only the underlay NICs are moved into the router netns`,
      );
    }
  });
}
