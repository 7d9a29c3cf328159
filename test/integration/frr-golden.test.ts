// Every golden frr.conf is fed to a real FRR: frr-reload.py --test must accept it, --reload must
// apply it, and a second --test must find nothing left to change. A line that keeps showing up
// is a default FRR hides or a spelling FRR normalises: fix build.ts/templates, not this test.
//
// Each file gets a freshly started FRR: frr-reload.py's transitions between unrelated configs
// are not what is tested here (and fail for reasons of their own, e.g. removing neighbors).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { nodeConfig } from '../helpers/config.js';
import { deriveNode } from '../../src/config/derive.js';
import { buildFrrModel } from '../../src/frr/build.js';
import { renderFrrConf } from '../../src/frr/render.js';
import {
  FRR_BIN,
  haveFrr,
  netnsAdd,
  netnsDel,
  startFrr,
  stopFrrByName,
  waitFor,
  type FrrInstance,
} from '../helpers/frr.js';

const NS = 'fg-frr';
const GOLDEN = new URL('../unit/frr/golden/', import.meta.url);
const goldenFiles = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.conf'))
  .sort();

const isRoot = process.getuid?.() === 0;
const skipReason = !haveFrr()
  ? `FRR is not installed (${FRR_BIN}/watchfrr, frr-reload.py)`
  : !isRoot
    ? 'needs root (netns, FRR)'
    : '';
if (skipReason) console.warn(`frr-golden: skipped: ${skipReason}`);

/**
 * Lines frr-reload.py --test lists even when the file matches FRR exactly: the file sets no
 * hostname (FRR takes the system's), so it always plans `no hostname <name>` (FRR 8.4.4; it
 * prints nothing at all only when it finds no other difference either).
 */
const ALWAYS_LISTED = [/^no hostname \S+$/];

async function frrReload(mode: '--test' | '--reload', file: string) {
  return execa(`${FRR_BIN}/frr-reload.py`, [mode, '--pathspace', NS, '--stdout', file], { reject: false });
}

/** The lines of --test's "Lines To Delete/Add" sections that are not ALWAYS_LISTED. */
function residualDelta(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^(Lines To (Delete|Add)|=+)$/.test(l))
    .filter((l) => !ALWAYS_LISTED.some((re) => re.test(l)));
}

