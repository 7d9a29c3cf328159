// The writer lock on a real directory, with real processes as holders: exclusive, names its
// holder, a dead (or zombie, or reused) pid is taken over, a try past its deadline is killed.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUNTIME } from '../../../src/config/defaults.js';
import type { RuntimeConfig } from '../../../src/config/types.js';
import { createLogger } from '../../../src/log.js';
import { describeHolder, lockHolder, parseHolder, readLockFile, tryLock } from '../../../src/io/lock-file.js';
import { parseProcStat, procInfo, processAlive } from '../../../src/io/process-alive.js';
import { busyMessage, takeWriterLock } from '../../../src/reconcile/writer-lock.js';
import { tryFilePath, writerLockPath } from '../../../src/reconcile/state-files.js';

const log = createLogger({ level: 'silent' });
const DEAD = 4_194_304 + 7;
let rt: RuntimeConfig;
const kids: ChildProcess[] = [];
const sleeper = (): ChildProcess => {
  const c = spawn('sleep', ['300'], { stdio: 'ignore' });
  kids.push(c);
  return c;
};

beforeEach(async () => {
  rt = { ...DEFAULT_RUNTIME, runDir: await mkdtemp(join(tmpdir(), 'writer-lock-')) };
});
afterEach(async () => {
  for (const k of kids.splice(0)) k.kill('SIGKILL');
  await rm(rt.runDir, { recursive: true, force: true });
});

describe('process liveness', () => {
  test('/proc/PID/stat: state and start time, comm with spaces and parentheses', () => {
    const line = '1234 (a (weird) name) T 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 19 20';
    expect(parseProcStat(line)).toEqual({ state: 'T', startTime: '987654' });
    expect(parseProcStat('garbage')).toBeUndefined();
  });
  test('alive, dead, reused pid (other start time), zombie', async () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(process.pid, procInfo(process.pid)?.startTime)).toBe(true);
    expect(processAlive(process.pid, '1')).toBe(false);
    expect(processAlive(DEAD)).toBe(false);
    // A process killed but not reaped by its parent is a zombie: dead for us (kill -0 would say
    // alive). Its parent here is a `sleep` (sh exec'd into it), which never reaps.
    const parent = spawn('sh', ['-c', 'sleep 300 & echo $!; exec sleep 301'], { stdio: ['ignore', 'pipe', 'ignore'] });
    kids.push(parent);
    const pid = Number(
      await new Promise<string>((r) => parent.stdout.once('data', (d: Buffer) => r(d.toString().trim()))),
    );
    // Kill only once sh has exec'd into `sleep 301`: sh itself would reap a child that died
    // before (seen under load: no zombie left to look at).
    // (sh's own command line holds "sleep 301" too: compare the whole argv.)
    const execd = () =>
      readFile(`/proc/${parent.pid}/cmdline`, 'utf8').then(
        (c) => c === 'sleep\x00301\x00',
        () => false,
      );
    for (let i = 0; i < 100 && !(await execd()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await execd()).toBe(true);
    expect(processAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && procInfo(pid)?.state !== 'Z'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(procInfo(pid)?.state).toBe('Z');
    expect(processAlive(pid)).toBe(false);
  });
});

