// Pure: links a previous run created but did not live to mark. The kernel drops IFLA_IFALIAS
// in a link-creating RTM_NEWLINK, so our ownership mark (alias evpn-node) is set by the batch
// line after `link add`; a controller killed between the two lines leaves a link with our name
// and no mark — one evpn-node would then refuse to touch forever ("not created by evpn-node").
// Before a batch that creates links, converge writes their names to <runDir>/creating.json
// (reconcile/creating.ts); the next plan adopts those of them that exist unmarked: they are
// taken as ours and marked, first thing in the batch of their netns.

import type { NsId } from '../model/desired.js';
import type { ObservedLink, ObservedNs } from './observed.js';
import { key } from './plan-context.js';
import { OWNER_ALIAS } from '../model/names.js';
import { markOurs, type IpOp } from './ops.js';

export interface Adopted {
  /** The observation with the adopted links carrying our mark, as they will after `ops`. */
  observed: { host: ObservedNs; router: ObservedNs };
  ops: IpOp[];
}

/** `keys`: "ns:name" of links a previous run was creating (see plan-context.ts key()). */
export function adoptUnmarked(
  observed: { host: ObservedNs; router: ObservedNs },
  keys: ReadonlySet<string> | undefined,
): Adopted {
  if (!keys || keys.size === 0) return { observed, ops: [] };
  const ops: IpOp[] = [];
  const adoptIn = (ns: NsId): ObservedNs => {
    const o = observed[ns];
    const unmarked = (l: ObservedLink): boolean => keys.has(key(ns, l.name)) && l.alias !== OWNER_ALIAS;
    if (!o.links.some(unmarked)) return o;
    return {
      ...o,
      links: o.links.map((l) => {
        if (!unmarked(l)) return l;
        ops.push(
          markOurs(
            ns,
            l.name,
            `adopt ${l.name}: created by an evpn-node run that stopped before marking it (creating.json)`,
          ),
        );
        return { ...l, alias: OWNER_ALIAS };
      }),
    };
  };
  return { observed: { host: adoptIn('host'), router: adoptIn('router') }, ops };
}
