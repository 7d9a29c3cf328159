// sd_notify through the real systemd-notify binary into a real AF_UNIX SOCK_DGRAM socket
// (a Python listener: Node cannot bind one). Needs no root; skipped without systemd-notify.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { createLogger } from '../../../src/log.js';
import { SystemdNotify, monotonicUsec, statusLine } from '../../../src/systemd/notify.js';
import { listenNotify, monotonicNow, type NotifyListener } from '../../integration/daemon-helpers.js';

const have = existsSync('/usr/bin/systemd-notify') || existsSync('/bin/systemd-notify');
if (!have) console.warn('notify: skipped — needs systemd-notify (Debian package systemd)');

describe.skipIf(!have)('SystemdNotify', () => {
  let l: NotifyListener;
  const log = createLogger({ level: 'silent' });
  beforeAll(async () => {
    l = await listenNotify(join(tmpdir(), `evpn-notify-${process.pid}.sock`));
  });
  afterAll(async () => {
    await l?.stop();
  });
  const next = async (count: number) => {
    for (let i = 0; i < 100 && l.messages.length < count; i++) await new Promise((r) => setTimeout(r, 50));
    return l.messages[count - 1];
  };

  test('each message is one datagram with every assignment, in order, and no BARRIER', async () => {
    const n = new SystemdNotify({ socket: l.socket, log });
    await n.ready('converged');
    await n.stopping('stopping');
    expect((await next(1))?.lines).toEqual(['READY=1', 'STATUS=converged']);
    expect((await next(2))?.lines).toEqual(['STOPPING=1', 'STATUS=stopping']);
    await new Promise((r) => setTimeout(r, 200));
    expect(l.messages).toHaveLength(2);
  });

  test('RELOADING=1 carries MONOTONIC_USEC on CLOCK_MONOTONIC, taken when the reload begins', async () => {
    const before = await monotonicNow();
    await new SystemdNotify({ socket: l.socket, log }).reloading('reloading');
    const m = await next(3);
    expect(m?.lines[0]).toBe('RELOADING=1');
    const usec = BigInt((m?.lines[1] ?? '').replace('MONOTONIC_USEC=', ''));
    expect(usec).toBeGreaterThanOrEqual(before);
    expect(usec).toBeLessThanOrEqual(m!.at);
    // And the helper itself reads the same clock as Python's CLOCK_MONOTONIC.
    const a = await monotonicNow();
    const ours = monotonicUsec();
    const b = await monotonicNow();
    expect(ours).toBeGreaterThanOrEqual(a);
    expect(ours).toBeLessThanOrEqual(b);
  });

  test('a status line is one line, and an unchanged status is not sent again', async () => {
    expect(statusLine('a\nb')).toBe('STATUS=a b');
    const n = new SystemdNotify({ socket: l.socket, log });
    await n.status('same');
    await n.status('same');
    await n.status('other');
    expect((await next(4))?.lines).toEqual(['STATUS=same']);
    expect((await next(5))?.lines).toEqual(['STATUS=other']);
    await new Promise((r) => setTimeout(r, 200));
    expect(l.messages).toHaveLength(5);
  });

  test('no NOTIFY_SOCKET: nothing sent; a socket nobody listens on: logged and survived', async () => {
    await new SystemdNotify({ socket: undefined, log }).ready('x');
    const lines: string[] = [];
    const warnLog = createLogger({
      level: 'warn',
      errorStream: { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream,
    });
    await expect(
      new SystemdNotify({ socket: join(tmpdir(), 'evpn-nobody-here.sock'), log: warnLog }).ready('x'),
    ).resolves.toBeUndefined();
    expect(lines.join('')).toMatch(/systemd-notify failed; carrying on/);
    await execa('true');
    expect(l.messages).toHaveLength(5);
  });
});
