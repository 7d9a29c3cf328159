// `status`'s writer section on a real run dir: the lock file as writer-lock.ts writes it, with
// this process as a live holder and a dead pid as a stale one.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUNTIME } from '../../../src/config/defaults.js';
import type { RuntimeConfig } from '../../../src/config/types.js';
import { createLogger } from '../../../src/log.js';
import { takeWriterLock } from '../../../src/reconcile/writer-lock.js';
import { writerLockPath } from '../../../src/reconcile/state-files.js';
import { describeWriter, readWriter } from '../../../src/status/writer.js';

const log = createLogger({ level: 'silent' });
let rt: RuntimeConfig;
beforeEach(async () => {
  rt = { ...DEFAULT_RUNTIME, runDir: await mkdtemp(join(tmpdir(), 'status-writer-')) };
});
afterEach(async () => {
  await rm(rt.runDir, { recursive: true, force: true });
});

describe('readWriter', () => {
  test('no lock file: free', async () => {
    const w = await readWriter(rt);
    expect(w).toEqual({ path: writerLockPath(rt), held: false });
    expect(describeWriter(w)).toBe(`free (nobody holds ${writerLockPath(rt)})`);
  });

  test('held by a live teardown: pid, role, command, since (JSON-ready)', async () => {
    const t = await takeWriterLock(rt, { pid: process.pid, command: 'teardown', log });
    if (t.kind !== 'held') throw new Error('expected to hold the lock');
    const w = await readWriter(rt);
    expect(JSON.parse(JSON.stringify(w))).toEqual({
      path: writerLockPath(rt),
      held: true,
      pid: process.pid,
      role: 'teardown',
      command: 'teardown',
      since: t.lock.holder.since,
    });
    expect(describeWriter(w)).toBe(
      `a one-shot teardown: \`evpn-node teardown\` (pid ${process.pid}) since ${t.lock.holder.since}`,
    );
    await t.lock.release();
    expect((await readWriter(rt)).held).toBe(false);
  });

  test('the daemon is "the daemon"; a holder whose process died holds nothing', async () => {
    await writeFile(writerLockPath(rt), JSON.stringify({ pid: process.pid, command: 'run', since: 'T' }));
    expect(await readWriter(rt)).toMatchObject({ held: true, role: 'daemon', command: 'run' });
    await writeFile(writerLockPath(rt), JSON.stringify({ pid: 4_194_304 + 7, command: 'apply', since: 'T' }));
    expect(await readWriter(rt)).toEqual({ path: writerLockPath(rt), held: false });
  });

  test('an unreadable lock file: not held, with the reason', async () => {
    for (const foreign of ['x'.repeat(10_000), 'not json']) {
      await writeFile(writerLockPath(rt), foreign);
      const w = await readWriter(rt);
      expect(w).toMatchObject({ held: false, error: expect.stringContaining(writerLockPath(rt)) });
      expect(describeWriter(w)).toMatch(/^unknown: /);
    }
  });
});
