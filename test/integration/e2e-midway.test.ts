// "A failure mid-way leaves a state the next apply can finish": the reloader is down when apply
// runs, so the kernel 'pre' phase is done but FRR cannot be reloaded. apply must fail with a
// plain message (exit 1, no stack trace), and the next apply, with the reloader back, finishes
// the job from what it observes — no hidden state.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { buildCli, fabricUp, ipJson, nodeConfigYaml, type Fabric } from '../helpers/fabric.js';
import { haveFrr, waitFor } from '../helpers/frr.js';
import { startReloader } from '../helpers/reloader.js';

const ready = process.getuid?.() === 0 && haveFrr();
if (!ready)
  console.warn('e2e-midway: skipped — needs root and Debian frr/frr-pythontools (scripts/setup installs them)');

type Link = { ifname: string; ifalias?: string; flags: string[] };

describe.skipIf(!ready)('apply interrupted half-way is finished by the next apply', () => {
  let f: Fabric;
  let stopReloader: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    await buildCli();
    f = await fabricUp('mw');
    // The fabric's node with L2VNI 110, without `primary`.
    await f.writeConfig(nodeConfigYaml(f, { primary: false }));
    // Take the fabric's reloader down: the router pod's sidecar is not up yet.
    const pid = Number((await readFile(`${f.runDir}/reloader.pid`, 'utf8')).trim());
    process.kill(pid, 'SIGTERM');
    await waitFor(
      async () => (await execa('kill', ['-0', String(pid)], { reject: false })).exitCode !== 0,
      10_000,
      'the reloader to stop',
    );
  });
  afterAll(async () => {
    await stopReloader?.();
    await f?.down();
  });

  test('apply fails with a plain message when the reloader is not there', async () => {
    const r = await f.cli('apply');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/FRR reloader not available on .*reloader\.sock/);
    expect(r.stderr).toMatch(/is the router pod .* running\?/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // The 'pre' phase ran: the underlay is in the router netns with its address, links exist but are down.
    const eth1 = await ipJson<Array<{ addr_info: Array<{ local: string }> }>>(f.netns, 'addr', 'show', 'dev', 'eth1');
    expect(eth1[0]?.addr_info.map((a) => a.local)).toContain('192.168.11.3');
    const vni = (await ipJson<Link[]>(f.netns, 'link', 'show')).find((l) => l.ifname === 'vni110');
    expect(vni?.ifalias).toBe('evpn-node');
    expect(vni?.flags).not.toContain('UP');
  });

  test('the next apply, with the reloader back, finishes: FRR configured, links up, session Established', async () => {
    const rl = await startReloader({
      socket: f.reloaderSocket,
      config: `${f.frrConfigDir}/frr.conf`,
      pathspace: f.netns,
    });
    stopReloader = rl.stop;
    const r = await f.cli('apply');
    expect(r.exitCode, r.stderr).toBe(0);
    const links = (await ipJson<Link[]>(f.netns, 'link', 'show')).filter((l) => l.ifalias === 'evpn-node');
    for (const l of links) expect(l.flags, l.ifname).toContain('UP');
    await waitFor(
      async () =>
        (await execa('vtysh', ['-N', f.leaf, '-c', 'show bgp summary json'])).stdout.includes('"state":"Established"'),
      60_000,
      'BGP Established on the leaf',
    );
    expect((await f.cli('plan', '--detailed-exitcode')).exitCode).toBe(0);
  });
});
