// No secret in any output, whatever the password looks like. Passwords that are FRR's own
// encryption words (7, 0, 8, md5, clear), ordinary ones (inline, tagged, from a passwordFile) and
// passwords inside frr.rawConfig go through every output a user, a log or another process sees,
// on the netns fabric with the real FRR and reloader: render, validate --show-derived, plan (text
// and JSON, with the passwords changed so its diff has secrets on both sides), status --diff,
// validate's errors with source lines (and a password refused for its form, never echoed),
// apply's status.json, the daemon's log, stderr, status.json and STATUS= lines when FRR refuses
// a config that carries passwords and when an edit next to them is invalid, the reloader's reply
// and log, the argv of every process evpn-node starts (a stand-in ip and systemd-notify first in
// PATH record them). frr.conf and last-good.yaml hold the secrets by design (FRR needs them; the
// daemon falls back to last-good): both must be 0600. The reloader must run with umask 077
// (frr-reload.py writes the lines to configure, passwords included, to a file of its own).
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, fabricUp, ROOT, type Fabric } from '../helpers/fabric.js';
import { haveFrr, waitFor } from '../helpers/frr.js';
import {
  listenNotify,
  startDaemonWith,
  statusOf,
  type DaemonProc,
  type NotifyListener,
  logDaemonOnFailure,
} from './daemon-helpers.js';
import { ReloaderClient } from '../../src/frr/reload-client.js';

const ready = process.getuid?.() === 0 && haveFrr();
if (!ready) console.warn('secrets: skipped — needs root and Debian frr/frr-pythontools (scripts/setup installs them)');

/** Secrets long enough to look for anywhere; the keyword-like ones are checked by form. */
const LONG = ['Kw7zPq4Lm', 'S3cretFromFile', 'rawS3cretX', 'rawS3cretY', 'Zx9Vb2Nq8'];

