// The real scripts/frr-reloader driving a real FRR (Debian's 8.4) in netns rl-frr, plus the
// reloader's own failure paths (timeout, missing file, redaction, socket ownership) with small
// stand-in frr-reload scripts where a real FRR cannot produce the case on demand.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { request } from 'node:http';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveFrr, netnsAdd, netnsDel, startFrr, stopFrrByName, waitFor, type FrrInstance } from '../helpers/frr.js';
import { startReloader, RELOADER_SCRIPT, type RunningReloader } from '../helpers/reloader.js';
import { ReloaderError, type ReloadResult } from '../../src/frr/reload-client.js';

const NS = 'rl-frr';
const FRR_MISSING = !haveFrr();
if (FRR_MISSING)
  console.warn('reloader.test: FRR (/usr/lib/frr/watchfrr, frr-reload.py) is not installed: real-FRR tests skipped');

const BASE = `frr defaults datacenter
hostname rl-frr
!
router bgp 65001
 bgp router-id 10.255.0.1
 neighbor 10.0.0.2 remote-as 65002
 address-family l2vpn evpn
  neighbor 10.0.0.2 activate
  advertise-all-vni
 exit-address-family
exit
!
`;

/** BASE with extra lines inside `router bgp 65001` (before its address families). */
const withBgp = (...lines: string[]): string =>
  BASE.replace(
    ' neighbor 10.0.0.2 remote-as 65002\n',
    ` neighbor 10.0.0.2 remote-as 65002\n${lines.map((l) => ` ${l}\n`).join('')}`,
  );

