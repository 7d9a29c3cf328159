// The CLI's one mapping from errors to exit codes (cli/index.ts): an OperationalError is exit 1
// with its message (and its hint) and no stack; anything else is a bug. Without root: the
// classes themselves, and `plan` run through main() against a router pod that is not there.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/index.js';
import { RuntimeFailure, UsageError } from '../../../src/cli/errors.js';
import { messageOf, OperationalError } from '../../../src/errors.js';
import { NetnsError } from '../../../src/netns/resolve.js';
import { ApplyError } from '../../../src/kernel/apply.js';
import { ConvergeError, FrrRefusedError } from '../../../src/reconcile/converge.js';
import { ReloaderError, ReloaderUnavailableError } from '../../../src/frr/reload-client.js';
import { DaemonAskError } from '../../../src/status/daemon-ask.js';
import { CommandTimeoutError } from '../../../src/io/capture.js';
import { FileReadError } from '../../../src/io/bounded-read.js';
import { BASE_YAML } from '../../helpers/config.js';

describe('operational errors', () => {
  test('every error the CLI reports as exit 1 without a stack is an OperationalError', () => {
    const operational = [
      new NetnsError('n'),
      new ApplyError('a', 'host'),
      new ConvergeError('c'),
      new FrrRefusedError('f'),
      new ReloaderError('r'),
      new ReloaderUnavailableError('/run/x.sock', 'ENOENT'),
      new DaemonAskError('d'),
      new RuntimeFailure('rf'),
      // A hung `ip` and an unreadable file are the operator's to fix, not bugs: no stack.
      new CommandTimeoutError('ip -batch -', 60_000, true),
      new FileReadError('config', '/etc/evpn-node/config.yaml', 'EISFIFO', 'a FIFO, not a regular file'),
    ];
    for (const e of operational) expect(e, e.name).toBeInstanceOf(OperationalError);
    expect(new FrrRefusedError('f')).toBeInstanceOf(ConvergeError);
    expect(new UsageError('u')).not.toBeInstanceOf(OperationalError);
  });

  test('the reloader being away carries the router-pod hint; a wrapped error keeps its cause', () => {
    const socketError = Object.assign(new Error('connect ENOENT /run/x.sock'), { code: 'ENOENT' });
    const e = new ReloaderUnavailableError('/run/x.sock', 'ENOENT', { cause: socketError });
    expect(e.message).toBe('FRR reloader not available on /run/x.sock (ENOENT)');
    expect(e.hint).toBe('is the router pod (FRR and its reloader sidecar) running?');
    expect(e.cause).toBe(socketError);
    expect(new NetnsError('n').hint).toBeUndefined();
  });

  test('messageOf reads an Error and anything else that was thrown', () => {
    expect(messageOf(new TypeError('bad'))).toBe('bad');
    expect(messageOf('a string')).toBe('a string');
    expect(messageOf(undefined)).toBe('undefined');
  });
});

describe('main()', () => {
  let dir: string | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('plan without the router pod: exit 1, the operator message on stderr, no stack', async () => {
    dir = await mkdtemp(join(tmpdir(), 'evpn-exit-'));
    const config = join(dir, 'config.yaml');
    await writeFile(config, `${BASE_YAML}runtime:\n  pidFile: ${dir}/frr.pid\n  runDir: ${dir}/run\n`);
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const code = await main(['node', 'evpn-node', '--config', config, 'plan']);
    expect(code).toBe(1);
    expect(stderr).toBe(`evpn-node: FRR pidfile ${dir}/frr.pid does not exist: is the router pod running?\n`);
  });
});