describe.skipIf(Boolean(skipReason))(`real FRR (netns ${NS}) accepts every golden frr.conf`, () => {
  let frr: FrrInstance | undefined;

  beforeAll(async () => {
    await netnsAdd(NS);
    // The router netns has forwarding on (the kernel plumbing sets it); without it zebra's
    // running-config says `no ip forwarding` and every diff would list it.
    await execa('ip', [
      'netns',
      'exec',
      NS,
      'sysctl',
      '-qw',
      'net.ipv4.ip_forward=1',
      'net.ipv6.conf.all.forwarding=1',
    ]);
  });

  afterAll(async () => {
    await stopFrrByName(NS).catch(() => undefined);
    await netnsDel(NS);
  });

  test('there are golden files to check', () => {
    expect(goldenFiles.length).toBeGreaterThanOrEqual(15);
  });

  test('frr-reload.py --test refuses a file FRR cannot parse (so the checks below can fail)', async () => {
    frr = await startFrr(NS, '');
    await writeFile(frr.confFile, 'router bgp 64514\n neighbor 192.168.11.2 remote-az 64512\nexit\n');
    expect((await frrReload('--test', frr.confFile)).exitCode).not.toBe(0);
  });

  test.each(goldenFiles)('%s: --test accepts it, --reload applies it, nothing is left to change', async (file) => {
    const text = readFileSync(new URL(file, GOLDEN), 'utf8');
    frr = await startFrr(NS, '');
    await writeFile(frr.confFile, text);

    const first = await frrReload('--test', frr.confFile);
    expect(first.exitCode, `--test ${file}\n${first.stderr}`).toBe(0);

    const reload = await frrReload('--reload', frr.confFile);
    expect(
      reload.exitCode,
      `--reload ${file}\n${reload.stderr
        .split('\n')
        .filter((l) => /fail|error|warn/i.test(l))
        .join('\n')}`,
    ).toBe(0);

    // With --pathspace, frr-reload.py --reload ends with `vtysh write` (its target check compares
    // against /etc/frr/frr.conf), overwriting the file with FRR's own rendering: put ours back.
    await writeFile(frr.confFile, text);
    const second = await frrReload('--test', frr.confFile);
    expect(second.exitCode).toBe(0);
    const running = await frr.vtysh('show running-config');
    expect(
      residualDelta(second.stdout),
      `delta after reload of ${file}:\n${second.stdout}\n--- running:\n${running}`,
    ).toEqual([]);
  });

  // A node that goes from two ToRs to one (a NIC taken out of underlay.nics) and back changes
  // frr.conf both ways: the second neighbor, the ECMP lines, the own-routes filter and
  // `no zebra nexthop kernel enable` must come and go through frr-reload.py, leaving nothing to change.
  test('two ToRs -> one -> two: every transition reloads to exactly the rendered file', async () => {
    const render = (ifs: string[]) => {
      const c = nodeConfig({
        underlay: { nics: ifs.map((name) => ({ name })) },
        neighbors: ifs.map((i) => ({ interface: i, type: 'external' as const })),
      });
      return renderFrrConf(buildFrrModel(c, deriveNode(c), new Map()));
    };
    frr = await startFrr(NS, '');
    for (const text of [render(['eth1', 'eth2']), render(['eth1']), render(['eth1', 'eth2'])]) {
      await writeFile(frr.confFile, text);
      const reload = await frrReload('--reload', frr.confFile);
      expect(
        reload.exitCode,
        reload.stderr
          .split('\n')
          .filter((l) => /fail|error/i.test(l))
          .join('\n'),
      ).toBe(0);
      await writeFile(frr.confFile, text);
      const again = await frrReload('--test', frr.confFile);
      expect(
        residualDelta(again.stdout),
        `after reloading to:\n${text}\n--- running:\n${await frr.vtysh('show running-config')}`,
      ).toEqual([]);
    }
  });

  // Why build.ts renders `network <vtep>/32` as is but `no bgp network import-check` in each VRF
  // instance. Shown in the default VRF (this kernel has no VRFs); FRR checks the same way in a VRF.
  test('VTEP /32 on lo is announced with import-check on; a host-side /32 inside the veth subnet only with it off', async () => {
    await execa('ip', ['-n', NS, 'addr', 'replace', '100.65.0.4/32', 'dev', 'lo']);
    await execa('ip', ['-n', NS, 'link', 'add', 'pe-100', 'type', 'veth', 'peer', 'name', 'host-100']);
    await execa('ip', ['-n', NS, 'addr', 'add', '192.169.10.1/24', 'dev', 'pe-100']);
    await execa('ip', ['-n', NS, 'link', 'set', 'pe-100', 'up']);
    await execa('ip', ['-n', NS, 'link', 'set', 'host-100', 'up']);
    frr = await startFrr(NS, readFileSync(new URL('minimal.conf', GOLDEN), 'utf8'));
    const f = frr;
    const validity = async (prefix: string): Promise<boolean[]> => {
      const r = await f.vtyshJson<{ paths?: { valid?: boolean }[] }>(`show bgp ipv4 unicast ${prefix} json`);
      return (r.paths ?? []).map((p) => p.valid === true);
    };
    const valid = async (prefix: string): Promise<boolean> => (await validity(prefix)).includes(true);
    await waitFor(() => valid('100.65.0.4/32'), 10_000, 'the VTEP /32 to be a valid BGP route');

    await f.vtysh('configure terminal\nrouter bgp 64514\naddress-family ipv4 unicast\nnetwork 192.169.10.5/32');
    await new Promise((r) => setTimeout(r, 1500));
    // In the BGP table (the network statement took), but not valid: not announced.
    expect(await validity('192.169.10.5/32')).toEqual([false]);
    await f.vtysh('configure terminal\nrouter bgp 64514\nno bgp network import-check');
    await waitFor(() => valid('192.169.10.5/32'), 10_000, 'the host /32 to be valid with import-check off');
  });
});
