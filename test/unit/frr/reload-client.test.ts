// ReloaderClient's side of the protocol, against a small node:http server on a unix socket that
// answers what scripts/frr-reloader answers (the real reloader is in test/integration/).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReloaderClient, ReloaderError, ReloaderUnavailableError } from '../../../src/frr/reload-client.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rl-unit-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Route = (res: ServerResponse) => void;
const json =
  (status: number, body: unknown): Route =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

async function serve(
  name: string,
  routes: Record<string, Route>,
): Promise<{ socket: string; server: Server; seen: string[] }> {
  const socket = join(dir, `${name}.sock`);
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const route = routes[`${req.method} ${req.url}`];
    if (route) route(res);
    else json(404, { ok: false, reason: 'no such path' })(res);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, server, seen };
}

const close = (s: Server): Promise<void> => new Promise((resolve) => s.close(() => resolve()));

describe('ReloaderClient', () => {
  test('no socket file: ReloaderUnavailableError naming the path', async () => {
    const path = join(dir, 'absent.sock');
    const err = await new ReloaderClient(path).reload().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReloaderUnavailableError);
    expect((err as Error).message).toContain(path);
    expect((err as ReloaderUnavailableError).code).toBe('ENOENT');
  });

  test('a socket file nobody listens on (dead reloader): ReloaderUnavailableError', async () => {
    const path = join(dir, 'stale.sock');
    // Bound but never listening: what a SIGKILLed reloader leaves; node cannot make one itself.
    execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path]);
    const err = await new ReloaderClient(path).healthz().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReloaderUnavailableError);
    expect((err as ReloaderUnavailableError).code).toBe('ECONNREFUSED');
  });

  test('POST /reload: 200 and 500 are both results; only the four fields come back', async () => {
    const failed = { ok: false, phase: 'reload', output: 'partly applied', durationMs: 12 };
    const { socket, server, seen } = await serve('reload', { 'POST /reload': json(500, { ...failed, extra: 1 }) });
    try {
      expect(await new ReloaderClient(socket).reload()).toEqual(failed);
      expect(seen).toEqual(['POST /reload']);
    } finally {
      await close(server);
    }
  });

  test('POST /reload answering something else is a ReloaderError with the status', async () => {
    const { socket, server } = await serve('reload-bad', {
      'POST /reload': json(500, { ok: false, reason: 'reloader error: KeyError' }),
    });
    const notJson = await serve('reload-text', { 'POST /reload': (res) => res.end('<html>') });
    try {
      const err = await new ReloaderClient(socket).reload().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReloaderError);
      expect((err as ReloaderError).status).toBe(500);
      const err2 = await new ReloaderClient(notJson.socket).reload().catch((e: unknown) => e);
      expect(err2).toBeInstanceOf(ReloaderError);
      expect((err2 as Error).message).toContain('not JSON');
    } finally {
      await close(server);
      await close(notJson.server);
    }
  });

  test('healthz: 200 is ok with daemons, 503 is ok:false with the reason', async () => {
    const up = await serve('up', { 'GET /healthz': json(200, { ok: true, daemons: ['zebra', 'bgpd'] }) });
    const down = await serve('down', {
      'GET /healthz': json(503, { ok: false, reason: 'not running: bgpd', daemons: ['zebra'] }),
    });
    try {
      expect(await new ReloaderClient(up.socket).healthz()).toEqual({ ok: true, daemons: ['zebra', 'bgpd'] });
      expect(await new ReloaderClient(down.socket).healthz()).toEqual({
        ok: false,
        daemons: ['zebra'],
        reason: 'not running: bgpd',
      });
    } finally {
      await close(up.server);
      await close(down.server);
    }
  });

  test('queries return the parsed body; a non-200 is a ReloaderError carrying the reason', async () => {
    const { socket, server, seen } = await serve('queries', {
      'GET /bgp': json(200, { ipv4: {}, evpn: {} }),
      'GET /vni': json(200, { '100': { vni: 100 } }),
      'GET /vni/detail': json(503, { ok: false, reason: 'vtysh exited 1' }),
      'GET /status': json(200, { lastReload: null }),
      'GET /rmac': json(200, { rmacs: {}, nexthops: {} }),
    });
    try {
      const c = new ReloaderClient(socket);
      expect(await c.bgp()).toEqual({ ipv4: {}, evpn: {} });
      expect(await c.vni()).toEqual({ '100': { vni: 100 } });
      expect(await c.status()).toEqual({ lastReload: null });
      expect(await c.rmac()).toEqual({ rmacs: {}, nexthops: {} });
      const err = await c.vniDetail().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReloaderError);
      expect((err as ReloaderError).status).toBe(503);
      expect((err as Error).message).toContain('vtysh exited 1');
      expect(seen).toEqual(['GET /bgp', 'GET /vni', 'GET /status', 'GET /rmac', 'GET /vni/detail']);
    } finally {
      await close(server);
    }
  });

  test('GET /diff: lines and a failed test come back redacted; diffLines formats - / +', async () => {
    const { socket, server } = await serve('diff', {
      'GET /diff': json(200, {
        ok: true,
        inSync: false,
        delete: ['router bgp 65001', ' neighbor 10.0.0.1 password s3cr3t-old'],
        add: [' neighbor 10.0.0.1 password 7 s3cr3t-new'],
        durationMs: 40,
      }),
    });
    const failed = await serve('diff-failed', {
      'GET /diff': json(500, {
        ok: false,
        output: "Line ' neighbor 10.0.0.1 password s3cr3t-new' unknown; ('s3cr3t-new',)",
      }),
    });
    try {
      const c = new ReloaderClient(socket);
      expect(await c.diff()).toEqual({
        ok: true,
        inSync: false,
        delete: ['router bgp 65001', ' neighbor 10.0.0.1 password <redacted>'],
        add: [' neighbor 10.0.0.1 password <redacted>'],
        durationMs: 40,
      });
      expect(await c.diffLines()).toEqual({
        ok: true,
        lines: [
          '- router bgp 65001',
          '-  neighbor 10.0.0.1 password <redacted>',
          '+  neighbor 10.0.0.1 password <redacted>',
        ],
      });
      // Known secrets are masked also where no keyword precedes them (a Python repr).
      const out = await new ReloaderClient(failed.socket, { secrets: ['s3cr3t-new'] }).diffLines();
      expect(out.ok).toBe(false);
      expect(JSON.stringify(out)).not.toContain('s3cr3t');
    } finally {
      await close(server);
      await close(failed.server);
    }
  });

  test('GET /diff in sync: no lines', async () => {
    const { socket, server } = await serve('diff-same', {
      'GET /diff': json(200, { ok: true, inSync: true, delete: [], add: [], durationMs: 5 }),
    });
    try {
      expect(await new ReloaderClient(socket).diffLines()).toEqual({ ok: true, lines: [] });
    } finally {
      await close(server);
    }
  });

  test('no answer within the budget: ReloaderError, not a hang', async () => {
    const { socket, server } = await serve('slow', { 'POST /reload': () => undefined });
    try {
      const t0 = Date.now();
      const err = await new ReloaderClient(socket, { timeoutMs: 200 }).reload().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReloaderError);
      expect((err as Error).message).toContain('no answer within 200 ms');
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  });
});
