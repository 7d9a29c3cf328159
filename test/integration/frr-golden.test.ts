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
import { FRR_BIN, haveFrr, netnsAdd, netnsDel, startFrr, stopFrrByName, type FrrInstance } from '../helpers/frr.js';

const NS = 'fg-frr';
const GOLDEN = new URL('../unit/frr/golden/', import.meta.url);
const goldenFiles = readdirSync(GOLDEN).filter((f) => f.endsWith('.conf')).sort();

const isRoot = process.getuid?.() === 0;
const skipReason = !haveFrr() ? `FRR is not installed (${FRR_BIN}/watchfrr, frr-reload.py)` : !isRoot ? 'needs root (netns, FRR)' : '';
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
    await execa('ip', ['netns', 'exec', NS, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
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
    expect(reload.exitCode, `--reload ${file}\n${reload.stderr.split('\n').filter((l) => /fail|error|warn/i.test(l)).join('\n')}`).toBe(0);

    // With --pathspace, frr-reload.py --reload ends with `vtysh write` (its target check compares
    // against /etc/frr/frr.conf), overwriting the file with FRR's own rendering: put ours back.
    await writeFile(frr.confFile, text);
    const second = await frrReload('--test', frr.confFile);
    expect(second.exitCode).toBe(0);
    const running = await frr.vtysh('show running-config');
    expect(residualDelta(second.stdout), `delta after reload of ${file}:\n${second.stdout}\n--- running:\n${running}`).toEqual([]);
  });
});
