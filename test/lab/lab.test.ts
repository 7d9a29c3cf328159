// The lab floor: `scripts/lab build` makes (or reuses) the Debian 13 VM image, then `scripts/lab
// run` boots it under QEMU/TCG once, runs every scenario in test/lab/*.sh inside it and prints
// `N passed, N failed`, with each scenario's own tally in $LAB_RUN/result-NAME.txt. One boot
// for all scenarios (a boot per scenario would not fit the lab's time budget), one test here
// per scenario, reading its result. `./scripts/test` (and so CI) runs it; EVPN_LAB=0 leaves it out:
//   EVPN_LAB=1 npx vitest run test/lab/lab.test.ts      # the lab alone
//   EVPN_LAB=1 EVPN_LAB_SCENARIOS='smoke units-verify' npx vitest run test/lab   # some scenarios
// Output goes to the terminal as it comes (progress, ok/not ok lines).
import { describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const lab = fileURLToPath(new URL('../../scripts/lab', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const runDir = `${process.env.EVPN_LAB_CACHE ?? '/var/cache/evpn-node-lab'}/run`;
const wanted = process.env.EVPN_LAB === '1';
const isRoot = process.getuid?.() === 0;
// A cold image build (debootstrap of three trixie trees, images, mke2fs) on a 2-core machine.
const BUILD_TIMEOUT_MS = 30 * 60_000;
// The issue's budget for a whole lab run on a 2-core machine was 25 min; one vCPU (scripts/lab
// says why) took 24 min 20 s here, then 27 min (172 checks). The watchdog scenario (~2.5 min)
// and FRR 10.7 on both sides of node.sh (units-verify + node + watchdog alone: 27 min) push it
// past 30: the timeout leaves room so a slow run still reports its checks; it prints its time.
const RUN_TIMEOUT_MS = 40 * 60_000;

/** The scenarios asked for, else every one scripts/lab run runs by default: test/lab/*.sh but the library. */
const only = process.env.EVPN_LAB_SCENARIOS?.split(/[\s,]+/).filter(Boolean);
const scenarios = only?.length
  ? only
  : readdirSync(here)
      .filter((f) => f.endsWith('.sh') && f !== 'lib.sh')
      .map((f) => f.slice(0, -'.sh'.length))
      .sort();

if (!wanted)
  console.log('test/lab: skipped, the VM lab runs only with EVPN_LAB=1 (./scripts/test sets it unless EVPN_LAB=0)');
else if (!isRoot) console.log('test/lab: skipped, the VM lab needs root (debootstrap, QEMU)');

const runLab = (args: string[], timeout: number) =>
  execa(lab, args, { reject: false, all: true, stdout: ['pipe', 'inherit'], stderr: ['pipe', 'inherit'], timeout });

/** `N passed, N failed` as numbers. */
function tallyOf(line: string | undefined): { passed: number; failed: number } | undefined {
  const m = /^(\d+) passed, (\d+) failed$/.exec(line ?? '');
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

/** A scenario's own tally, written by scripts/lab run after the scenario (all its boots) ended. */
function resultOf(name: string): { passed: number; failed: number } | undefined {
  const file = `${runDir}/result-${name}.txt`;
  return existsSync(file) ? tallyOf(readFileSync(file, 'utf8').trim()) : undefined;
}

describe.skipIf(!wanted || !isRoot)('lab VM', () => {
  test(
    'image: built or found in the cache (scripts/lab build)',
    async () => {
      const build = await runLab(['build'], BUILD_TIMEOUT_MS);
      expect(build.exitCode, `scripts/lab build failed:\n${build.all.split('\n').slice(-15).join('\n')}`).toBe(0);
    },
    BUILD_TIMEOUT_MS + 60_000,
  );

  test(
    'run: the VM boots once, every scenario runs, no failure outside a scenario (scripts/lab run)',
    async () => {
      // A result left by an earlier run must not stand in for this one's.
      for (const s of scenarios) rmSync(`${runDir}/result-${s}.txt`, { force: true });
      const run = await runLab(['run', ...(only ?? [])], RUN_TIMEOUT_MS);
      const total = tallyOf(run.all.split('\n').filter(Boolean).at(-1));
      expect(total, 'scripts/lab run printed no final tally').toBeDefined();
      expect(run.exitCode, 'scripts/lab run exits 0 exactly when nothing failed').toBe(total?.failed === 0 ? 0 : 1);
      const missing = scenarios.filter((s) => resultOf(s) === undefined);
      expect(missing, 'scenarios without a result (the VM did not boot, or went away: see above)').toEqual([]);
      // The run's failures are the scenarios' failures: anything else (a boot that did not
      // finish, a scenario that is missing) is the machinery's, and fails here.
      const inScenarios = scenarios.reduce((n, s) => n + (resultOf(s)?.failed ?? 0), 0);
      expect(total?.failed, 'failed lab checks outside any scenario (see the run above)').toBe(inScenarios);
    },
    RUN_TIMEOUT_MS + 60_000,
  );

  test.each(scenarios)('scenario %s: every check passes', (name) => {
    const r = resultOf(name);
    expect(r, `scenario ${name} has no result in ${runDir}: it did not run (see the lab run above)`).toBeDefined();
    expect(
      r?.failed,
      `failed checks in scenario ${name} (see its \`not ok\` lines above, and ${runDir}/scenario-${name}-boot*.log)`,
    ).toBe(0);
    expect(r?.passed).toBeGreaterThan(0);
  });
});