/** Raw request, for what the typed client deliberately cannot send (unknown paths, wrong methods). */
function rawRequest(socketPath: string, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface RunSpan {
  run: number;
  start: number;
  end: number;
}

/** Reload runs as the reloader logged them: `<iso> info frr-reloader: reload run=N start|end ...`. */
function runSpans(log: string): RunSpan[] {
  const spans = new Map<number, Partial<RunSpan>>();
  const order: number[] = [];
  for (const line of log.split('\n')) {
    const m = /^(\S+) \w+ frr-reloader: reload run=(\d+) (start|end)\b/.exec(line);
    if (!m) continue;
    const run = Number(m[2]);
    const s = spans.get(run) ?? { run };
    if (m[3] === 'start') {
      s.start = Date.parse(m[1]!);
      order.push(run);
    } else s.end = Date.parse(m[1]!);
    spans.set(run, s);
  }
  return order.map((r) => spans.get(r) as RunSpan);
}

describe.skipIf(FRR_MISSING)('frr-reloader with a real FRR in netns rl-frr', () => {
  let frr: FrrInstance | undefined;
  let rl: RunningReloader | undefined;
  let dir = '';
  let socket = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rl-'));
    socket = join(dir, 'reloader.sock');
    await netnsAdd(NS);
    frr = await startFrr(NS, BASE);
    rl = await startReloader({ socket, config: frr.confFile, pathspace: NS });
  });

  afterAll(async () => {
    await rl?.stop().catch(() => undefined);
    await stopFrrByName(NS).catch(() => undefined);
    await netnsDel(NS);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const reload = async (conf: string): Promise<ReloadResult> => {
    await writeFile(frr!.confFile, conf);
    return rl!.client.reload();
  };

  test('the socket is mode 0600', async () => {
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
  });

  test('healthz is 200 and lists zebra and bgpd', async () => {
    const h = await rl!.client.healthz();
    expect(h.ok).toBe(true);
    expect(h.daemons).toEqual(expect.arrayContaining(['zebra', 'bgpd']));
  });

  test('a valid new config is tested, applied and shows in the running config', async () => {
    const r = await reload(withBgp('neighbor 10.0.0.5 remote-as 65005', 'neighbor 10.0.0.5 description rl-added'));
    expect(r.ok, r.output).toBe(true);
    expect(r.phase).toBe('reload');
    expect(r.durationMs).toBeGreaterThan(0);
    expect(r.output).toContain('frr-reload.py --reload');
    const running = await frr!.vtysh('show running-config');
    expect(running).toContain('neighbor 10.0.0.5 remote-as 65005');
    expect(running).toContain('neighbor 10.0.0.5 description rl-added');
  });

  test('/diff: in sync after a reload; a change made behind its back (vtysh) and a file edited without a reload both show, and nothing is applied', async () => {
    const conf = withBgp('neighbor 10.0.0.5 remote-as 65005', 'neighbor 10.0.0.5 description rl-added');
    // As in the router netns: forwarding on (zebra shows `no ip forwarding` otherwise, which no file here says).
    await execa('ip', [
      'netns',
      'exec',
      NS,
      'sysctl',
      '-qw',
      'net.ipv4.ip_forward=1',
      'net.ipv6.conf.all.forwarding=1',
    ]);
    expect((await reload(conf)).ok).toBe(true);
    // In sync, although FRR shows the system's hostname where the file says rl-frr: the hostname is left out.
    expect(await rl!.client.diff()).toMatchObject({ ok: true, inSync: true, delete: [], add: [] });
    await execa('vtysh', [
      '-N',
      NS,
      '-c',
      'configure terminal',
      '-c',
      'router bgp 65001',
      '-c',
      'neighbor 10.0.0.5 description changed-by-hand',
    ]);
    const hand = await rl!.client.diff();
    expect(hand).toMatchObject({ ok: true, inSync: false });
    if (hand.ok) expect(hand.add.join('\n')).toMatch(/neighbor 10\.0\.0\.5 description rl-added/);
    await writeFile(
      frr!.confFile,
      withBgp(
        'neighbor 10.0.0.5 remote-as 65005',
        'neighbor 10.0.0.5 description rl-added',
        'neighbor 10.0.0.6 remote-as 65006',
      ),
    );
    const edited = await rl!.client.diff();
    if (!edited.ok) throw new Error(edited.output);
    expect(edited.add.join('\n')).toMatch(/neighbor 10\.0\.0\.6 remote-as 65006/);
    // --test only: the running config still has the hand-made line and not the new neighbor.
    const running = await frr!.vtysh('show running-config');
    expect(running).toContain('description changed-by-hand');
    expect(running).not.toContain('10.0.0.6');
    expect((await reload(conf)).ok).toBe(true);
    expect(await rl!.client.diff()).toMatchObject({ ok: true, inSync: true });
  });

  test('/bgp answers both summaries as JSON with the router-id', async () => {
    const bgp = (await rl!.client.bgp()) as {
      ipv4: Record<string, { routerId: string; peers: object }>;
      evpn: { routerId: string };
    };
    expect(bgp.ipv4.default?.routerId).toBe('10.255.0.1');
    expect(Object.keys(bgp.ipv4.default?.peers ?? {})).toContain('10.0.0.5');
    expect(bgp.evpn.routerId).toBe('10.255.0.1');
  });

  test('a client that hangs up before the answer costs one log line, not a traceback', async () => {
    // What a podman health check does when its timeout fires while /bgp runs vtysh.
    const { connect } = await import('node:net');
    await new Promise<void>((resolve, reject) => {
      const c = connect(socket, () =>
        c.end('GET /bgp HTTP/1.1\r\nHost: x\r\n\r\n', () => {
          c.destroy();
          resolve();
        }),
      );
      c.on('error', reject);
    });
    await waitFor(async () => rl!.logs().includes('client gone'), 10_000, 'the reloader logs the /bgp request');
    expect(rl!.logs()).not.toContain('Traceback');
    expect(rl!.logs()).not.toContain('BrokenPipeError');
    expect((await rl!.client.healthz()).ok).toBe(true);
  });

  test('a syntactically broken config fails in phase test and changes nothing', async () => {
    const before = await frr!.vtysh('show running-config');
    const r = await reload(`${BASE}router bgp 65001\n neighbor 10.0.0.7 remote-as\n bogus-command here\nexit\n`);
    expect(r.ok).toBe(false);
    expect(r.phase).toBe('test');
    expect(r.output).toMatch(/--test exited \d+: the config was rejected, nothing was applied/);
    expect(await frr!.vtysh('show running-config')).toBe(before);
  });

  test('/status returns the last result with its time', async () => {
    const s = (await rl!.client.status()) as { lastReload: (ReloadResult & { at: string; run: number }) | null };
    expect(s.lastReload).not.toBeNull();
    expect(s.lastReload!.ok).toBe(false);
    expect(s.lastReload!.phase).toBe('test');
    expect(s.lastReload!.output).toContain('rejected');
    expect(Date.now() - Date.parse(s.lastReload!.at)).toBeLessThan(60_000);
  });

  test('passwords never leave the reloader: not in replies, status or its log', async () => {
    const first = await reload(withBgp('neighbor 10.0.0.2 password s3cr3t'));
    expect(first.ok, first.output).toBe(true);
    // It really went through FRR (so through frr-reload.py's output) ...
    expect(await frr!.vtysh('show running-config')).toContain('neighbor 10.0.0.2 password s3cr3t');
    // ... and changing it makes frr-reload.py print the old one in a `no ... password` line too.
    const second = await reload(withBgp('neighbor 10.0.0.2 password n3wPassw0rd'));
    expect(second.ok, second.output).toBe(true);
    expect(second.output).toContain('password <redacted>');
    const replies = [
      JSON.stringify(first),
      JSON.stringify(second),
      JSON.stringify(await rl!.client.status()),
      JSON.stringify(await rl!.client.bgp()),
      JSON.stringify(await rl!.client.healthz()),
      rl!.logs(),
    ].join('\n');
    expect(replies).not.toContain('s3cr3t');
    expect(replies).not.toContain('n3wPassw0rd');
  });

  test('a change that passes --test but fails to apply is reported as phase reload, not transactional', async () => {
    // The peer-group does not exist: vtysh parses the line, bgpd refuses it when applied.
    const r = await reload(withBgp('neighbor 10.0.0.3 peer-group NOPE'));
    expect(r.ok).toBe(false);
    expect(r.phase).toBe('reload');
    expect(r.output).toContain('not transactional');
    expect(r.output).toContain('Configure the peer-group first');
  });

  test('concurrent reloads are serialised and waiting ones share one run', async () => {
    await writeFile(frr!.confFile, withBgp('neighbor 10.0.0.6 remote-as 65006'));
    const assertSerial = (spans: RunSpan[]): void => {
      for (let i = 1; i < spans.length; i++) {
        expect(
          spans[i]!.start,
          `run ${spans[i]!.run} started before run ${spans[i - 1]!.run} ended`,
        ).toBeGreaterThanOrEqual(spans[i - 1]!.end);
      }
    };
    let mark = rl!.logs().length;
    const two = await Promise.all([rl!.client.reload(), rl!.client.reload()]);
    expect(two.map((r) => r.ok)).toEqual([true, true]);
    // The first request starts a run at once; the second arrives during it and needs a run
    // that starts after it arrived (the file may have changed): two runs, one after the other.
    const twoRuns = runSpans(rl!.logs().slice(mark));
    expect(twoRuns).toHaveLength(2);
    assertSerial(twoRuns);

    mark = rl!.logs().length;
    const four = await Promise.all([1, 2, 3, 4].map(() => rl!.client.reload()));
    expect(four.every((r) => r.ok)).toBe(true);
    // Those arriving while a run goes share the next one: fewer runs than requests.
    const fourRuns = runSpans(rl!.logs().slice(mark));
    expect(fourRuns.length).toBeGreaterThanOrEqual(2);
    expect(fourRuns.length).toBeLessThan(4);
    assertSerial(fourRuns);
  });

  test('/vni lists a VNI once zebra sees its VXLAN device', async () => {
    await execa('ip', ['-n', NS, 'addr', 'add', '10.255.0.1/32', 'dev', 'lo']);
    await execa('ip', ['-n', NS, 'link', 'add', 'br-pe-100', 'type', 'bridge']);
    await execa('ip', [
      '-n',
      NS,
      'link',
      'add',
      'vni100',
      'type',
      'vxlan',
      'id',
      '100',
      'local',
      '10.255.0.1',
      'dstport',
      '4789',
      'nolearning',
    ]);
    await execa('ip', ['-n', NS, 'link', 'set', 'vni100', 'master', 'br-pe-100']);
    await execa('ip', ['-n', NS, 'link', 'set', 'br-pe-100', 'up']);
    await execa('ip', ['-n', NS, 'link', 'set', 'vni100', 'up']);
    await waitFor(
      async () => Object.keys((await rl!.client.vni()) as object).includes('100'),
      15_000,
      'VNI 100 in /vni',
    );
    const vni = (await rl!.client.vni()) as Record<string, { vni: number; type: string; vxlanIf: string }>;
    expect(vni['100']).toMatchObject({ vni: 100, type: 'L2', vxlanIf: 'vni100' });
    const detail = (await rl!.client.vniDetail()) as Array<{ vni: number; vtepIp: string }>;
    expect(detail).toEqual(expect.arrayContaining([expect.objectContaining({ vni: 100, vtepIp: '10.255.0.1' })]));
  });

  test("/rmac answers zebra's router MAC and next-hop tables (empty: no L3VNI here)", async () => {
    // Both vtysh commands ran and printed JSON: FRR 8.4 knows them as 10.x does (frr/rmac-check.ts).
    expect(await rl!.client.rmac()).toEqual({ rmacs: {}, nexthops: {} });
  });

  test('unknown path is 404, wrong method is 405, both JSON', async () => {
    const notFound = await rawRequest(socket, 'GET', '/show/running-config');
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.body)).toMatchObject({ ok: false });
    const wrong = await rawRequest(socket, 'GET', '/reload');
    expect(wrong.status).toBe(405);
    expect(JSON.parse(wrong.body).reason).toContain('POST');
  });

  test('a second reloader refuses a socket the first one answers on', async () => {
    const r = await execa(RELOADER_SCRIPT, ['--socket', socket, '--config', frr!.confFile, '--pathspace', NS], {
      reject: false,
      timeout: 10_000,
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('another reloader is answering');
    expect((await rl!.client.healthz()).ok).toBe(true);
  });

  test('healthz turns 503 with a reason once FRR is stopped, and /bgp is an error', async () => {
    await stopFrrByName(NS);
    const h = await rl!.client.healthz();
    expect(h.ok).toBe(false);
    expect(h.reason).toMatch(/vtysh/);
    const err = await rl!.client.bgp().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReloaderError);
    expect((err as ReloaderError).status).toBe(503);
  });

  test('SIGTERM stops it cleanly and removes the socket', async () => {
    await rl!.stop();
    expect(existsSync(socket)).toBe(false);
    expect(rl!.logs()).toContain('stopped');
  });
});