/**
 * Every place a secret shows up in `text`: a long secret anywhere, or a password line (FRR's
 * `password X`, YAML's `password: X`) whose value is not <redacted>.
 */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const s of LONG) if (text.includes(s)) found.push(s);
  for (const m of text.matchAll(/\bpassword[ \t]+(\S+)/g)) if (m[1] !== '<redacted>') found.push(m[0]);
  // A YAML key, not a path in a message (`neighbors[4].password: must be ...` names no value).
  for (const m of text.matchAll(/(?<!\.)\bpassword["']?\s*:[ \t]*((?:[!&][^\s,}]*[ \t]+)*)([^\s,}]+)/g))
    if (m[2] !== '<redacted>') found.push(m[0]);
  return found;
}

/** Every string in a parsed JSON value, one per line (escaped newlines would hide line ends). */
const strings = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : Array.isArray(v)
      ? v.map(strings).join('\n')
      : v && typeof v === 'object'
        ? Object.values(v).map(strings).join('\n')
        : String(v);

/** The daemon's stderr as printed: each JSON line read back (escapes would hide a secret), others as they are. */
const stderrText = (lines: string[]): string =>
  lines
    .map((line) => {
      try {
        return strings(JSON.parse(line));
      } catch {
        return line;
      }
    })
    .join('\n');

describe.skipIf(!ready)('secrets through every output', { timeout: 240_000 }, () => {
  let f: Fabric;
  let bin: string;
  let n: NotifyListener | undefined;
  let d: DaemonProc | undefined;
  const argvLog = (): string => join(bin, 'argv.log');

  const config = (o: { leaf?: string; raw?: string; extraRaw?: string } = {}): string => `node:
  index: 3
underlay:
  asn: 64514
  nic: eth1
  vtepCIDR: 100.65.0.0/24
  neighbors:
    - address: 192.168.11.2
      asn: 64512
      password: "${o.leaf ?? '7'}"
    - {address: 192.0.2.1, asn: 65001, password: md5}
    - {address: 192.0.2.2, asn: 65002, password: clear}
    - {address: 192.0.2.3, asn: 65003, password: "0"}
    - {address: 192.0.2.4, asn: 65004, password: "8"}
    - {address: 192.0.2.5, asn: 65005, passwordFile: ${f.configDir}/secret}
    - {address: 192.0.2.6, asn: 65006, password: !!str Kw7zPq4Lm}
l2vnis:
  - vni: 110
    hostMaster: {name: br-hs-110, managed: true}
    hostAddress: 192.170.10.20/24
frr:
  rawConfig: |
    router bgp 64514
     neighbor 192.0.2.9 remote-as 65099
     neighbor 192.0.2.9 password ${o.raw ?? 'rawS3cretX'}
     neighbor 192.0.2.10 remote-as 65100
     neighbor 192.0.2.10 password 8
${o.extraRaw ?? ''}readiness:
  underlayEstablished: false
${f.runtimeYaml}`;

  /** The CLI in the node netns, with the stand-ins first in PATH. */
  const cli = async (...args: string[]) => {
    const r = await execa('ip', ['netns', 'exec', f.node, `${ROOT}bin/evpn-node`, '--config', f.configPath, ...args], {
      reject: false,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const statusText = async (): Promise<string> => readFile(`${f.runDir}/status.json`, 'utf8');

  beforeAll(async () => {
    await buildCli().catch((e: Error) =>
      console.warn(`secrets: tsc reported errors; using the emitted dist/: ${e.message.split('\n')[0]}`),
    );
    f = await fabricUp('hds');
    bin = await mkdtemp(join(tmpdir(), 'hds-bin-'));
    // Stand-ins that record their argv, one line each, then run the real binary.
    for (const name of ['ip', 'systemd-notify']) {
      const real = (await execa('sh', ['-c', `command -v ${name} || true`])).stdout.trim();
      await writeFile(
        join(bin, name),
        `#!/bin/sh\nprintf '%s %s\\n' ${name} "$*" >> ${argvLog()}\n${real ? `exec ${real} "$@"` : 'exit 0'}\n`,
      );
      await chmod(join(bin, name), 0o755);
    }
    await writeFile(`${f.configDir}/secret`, 'S3cretFromFile\n', { mode: 0o600 });
  });
  afterEach(logDaemonOnFailure(() => d, 30));
  afterAll(async () => {
    d?.proc.kill('SIGKILL');
    await d?.exited;
    await n?.stop();
    await f?.down();
    if (bin) await rm(bin, { recursive: true, force: true });
  });

  test('render: redacted, rawConfig included; --show-secrets shows them (the test sees what it hides)', async () => {
    await f.writeConfig(config());
    const r = await cli('render');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
    expect(r.stdout.match(/password <redacted>/g)).toHaveLength(9);
    const shown = await cli('render', '--show-secrets');
    expect(shown.stdout).toContain(' neighbor 192.168.11.2 password 7\n');
    expect(shown.stdout).toContain(' neighbor 192.0.2.1 password md5\n');
    expect(shown.stdout).toMatch(/^ neighbor 192\.0\.2\.10 password 8$/m);
    expect(leaks(shown.stdout).sort()).toEqual(expect.arrayContaining(['Kw7zPq4Lm', 'S3cretFromFile', 'rawS3cretX']));
    const derived = await cli('validate', '--show-derived');
    expect(derived.exitCode, derived.stderr).toBe(0);
    expect(derived.stdout).toMatch(/rawConfig/);
    expect(leaks(derived.stdout + derived.stderr)).toEqual([]);
  });

  test('validate: errors next to tagged, anchored and aliased passwords show none of them', async () => {
    // An anchor on a tagged password, its alias further down, a misspelt password key.
    const broken = config()
      .replace(
        '    - {address: 192.0.2.1, asn: 65001, password: md5}',
        '    - {address: 192.0.2.1, asn: 65001, password: !!str &pw Kw7zPq4Lm, bogus: 1}',
      )
      .replace(
        '    - {address: 192.0.2.2, asn: 65002, password: clear}',
        '    - {address: 192.0.2.2, asn: 65002, password: *pw, pasword: Zx9Vb2Nq8}',
      )
      // A keyword-like password on a line with an error; a password refused for its form.
      .replace(
        '    - {address: 192.0.2.3, asn: 65003, password: "0"}',
        '    - {address: 192.0.2.3, asn: 65003, password: "0", bogon: 2}',
      )
      .replace(
        '    - {address: 192.0.2.4, asn: 65004, password: "8"}',
        '    - {address: 192.0.2.4, asn: 65004, password: "8 Zx9Vb2Nq8"}',
      );
    await f.writeConfig(broken);
    try {
      const r = await cli('validate');
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/unknown key "bogus"/);
      expect(r.stderr).toMatch(/unknown key "pasword"/);
      expect(r.stderr).toMatch(/unknown key "bogon"/);
      expect(r.stderr).toMatch(/password: <redacted>, bogon: 2/);
      expect(r.stderr).toMatch(/neighbors\[4\]\.password: /);
      expect(r.stderr).toMatch(/password: !!str &pw <redacted>, bogus: 1/);
      expect(leaks(r.stdout + r.stderr)).toEqual([]);
    } finally {
      await f.writeConfig(config());
    }
  });

  test('apply: status.json clean; frr.conf and last-good.yaml keep the secrets, 0600', async () => {
    const r = await cli('apply');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
    expect(leaks(strings(JSON.parse(await statusText())))).toEqual([]);
    // FRR reads the real passwords from frr.conf: redaction is for what people and logs see.
    const frrConf = await readFile(`${f.frrConfigDir}/frr.conf`, 'utf8');
    expect(frrConf).toContain(' neighbor 192.168.11.2 password 7\n');
    expect(frrConf).toMatch(/^ neighbor 192\.0\.2\.10 password 8$/m);
    expect(frrConf).not.toContain('<redacted>');
    expect(leaks(frrConf).sort()).toEqual(expect.arrayContaining(['Kw7zPq4Lm', 'S3cretFromFile', 'rawS3cretX']));
    expect((await stat(`${f.frrConfigDir}/frr.conf`)).mode & 0o777).toBe(0o600);
    expect((await stat(`${f.runDir}/state/last-good.yaml`)).mode & 0o777).toBe(0o600);
  });

  test('plan, text and JSON, with the passwords changed: the diff has none of either side', async () => {
    await f.writeConfig(config({ leaf: 'clear', raw: 'rawS3cretY' }));
    const text = await cli('plan');
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/only secrets change|frr\.conf/);
    expect(leaks(text.stdout + text.stderr)).toEqual([]);
    const json = await cli('--json', 'plan');
    expect(json.exitCode, json.stderr).toBe(0);
    expect(leaks(strings(JSON.parse(json.stdout)) + json.stderr)).toEqual([]);
    await f.writeConfig(config());
  });

  test('the daemon, when FRR refuses a config with passwords in it: log, status.json, reloader reply and log', async () => {
    n = await listenNotify(`${f.runDir}/notify-s.sock`);
    d = startDaemonWith(f, { notifySocket: n.socket, env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
    await waitFor(async () => /"state": "converged"/.test(await statusText().catch(() => '')), 90_000, 'converged');
    // vtysh refuses the last rawConfig line and prints it back: a password line.
    await f.writeConfig(config({ extraRaw: '     neighbor 192.0.2.9 password rawS3cretY not-a-word\n' }));
    await waitFor(async () => d!.logs.some((l) => /FRR refused the new config/.test(l.msg)), 90_000, 'the refusal');
    await waitFor(async () => /FRR refused/.test(await statusText()), 10_000, 'status.json names the refusal');
    const logText = d.logs.map(strings).join('\n');
    expect(logText).toMatch(/password <redacted>/);
    expect(leaks(logText)).toEqual([]);
    expect(leaks(stderrText(d.stderr))).toEqual([]);
    expect(leaks(strings(JSON.parse(await statusText())))).toEqual([]);
    const last = strings(await new ReloaderClient(f.reloaderSocket).status());
    expect(last).toMatch(/password <redacted>/);
    expect(leaks(last)).toEqual([]);
    expect(leaks(await readFile(`${f.runDir}/reloader.log`, 'utf8'))).toEqual([]);
    // The config in force against the refused one on disk, as pasted into a ticket.
    const diff = await cli('status', '--diff');
    expect(diff.exitCode, diff.stderr).toBe(3);
    // The refused line is shown, cut from the keyword on (the value's words are the secret's).
    expect(diff.stdout).toMatch(/^\+ +neighbor 192\.0\.2\.9 password <redacted>$/m);
    expect(diff.stdout).not.toMatch(/not-a-word/);
    expect(leaks(diff.stdout + diff.stderr)).toEqual([]);
    // STATUS= lines went to systemd.
    expect(leaks(n.messages.map((m) => m.lines.join('\n')).join('\n'))).toEqual([]);
  });

  test('the daemon, when an edit is invalid next to passwords: log, stderr, status.json, STATUS=', async () => {
    const marks = { logs: d!.logs.length, stderr: d!.stderr.length, messages: n!.messages.length };
    await f.writeConfig(
      config()
        .replace(
          '    - {address: 192.0.2.1, asn: 65001, password: md5}',
          '    - {address: 192.0.2.1, asn: 65001, password: md5, bogus: 1}',
        )
        .replace(
          '    - {address: 192.0.2.4, asn: 65004, password: "8"}',
          '    - {address: 192.0.2.4, asn: 65004, password: "8 Zx9Vb2Nq8"}',
        ),
    );
    await waitFor(
      async () => d!.logs.slice(marks.logs).some((l) => /the config on disk is invalid/.test(l.msg)),
      30_000,
      'the invalid edit seen',
    );
    await waitFor(
      async () => /bogus|neighbors\[4\]/.test(await statusText()),
      10_000,
      'status.json names the invalid edit',
    );
    // The STATUS= line naming the invalid edit, not just any line sent before the daemon saw it:
    // the leak check below must look at the lines that carry the error.
    await waitFor(
      async () =>
        n!.messages
          .slice(marks.messages)
          .some((m) => /config on disk not applied: .*(bogus|neighbors\[4\])/.test(statusOf(m) ?? '')),
      10_000,
      'a STATUS= line names the invalid edit',
    );
    expect(leaks(d!.logs.slice(marks.logs).map(strings).join('\n'))).toEqual([]);
    expect(leaks(stderrText(d!.stderr.slice(marks.stderr)))).toEqual([]);
    expect(leaks(strings(JSON.parse(await statusText())))).toEqual([]);
    expect(
      leaks(
        n!.messages
          .slice(marks.messages)
          .map((m) => m.lines.join('\n'))
          .join('\n'),
      ),
    ).toEqual([]);
    const status = await cli('status');
    expect(leaks(status.stdout + status.stderr)).toEqual([]);
  });

  test('no secret in the argv of any process evpn-node started', async () => {
    const argv = await readFile(argvLog(), 'utf8');
    expect(argv).toMatch(/^ip .*-batch/m);
    expect(argv).toMatch(/^systemd-notify /m);
    expect(leaks(argv)).toEqual([]);
  });

  test('the reloader runs with umask 077, which frr-reload.py and its files inherit', async () => {
    const pid = (await readFile(`${f.runDir}/reloader.pid`, 'utf8')).trim();
    expect(await readFile(`/proc/${pid}/status`, 'utf8')).toMatch(/^Umask:\s+0077$/m);
  });
});
