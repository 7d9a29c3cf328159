// `apply` through the daemon: the answer is the status of a pass that STARTED after the request,
// never one that was already under way; another config path is refused up front.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUNTIME } from '../../../src/config/defaults.js';
import type { RuntimeConfig } from '../../../src/config/types.js';
import { convergeThroughDaemon, daemonStandsAside } from '../../../src/status/daemon-ask.js';

let rt: RuntimeConfig;
beforeEach(async () => {
  rt = { ...DEFAULT_RUNTIME, runDir: await mkdtemp(join(tmpdir(), 'ask-')) };
});
afterEach(async () => {
  await rm(rt.runDir, { recursive: true, force: true });
});

const status = (o: object) =>
  writeFile(
    join(rt.runDir, 'status.json'),
    JSON.stringify({ at: 'x', ok: true, conflicts: [], configFiles: [], daemonPid: 77, ...o }),
  );
const CONFIG = '/etc/evpn-node/config.yaml';

describe('apply through the daemon', () => {
  test('a pass already under way does not answer; the one after the signal does', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await status({
      state: 'converged',
      lastPass: { startedAt: before, endedAt: new Date().toISOString(), reasons: ['drift'] },
      configOnDisk: { files: [CONFIG], sha256: 'a', valid: true },
    });
    let signalled = 0;
    const answer = convergeThroughDaemon(rt, 77, {
      configPath: CONFIG,
      pollMs: 20,
      signal: (pid) => {
        signalled = pid;
        // The daemon answers 100 ms later with a pass that started after the signal.
        setTimeout(
          () =>
            void status({
              state: 'degraded',
              lastPass: { startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), reasons: ['sighup'] },
            }),
          100,
        );
      },
    });
    const s = await answer;
    expect(signalled).toBe(77);
    expect(s.state).toBe('degraded');
    expect(s.lastPass?.reasons).toEqual(['sighup']);
  });

  test('another config than the daemon’s: refused before the daemon is woken', async () => {
    await status({ configOnDisk: { files: ['/etc/other/config.yaml'], sha256: 'a', valid: true } });
    let signalled = false;
    await expect(
      convergeThroughDaemon(rt, 77, { configPath: CONFIG, signal: () => (signalled = true) }),
    ).rejects.toThrow(/the daemon \(pid 77\) runs with \/etc\/other\/config\.yaml, not \/etc\/evpn-node\/config\.yaml/);
    expect(signalled).toBe(false);
  });

  test('no pass in time: says so; daemonStandsAside is false then', async () => {
    await status({});
    await expect(
      convergeThroughDaemon(rt, 77, { configPath: CONFIG, timeoutMs: 200, pollMs: 20, signal: () => undefined }),
    ).rejects.toThrow(/did not finish a pass within 0 s/);
    expect(await daemonStandsAside(rt, 77, { state: 'torn-down', timeoutMs: 200, signal: () => undefined })).toBe(
      false,
    );
  });
});
