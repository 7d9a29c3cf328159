// IO: the facts node.indexFrom needs, read on the node: the hostname (the controller runs with
// --uts=host, so it is the node's), or one host interface's addresses (`ip -j addr show dev X`
// in the netns evpn-node runs in: the host's, network=host).

import { hostname as osHostname } from 'node:os';
import { runCaptured, type RunResult } from '../io/capture.js';
import type { IdentityFacts, IfaceAddr } from './identity.js';
import type { IndexFromConfig } from './types.js';
import { messageOf } from '../errors.js';

export interface IdentityProbe {
  hostname: () => string;
  /** `ip args...` in the host netns. */
  ip: (args: string[]) => Promise<RunResult>;
}

/** `ip` with an argument array (no shell); a non-zero exit is a result, not an exception. */
const runIp = (args: string[]): Promise<RunResult> => runCaptured('ip', args, undefined, { timeoutMs: 10_000 });

export const HOST_PROBE: IdentityProbe = { hostname: osHostname, ip: runIp };

/** Never throws: a node that cannot be read is a fact too (`error`), reported like the others. */
export async function readIdentityFacts(
  from: IndexFromConfig,
  probe: IdentityProbe = HOST_PROBE,
): Promise<IdentityFacts> {
  try {
    return await readFacts(from, probe);
  } catch (e) {
    return { error: `cannot read the node: ${messageOf(e)}` };
  }
}

async function readFacts(from: IndexFromConfig, probe: IdentityProbe): Promise<IdentityFacts> {
  if (from.hostname !== undefined) return { hostname: probe.hostname() };
  if (from.interface === undefined) return {};
  const r = await probe.ip(['-j', 'addr', 'show', 'dev', from.interface]);
  // ip says `Device "eno1" does not exist.` and exits 1: the interface is not there (yet).
  if (r.exitCode !== 0) {
    if (/does not exist|Cannot find device/i.test(r.stderr)) return {};
    throw new Error(`ip addr show dev ${from.interface}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  }
  return { addrs: parseAddrs(r.stdout) };
}

/** `ip -j addr show dev X` -> its addresses (scope global = usable for identity). */
export function parseAddrs(json: string): IfaceAddr[] {
  const links = JSON.parse(json || '[]') as Array<{
    addr_info?: Array<{ local?: unknown; prefixlen?: unknown; scope?: unknown }>;
  }>;
  return links.flatMap((l) =>
    (l.addr_info ?? []).flatMap((a) =>
      typeof a.local === 'string' && typeof a.prefixlen === 'number'
        ? [{ local: a.local, prefixlen: a.prefixlen, global: a.scope === 'global' || a.scope === 0 || a.scope === '0' }]
        : [],
    ),
  );
}