// Paths a running FRR cannot produce on demand: frr-reload.py is replaced by a small script.
describe('frr-reloader failure paths (stand-in frr-reload.py)', () => {
  let dir = '';
  const started: RunningReloader[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rl-fake-'));
  });
  afterAll(async () => {
    for (const r of started) await r.stop().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const script = async (name: string, body: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  };
  const start = async (name: string, config: string, args: string[]): Promise<RunningReloader> => {
    const r = await startReloader({ socket: join(dir, `${name}.sock`), config, args });
    started.push(r);
    return r;
  };

  test('a missing config file fails in phase test and says which file', async () => {
    const fake = await script('never-run', `touch ${dir}/ran`);
    const rl = await start('missing', join(dir, 'nope.conf'), ['--frr-reload', fake]);
    const r = await rl.client.reload();
    expect(r).toMatchObject({ ok: false, phase: 'test' });
    expect(r.output).toContain(join(dir, 'nope.conf'));
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  test('a hung frr-reload.py is killed (with its children) after --timeout', async () => {
    const conf = join(dir, 'frr.conf');
    await writeFile(conf, 'hostname x\n');
    const fake = await script('hang', `sleep 60 &\necho $! > ${dir}/child.pid\nwait`);
    const rl = await start('hang', conf, ['--frr-reload', fake, '--timeout', '1']);
    const r = await rl.client.reload();
    expect(r).toMatchObject({ ok: false, phase: 'test' });
    expect(r.output).toContain('timed out after 1 s');
    const child = Number((await readFile(join(dir, 'child.pid'), 'utf8')).trim());
    await waitFor(async () => !existsSync(`/proc/${child}`), 5_000, 'the hung child to be killed');
  });

  test('every kind of FRR secret in the config is redacted from the output', async () => {
    const secrets = [
      'bgpS3cret',
      'vtyPass1',
      'enaPass1',
      'ospfKey1',
      'md5Key1',
      'ospf6Key1',
      'isisKey1',
      'ripKey1',
      'chainKey1',
      'areaKey1',
      'domKey1',
      'z%',
    ];
    const conf = join(dir, 'secrets.conf');
    await writeFile(
      conf,
      [
        'router bgp 65001',
        ' neighbor 10.0.0.2 password bgpS3cret',
        ' neighbor 10.0.0.3 password z%',
        'password vtyPass1',
        'enable password enaPass1',
        'interface eth0',
        ' ip ospf authentication-key ospfKey1',
        ' ip ospf message-digest-key 1 md5 md5Key1',
        ' ipv6 ospf6 authentication key-id 1 hash-algo hmac-sha-256 key ospf6Key1',
        ' isis password md5 isisKey1',
        ' ip rip authentication string ripKey1',
        'key chain kc',
        ' key 1',
        '  key-string chainKey1',
        'router isis A',
        ' area-password clear areaKey1',
        ' domain-password md5 domKey1',
        '',
      ].join('\n'),
    );
    // Echo the config back, plainly and as the Python repr frr-reload.py logs it, then fail.
    const fake = await script(
      'echo',
      `for a; do f=$a; done\ncat "$f"\n/usr/bin/python3 -c 'import sys; print(repr(open(sys.argv[1]).readlines()))' "$f"\nexit 1`,
    );
    const rl = await start('echo', conf, ['--frr-reload', fake, '--log-level', 'debug']);
    const r = await rl.client.reload();
    expect(r).toMatchObject({ ok: false, phase: 'test' });
    expect(r.output).toContain('neighbor 10.0.0.2 password <redacted>');
    expect(r.output).toContain('key-string <redacted>');
    const everything = `${JSON.stringify(r)}\n${JSON.stringify(await rl.client.status())}\n${rl.logs()}`;
    expect(rl.logs()).toContain(' debug frr-reloader: run '); // debug lines were written, and checked
    for (const s of secrets) expect(everything, `secret ${s} leaked`).not.toContain(s);
  });

  test('a stale socket file is replaced, a non-socket file is left alone', async () => {
    const stale = join(dir, 'stale.sock');
    // Bind and exit without listening or unlinking: what a killed reloader leaves behind.
    await execa('/usr/bin/python3', [
      '-c',
      'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
      stale,
    ]);
    const rl = await startReloader({ socket: stale, config: join(dir, 'x.conf') });
    started.push(rl);
    expect((await rl.client.status()) as object).toEqual({ lastReload: null });

    const plain = join(dir, 'plain-file');
    await writeFile(plain, 'keep me');
    const r = await execa(RELOADER_SCRIPT, ['--socket', plain, '--config', join(dir, 'x.conf')], {
      reject: false,
      timeout: 10_000,
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('is not a socket');
    expect(await readFile(plain, 'utf8')).toBe('keep me');
  });
});
