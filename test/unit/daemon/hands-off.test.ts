// HandsOff's try check on a real run dir, with a real process as the try: an overdue try is
// killed and its try.json removed (the same kill as the writer lock's), a live one is waited for.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUNTIME } from '../../../src/config/defaults.js';
import type { RuntimeConfig } from '../../../src/config/types.js';
import { createLogger } from '../../../src/log.js';
import { HandsOff } from '../../../src/daemon/hands-off.js';
import { tryFilePath } from '../../../src/reconcile/state-files.js';

const log = createLogger({ level: 'silent' });
let rt: RuntimeConfig;
let kid: ChildProcess | undefined;

beforeEach(async () => {
  rt = { ...DEFAULT_RUNTIME, runDir: await mkdtemp(join(tmpdir(), 'hands-off-')) };
});
afterEach(async () => {
  kid?.kill('SIGKILL');
  kid = undefined;
  await rm(rt.runDir, { recursive: true, force: true });
});

const tryJson = (pid: number, deadlineInMs: number): Promise<void> =>
  writeFile(
    tryFilePath(rt),
    JSON.stringify({
      pid,
      startedAt: 'x',
      deadline: new Date(Date.now() + deadlineInMs).toISOString(),
      phase: 'waiting',
    }),
  );

describe('HandsOff.checkTry', () => {
  test('a try before its deadline: not go, try-in-progress, the try left alone', async () => {
    kid = spawn('sleep', ['300'], { stdio: 'ignore' });
    await tryJson(kid.pid as number, 60_000);
    const h = new HandsOff({ pid: process.pid, log, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    expect(await h.checkTry(rt, 'converged')).toEqual({
      go: false,
      state: 'try-in-progress',
      tryPid: kid.pid,
      pollAgain: true,
    });
    expect(kid.exitCode).toBeNull();
    expect(existsSync(tryFilePath(rt))).toBe(true);
  });

  test('a try stopped past its deadline: killed with SIGKILL, its try.json removed, go', async () => {
    kid = spawn('sleep', ['300'], { stdio: 'ignore' });
    const exited = new Promise((r) => kid!.on('exit', (_c, sig) => r(sig)));
    process.kill(kid.pid as number, 'SIGSTOP');
    await tryJson(kid.pid as number, -60_000);
    const h = new HandsOff({ pid: process.pid, log, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    expect(await h.checkTry(rt, 'try-in-progress')).toEqual({ go: true });
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(tryFilePath(rt))).toBe(false);
  });
});
