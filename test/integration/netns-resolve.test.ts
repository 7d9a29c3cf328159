// Router netns resolution against the real kernel: pidfile -> /proc/PID/ns/net -> /run/netns.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRouterNetns, NetnsError } from '../../src/netns/resolve.js';
import { netnsAdd, netnsDel } from '../helpers/frr.js';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('resolveRouterNetns (root: real netns)', () => {
  let dir: string;
  const procs: ResultPromise[] = [];
  const pidFile = () => join(dir, 'frr.pid');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nr-'));
    await netnsAdd('nr-named');
  });
  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await netnsDel('nr-named');
    await netnsDel('nr-unnamed');
    await netnsDel('nr-taken');
    await rm(dir, { recursive: true, force: true });
  });

  /** A sleeping process inside `ns` (named) or in a fresh unnamed netns (ns undefined). */
  async function sleeper(ns?: string): Promise<number> {
    const p = ns ? execa('ip', ['netns', 'exec', ns, 'sleep', '300']) : execa('unshare', ['-n', 'sleep', '300']);
    p.catch(() => undefined);
    procs.push(p);
    // The pid of `sleep` itself: ip netns exec / unshare exec() into it, keeping the pid.
    const pid = p.pid as number;
    for (let i = 0; i < 50; i++) {
      const { stdout } = await execa('readlink', [`/proc/${pid}/exe`], { reject: false });
      if (stdout.endsWith('/sleep')) return pid;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('sleeper did not start');
  }

  test('a missing pidfile says the router pod may not be running', async () => {
    await expect(resolveRouterNetns({ pidFile: join(dir, 'nope.pid'), preferredName: 'nr-named' })).rejects.toThrow(
      /does not exist: is the router pod running/,
    );
  });

  test('a pidfile with garbage is refused', async () => {
    await writeFile(pidFile(), 'hello\n');
    await expect(resolveRouterNetns({ pidFile: pidFile(), preferredName: 'nr-named' })).rejects.toThrow(NetnsError);
  });

  test('a stale pid is reported as stale', async () => {
    const p = execa('true');
    await p;
    await writeFile(pidFile(), `${p.pid}\n`);
    await expect(resolveRouterNetns({ pidFile: pidFile(), preferredName: 'nr-named' })).rejects.toThrow(
      /stale FRR pidfile/,
    );
  });

  test("a pid in the host's own netns is refused", async () => {
    await writeFile(pidFile(), `${process.pid}\n`);
    await expect(resolveRouterNetns({ pidFile: pidFile(), preferredName: 'nr-named' })).rejects.toThrow(
      /host's own network namespace/,
    );
  });

  test('a pid in a named netns resolves to that name without attaching', async () => {
    const pid = await sleeper('nr-named');
    await writeFile(pidFile(), `${pid}\n`);
    const r = await resolveRouterNetns({ pidFile: pidFile(), preferredName: 'nr-named' });
    expect(r).toMatchObject({ name: 'nr-named', pid, attached: false });
    expect(r.inode).toBe(statSync(`/proc/${pid}/ns/net`).ino);
  });

  test('a pid in an unnamed netns gets the preferred name attached', async () => {
    const pid = await sleeper();
    await writeFile(pidFile(), `${pid}\n`);
    const r = await resolveRouterNetns({ pidFile: pidFile(), preferredName: 'nr-unnamed' });
    expect(r).toMatchObject({ name: 'nr-unnamed', attached: true });
    expect(existsSync('/run/netns/nr-unnamed')).toBe(true);
    expect(statSync('/run/netns/nr-unnamed').ino).toBe(statSync(`/proc/${pid}/ns/net`).ino);
    // Second call finds the name it attached.
    expect(await resolveRouterNetns({ pidFile: pidFile(), preferredName: 'nr-unnamed' })).toMatchObject({
      name: 'nr-unnamed',
      attached: false,
    });
  });

  test('when the preferred name points elsewhere, FRR gets a name of its own', async () => {
    await netnsAdd('nr-taken');
    const pid = await sleeper();
    await writeFile(pidFile(), `${pid}\n`);
    const r = await resolveRouterNetns({ pidFile: pidFile(), preferredName: 'nr-taken' });
    expect(r.name).toBe(`nr-taken-${pid}`);
    expect(statSync(`/run/netns/nr-taken-${pid}`).ino).toBe(statSync(`/proc/${pid}/ns/net`).ino);
    await netnsDel(r.name);
  });
});
