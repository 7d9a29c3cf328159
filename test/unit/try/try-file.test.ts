// try.json on a real directory: exclusive claim, stale takeover, release only of our own.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUNTIME } from '../../../src/config/defaults.js';
import type { RuntimeConfig } from '../../../src/config/types.js';
import {
  claimTryFile,
  DEADLINE_GRACE_MS,
  parseTryFile,
  PHASE_LIMIT_MS,
  readTryFile,
  releaseTryFile,
  TryBusyError,
} from '../../../src/reconcile/try-file.js';
import { tryFilePath } from '../../../src/reconcile/state-files.js';

let rt: RuntimeConfig;
beforeEach(async () => {
  rt = { ...DEFAULT_RUNTIME, runDir: await mkdtemp(join(tmpdir(), 'try-file-')) };
});
afterEach(async () => {
  await rm(rt.runDir, { recursive: true, force: true });
});

const file = (pid: number) => ({
  pid,
  startedAt: '2099-01-01T00:00:00.000Z',
  deadline: '2099-01-01T00:02:00.000Z',
  candidate: '/etc/evpn-node/config.yaml.new',
});
/** A pid that surely is not running: pids are below 2^22 on Linux. */
const DEAD = 4_194_304 + 7;

describe('try.json', () => {
  test('parse: none, active, stale, garbage', () => {
    expect(parseTryFile(undefined, () => true)).toEqual({ state: 'none' });
    expect(parseTryFile(JSON.stringify(file(42)), () => true)).toEqual({ state: 'active', file: file(42) });
    expect(parseTryFile(JSON.stringify(file(42)), () => false)).toEqual({
      state: 'stale',
      file: file(42),
      why: 'try process 42 is gone',
    });
    expect(parseTryFile('{', () => true)).toEqual({ state: 'stale', why: 'try.json is not JSON' });
    expect(parseTryFile('{"pid":1}', () => true)).toEqual({ state: 'stale', why: 'try.json holds no valid pid' });
  });

  test('expired: alive past its deadline + grace while waiting, or hung in a phase; judged only given a time', () => {
    const deadline = Date.parse('2099-01-01T00:02:00.000Z');
    const text = JSON.stringify(file(42));
    expect(parseTryFile(text, () => true, deadline + DEADLINE_GRACE_MS).state).toBe('active');
    expect(parseTryFile(text, () => true, deadline + DEADLINE_GRACE_MS + 1)).toMatchObject({
      state: 'expired',
      why: expect.stringMatching(
        /^try process 42 is still alive 10 s after its deadline 2099-01-01T00:02:00.000Z without having rolled back/,
      ),
    });
    expect(parseTryFile(text, () => true).state).toBe('active');
    // Rolling back (or applying) is judged by how long it has taken, not by the deadline.
    const rolling = JSON.stringify({ ...file(42), phase: 'rolling-back', phaseAt: '2099-01-01T00:02:00.000Z' });
    expect(parseTryFile(rolling, () => true, deadline + 60_000).state).toBe('active');
    expect(parseTryFile(rolling, () => true, deadline + PHASE_LIMIT_MS + 1)).toMatchObject({
      state: 'expired',
      why: 'try process 42 has been rolling-back for 600 s (hung)',
    });
    // A dead process is stale, whatever the clock says.
    expect(parseTryFile(text, () => false, deadline + PHASE_LIMIT_MS).state).toBe('stale');
  });

  test('claim writes the file; a second claim while we live is refused', async () => {
    await claimTryFile(rt, file(process.pid));
    expect(JSON.parse(await readFile(tryFilePath(rt), 'utf8'))).toEqual(file(process.pid));
    await expect(claimTryFile(rt, file(process.pid + 1))).rejects.toThrow(TryBusyError);
    await expect(claimTryFile(rt, file(process.pid + 1))).rejects.toThrow(
      /another try is in progress \(pid \d+, rolls back at 2099-01-01T00:02:00.000Z\)/,
    );
  });

  test('a stale try.json (dead pid) is taken over', async () => {
    await writeFile(tryFilePath(rt), JSON.stringify(file(DEAD)));
    expect((await readTryFile(rt)).state).toBe('stale');
    await claimTryFile(rt, file(process.pid));
    expect(await readTryFile(rt)).toEqual({ state: 'active', file: file(process.pid) });
  });

  test('release removes only our own file, and leaves no temp files', async () => {
    await claimTryFile(rt, file(process.pid));
    await releaseTryFile(rt, process.pid + 1);
    expect(existsSync(tryFilePath(rt))).toBe(true);
    await releaseTryFile(rt, process.pid);
    expect(existsSync(tryFilePath(rt))).toBe(false);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(rt.runDir)).toEqual([]);
  });
});
