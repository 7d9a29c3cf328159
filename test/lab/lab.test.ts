// The lab floor: `scripts/lab run` builds (or reuses) the Debian 13 VM image, boots it under
// QEMU/TCG, runs every scenario in test/lab/*.sh inside it and prints `N passed, N failed`.
// It takes minutes (a cold image build about 10, a warm run a few), so it runs only when asked:
//   EVPN_LAB=1 npx vitest run test/lab/lab.test.ts
import { expect, test } from 'vitest';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const lab = fileURLToPath(new URL('../../scripts/lab', import.meta.url));
const wanted = process.env.EVPN_LAB === '1';
const isRoot = process.getuid?.() === 0;
// The budget for a whole lab run on a 2-core machine.
const LAB_TIMEOUT_MS = 25 * 60_000;

if (!wanted) {
  console.log('test/lab: skipped, the VM lab runs only with EVPN_LAB=1 (root, ~5-10 min)');
}

test.skipIf(!wanted || !isRoot)(
  'lab VM: every scenario in test/lab passes (EVPN_LAB=1, root)',
  async () => {
    // Output goes to the terminal as it comes (progress, ok/not ok lines) and is kept to check.
    const run = await execa(lab, ['run'], {
      reject: false,
      all: true,
      stdout: ['pipe', 'inherit'],
      stderr: ['pipe', 'inherit'],
      timeout: LAB_TIMEOUT_MS,
    });
    const tally = /^(\d+) passed, (\d+) failed$/m.exec(run.all.split('\n').filter(Boolean).at(-1) ?? '');
    expect(tally, 'scripts/lab run printed no final tally').not.toBeNull();
    const [, passed, failed] = tally ?? [];
    expect(Number(failed), 'failed lab checks (see the `not ok` lines above)').toBe(0);
    expect(Number(passed)).toBeGreaterThan(0);
    expect(run.exitCode).toBe(0);
  },
  LAB_TIMEOUT_MS + 60_000,
);
