// Start the real scripts/frr-reloader for a test, next to an FRR started with test/helpers/frr.ts.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ReloaderClient, ReloaderUnavailableError } from '../../src/frr/reload-client.js';

export const RELOADER_SCRIPT = fileURLToPath(new URL('../../scripts/frr-reloader', import.meta.url));

export interface ReloaderOptions {
  socket: string;
  config: string;
  /** FRR pathspace (the test netns name): vtysh -N / frr-reload.py --pathspace. */
  pathspace?: string;
  /** Extra flags, e.g. ['--frr-reload', fake, '--timeout', '1']. */
  args?: string[];
  /** How long to wait for the socket to answer (default 10 s). */
  startTimeoutMs?: number;
}

export interface RunningReloader {
  client: ReloaderClient;
  pid: number;
  /** Everything the reloader wrote to stderr so far (its log). */
  logs(): string;
  /** SIGTERM, then wait for exit (SIGKILL after 10 s). Safe to call twice. */
  stop: () => Promise<void>;
}

export async function startReloader(opts: ReloaderOptions): Promise<RunningReloader> {
  const args = [
    '--socket',
    opts.socket,
    '--config',
    opts.config,
    ...(opts.pathspace ? ['--pathspace', opts.pathspace] : []),
    ...(opts.args ?? []),
  ];
  const child = spawn(RELOADER_SCRIPT, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve();
    });
    child.on('error', (err) => {
      stderr += `spawn failed: ${err.message}\n`;
      exitCode = -1;
      resolve();
    });
  });

  const client = new ReloaderClient(opts.socket, { queryTimeoutMs: 20_000 });
  const stop = async (): Promise<void> => {
    if (exitCode !== undefined) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };

  // Ready when the socket answers any HTTP status: healthz may be 503 if FRR is not up yet.
  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`frr-reloader exited (${exitCode}) before answering on ${opts.socket}:\n${stderr}`);
    try {
      await client.status();
      break;
    } catch (err) {
      if (!(err instanceof ReloaderUnavailableError)) {
        await stop();
        throw err;
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `frr-reloader did not answer on ${opts.socket} within ${opts.startTimeoutMs ?? 10_000} ms:\n${stderr}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return { client, pid: child.pid ?? -1, logs: () => stderr, stop };
}
