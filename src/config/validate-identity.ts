// node.indexFrom: what can be checked without the node (a regular expression with one capture
// group, cidr only with interface, an interface that stays in the host and that evpn-node does
// not create). Whether the index can be derived is known only on the node (identity.ts).

import { parseName } from '../model/names.js';
import { captureGroups } from './identity.js';
import type { Config } from './types.js';
import type { IssueSink } from './issue-sink.js';
import { underlayNicNames } from './validate-underlay.js';

export function checkIndexFrom(c: Config, sink: IssueSink): void {
  const from = c.node?.indexFrom;
  if (!from) return;
  const at = (k: string) => ['node', 'indexFrom', k] as const;
  if (from.cidr !== undefined && from.interface === undefined) {
    sink.error(
      at('cidr'),
      'goes with interface: it selects which address of the interface the index comes from',
      'key',
    );
  }
  if (typeof from.hostname === 'string') {
    const groups = captureGroups(from.hostname);
    if (groups === undefined) sink.error(at('hostname'), 'is not a valid regular expression');
    else if (groups !== 1)
      sink.error(
        at('hostname'),
        `must have exactly one capture group, the node number (it has ${groups}), e.g. '^node-(\\d+)$'`,
      );
  }
  const name = from.interface;
  if (typeof name !== 'string') return;
  if (underlayNicNames(c).includes(name)) {
    sink.error(
      at('interface'),
      `${name} is an underlay NIC: it moves into the router netns, so the index could not be derived again after a restart; name a host interface that stays (e.g. the management NIC)`,
    );
  } else if (parseName(name)) {
    sink.error(
      at('interface'),
      `${name} is a name evpn-node creates (and addresses from the node index): name a host interface that exists without evpn-node`,
    );
  }
}
