// IO: back to the start state between benchmark variants, fast.
//
// evpn-node's own teardown deletes links one `ip link del` at a time, and the kernel unregisters
// each device on its own (RCU waits per device: ~20-45 ms each here, minutes at 1000 VNIs). The
// bench instead puts every link carrying our alias into one device group and deletes the group
// (`ip link del group G`: one batched unregister per netns), after emptying FRR the way teardown
// does; then teardownNode does the rest (VTEP address, underlay NIC back to the host with its
// address and routes) and finds no link left to delete. The result is checked against the
// baseline snapshot before every variant, so a faster reset cannot hide a different state.

import { execa } from 'execa';
import type { Logger } from '../../src/log.js';
import type { RuntimeConfig } from '../../src/config/types.js';
import { observeBoth } from '../../src/kernel/observe.js';
import { OWNER_ALIAS } from '../../src/model/names.js';
import { teardownNode, EMPTY_FRR_CONF } from '../../src/reconcile/teardown.js';
import { readFrrConf, writeFrrConf } from '../../src/reconcile/frr-files.js';
import { ReloaderClient } from '../../src/frr/reload-client.js';

/** A device group no fabric link uses (they are all in group 0, "default"). */
export const BENCH_GROUP = '4242';

export async function resetNode(
  rt: RuntimeConfig,
  underlayNics: readonly string[],
  deps: { log: Logger; routerNetns: string },
): Promise<void> {
  if ((await readFrrConf(rt.frrConfigDir)) !== EMPTY_FRR_CONF) {
    await writeFrrConf(rt.frrConfigDir, EMPTY_FRR_CONF);
    const r = await new ReloaderClient(rt.reloaderSocket).reload();
    if (!r.ok) throw new Error(`bench reset: FRR refused the empty config: ${r.output.trim()}`);
  }
  const observed = await observeBoth({ routerNetns: deps.routerNetns });
  const sides = [
    { ns: undefined, links: observed.host.links },
    { ns: deps.routerNetns, links: observed.router.links },
  ];
  // Group everything first (a host veth end takes its router end along when deleted), then delete.
  for (const s of sides) {
    const ours = s.links.filter((l) => l.alias === OWNER_ALIAS && !underlayNics.includes(l.name));
    if (ours.length === 0) continue;
    const text = ours.map((l) => `link set dev ${l.name} group ${BENCH_GROUP}\n`).join('');
    await ip(s.ns, ['-batch', '-'], text);
  }
  for (const s of sides) await ip(s.ns, ['link', 'del', 'group', BENCH_GROUP]);
  await teardownNode({ runtime: rt, underlayNics: [...underlayNics] }, { log: deps.log, hostPid: process.pid });
}

async function ip(ns: string | undefined, args: string[], input?: string): Promise<void> {
  const r = await execa('ip', [...(ns ? ['-n', ns] : []), ...args], {
    reject: false,
    ...(input !== undefined ? { input } : {}),
  });
  // `link del group` with an empty group fails with "Cannot find device"-like errors: harmless.
  if (r.exitCode !== 0 && !(args[1] === 'del' && /Cannot find|No such device/i.test(r.stderr)))
    throw new Error(`bench reset: ip ${args.join(' ')}: ${r.stderr.trim()}`);
}