describe('lock file', () => {
  test('exclusive: the second taker is told who holds it; release frees it; nothing left behind', async () => {
    const path = writerLockPath(rt);
    const a = await tryLock(path, { pid: process.pid, command: 'apply' });
    expect(a.ok).toBe(true);
    const held = parseHolder(await readFile(path, 'utf8'));
    expect(held).toMatchObject({ pid: process.pid, command: 'apply', startTime: procInfo(process.pid)?.startTime });
    const b = await tryLock(path, { pid: process.pid, command: 'teardown' });
    expect(b).toMatchObject({ ok: false, holder: { pid: process.pid, command: 'apply' } });
    if (!b.ok)
      expect(describeHolder(b.holder)).toMatch(
        new RegExp(`^\`evpn-node apply\` \\(pid ${process.pid}\\) since \\d{4}-\\d\\d-\\d\\dT`),
      );
    if (a.ok) await a.lock.release();
    expect(existsSync(path)).toBe(false);
    expect(await readdir(rt.runDir)).toEqual([]);
  });

  test('a stale holder (dead pid, or a live pid that started at another time) is replaced', async () => {
    const path = writerLockPath(rt);
    await writeFile(path, JSON.stringify({ pid: DEAD, command: 'apply', since: 'x' }));
    expect((await tryLock(path, { pid: process.pid, command: 'run' })).ok).toBe(true);
    await writeFile(path, JSON.stringify({ pid: process.pid, command: 'apply', since: 'x', startTime: '1' }));
    expect((await tryLock(path, { pid: process.pid, command: 'run' })).ok).toBe(true);
    expect(parseHolder(await readFile(path, 'utf8'))?.command).toBe('run');
    expect((await readdir(rt.runDir)).sort()).toEqual(['lock']);
  });

  test('a lock file we did not write (over 4 KiB) is taken over as stale', async () => {
    const path = writerLockPath(rt);
    await writeFile(path, 'x'.repeat(64 * 1024));
    expect((await tryLock(path, { pid: process.pid, command: 'run' })).ok).toBe(true);
    expect(parseHolder(await readFile(path, 'utf8'))?.command).toBe('run');
    expect((await readdir(rt.runDir)).sort()).toEqual(['lock']);
  });

  test('a lock file we did not write reads the same everywhere: no holder, release does not throw', async () => {
    const path = writerLockPath(rt);
    for (const foreign of ['x'.repeat(64 * 1024), 'not json', '{"pid":"1"}']) {
      const a = await tryLock(path, { pid: process.pid, command: 'apply' });
      if (!a.ok) throw new Error('expected to hold the lock');
      await writeFile(path, foreign);
      expect(await readLockFile(path)).toMatchObject({ kind: 'foreign', why: expect.stringContaining(path) });
      expect(await lockHolder(path)).toBeUndefined();
      await a.lock.release(); // not ours any more: left in place, and no throw
      expect(await readFile(path, 'utf8')).toBe(foreign);
      await rm(path);
    }
  });

  test('release leaves a lock that is no longer ours', async () => {
    const path = writerLockPath(rt);
    const a = await tryLock(path, { pid: process.pid, command: 'apply' });
    await writeFile(path, JSON.stringify({ pid: 99, command: 'run', since: 'y' }));
    if (a.ok) await a.lock.release();
    expect(existsSync(path)).toBe(true);
  });
});

describe('writer lock policy', () => {
  test('busy: the message names the holder; for a try, its deadline', async () => {
    const s = sleeper();
    await writeFile(
      writerLockPath(rt),
      JSON.stringify({ pid: s.pid, command: 'run', since: '2026-12-01T00:00:00.000Z' }),
    );
    const w = await takeWriterLock(rt, { pid: process.pid, command: 'apply', log });
    expect(w.kind).toBe('busy');
    if (w.kind === 'busy')
      expect(busyMessage(w, rt)).toBe(
        `the daemon holds the writer lock ${rt.runDir}/lock: \`evpn-node run\` (pid ${s.pid}) since 2026-12-01T00:00:00.000Z`,
      );

    await writeFile(
      writerLockPath(rt),
      JSON.stringify({ pid: s.pid, command: 'try', since: '2026-12-01T00:00:00.000Z' }),
    );
    const deadline = new Date(Date.now() + 60_000).toISOString();
    await writeFile(tryFilePath(rt), JSON.stringify({ pid: s.pid, startedAt: 'x', deadline, phase: 'waiting' }));
    const t = await takeWriterLock(rt, { pid: process.pid, command: 'apply', log });
    if (t.kind !== 'busy') throw new Error('expected busy');
    expect(busyMessage(t, rt)).toBe(
      `a try is in progress: \`evpn-node try\` (pid ${s.pid}) since 2026-12-01T00:00:00.000Z, rolls back at ${deadline} unless confirmed`,
    );
    expect(s.exitCode).toBeNull();
  });

  test('a try that holds the lock past its deadline (stopped with Ctrl-Z) is killed, and the lock taken', async () => {
    const s = sleeper();
    const exited = new Promise((r) => s.on('exit', (_c, sig) => r(sig)));
    process.kill(s.pid as number, 'SIGSTOP');
    await writeFile(writerLockPath(rt), JSON.stringify({ pid: s.pid, command: 'try', since: 'x' }));
    await writeFile(
      tryFilePath(rt),
      JSON.stringify({
        pid: s.pid,
        startedAt: 'x',
        deadline: new Date(Date.now() - 60_000).toISOString(),
        phase: 'waiting',
      }),
    );
    const w = await takeWriterLock(rt, { pid: process.pid, command: 'apply', log });
    expect(w.kind).toBe('held');
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(tryFilePath(rt))).toBe(false);
    expect(parseHolder(await readFile(writerLockPath(rt), 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'apply',
    });
  });

  test('a try.json left by a dead try is removed by the next writer', async () => {
    await writeFile(tryFilePath(rt), JSON.stringify({ pid: DEAD, startedAt: 'x', deadline: new Date().toISOString() }));
    expect((await takeWriterLock(rt, { pid: process.pid, command: 'teardown', log })).kind).toBe('held');
    expect(existsSync(tryFilePath(rt))).toBe(false);
  });
});
