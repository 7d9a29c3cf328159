// Pure: what kind of object each drift repair puts back, for evpn_node_drift_repairs_total{kind}.

import type { Op } from '../kernel/ops.js';

const IP_OBJECTS: Record<string, string> = {
  link: 'link',
  addr: 'address',
  address: 'address',
  route: 'route',
  rule: 'rule',
};

/** One kind per operation of a drift plan (link, address, route, rule, sysctl), plus frr-conf. */
export function driftKinds(ops: readonly Op[], frrConfDiffers: boolean): string[] {
  const kinds = ops.map((op) => {
    if (op.kind === 'sysctl') return 'sysctl';
    // `-6 rule add ...`: the family flag comes first.
    const object = op.args.find((a) => !a.startsWith('-')) ?? '';
    return IP_OBJECTS[object] ?? object;
  });
  return frrConfDiffers ? [...kinds, 'frr-conf'] : kinds;
}
