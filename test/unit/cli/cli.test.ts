// The node-tool side of the CLI without root: --version, completion scripts run by the real
// bash (and checked by zsh when installed), the man page checked by groff, `validate -` and
// `--offline`, and `teardown` refusing to act unasked.
import { describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../../src/cli/index.js';
import { describeProgram } from '../../../src/cli/command-tree.js';
import { completionScript } from '../../../src/cli/completion.js';
import { manPage } from '../../../src/cli/man.js';
import { runValidate } from '../../../src/cli/commands/validate.js';
import { runTeardown } from '../../../src/cli/commands/teardown.js';
import type { CliContext } from '../../../src/cli/context.js';
import { UsageError } from '../../../src/cli/errors.js';
import { createLogger } from '../../../src/log.js';

const haveZsh = existsSync('/usr/bin/zsh') || existsSync('/bin/zsh');
const haveGroff = existsSync('/usr/bin/groff');
if (!haveZsh) console.warn('cli: zsh completion checks skipped — zsh is not installed (scripts/setup installs it)');

const spec = () => describeProgram(buildProgram());

function ctx(): CliContext & { printed: string[] } {
  const printed: string[] = [];
  return {
    configPath: '/nonexistent/config.yaml',
    json: false,
    log: createLogger({ level: 'silent' }),
    out: (t) => void printed.push(t),
    hostPid: process.pid,
    printed,
  };
}

describe('--version', () => {
  test('prints "evpn-node VERSION" (and the revision when stamped), exit 0', async () => {
    const p = buildProgram();
    let out = '';
    p.configureOutput({ writeOut: (s) => void (out += s) });
    await expect(p.parseAsync(['node', 'evpn-node', '--version'])).rejects.toMatchObject({
      code: 'commander.version',
      exitCode: 0,
    });
    expect(out).toMatch(/^evpn-node \d+\.\d+\.\d+(?: \([0-9A-Za-z._-]+\))?\n$/);
  });
});

describe('the command tree', () => {
  test('every command, with the options the operations issue names', () => {
    const s = spec();
    expect(s.commands.map((c) => c.name)).toEqual([
      'validate',
      'render',
      'plan',
      'apply',
      'teardown',
      'run',
      'status',
      'health',
      'try',
      'units',
      'completion',
    ]);
    const opts = (name: string) => s.commands.find((c) => c.name === name)?.options.map((o) => o.long);
    expect(opts('validate')).toContain('--offline');
    expect(opts('status')).toContain('--diff');
    expect(opts('teardown')).toContain('--yes');
    expect(s.commands.find((c) => c.name === 'completion')?.arguments).toEqual([
      { name: 'shell', description: 'the shell', required: true, choices: ['bash', 'zsh'] },
    ]);
    expect(s.options.map((o) => o.long)).toEqual(['--config', '--log-level', '--json', '--version', '--help']);
  });
});

describe('bash completion, run by bash', () => {
  /** COMPREPLY for the words typed so far (the last one is being completed). */
  const complete = async (...words: string[]): Promise<string[]> => {
    const script = completionScript(spec(), 'bash');
    const arr = words.map((w) => `'${w}'`).join(' ');
    const r = await execa(
      'bash',
      [
        '-c',
        `${script}\nCOMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _evpn_node; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { cwd: tmpdir() },
    );
    return r.stdout.split('\n').filter(Boolean);
  };

  test('the script parses', async () => {
    expect((await execa('bash', ['-n'], { input: completionScript(spec(), 'bash'), reject: false })).exitCode).toBe(0);
  });

  test('commands, their options, option values and argument choices', async () => {
    expect(await complete('evpn-node', 'un')).toEqual(['units']);
    expect(await complete('evpn-node', '--log-level', 'de')).toEqual(['debug']);
    expect(await complete('evpn-node', '--config', '/etc/x.yaml', 'sta')).toEqual(['status']);
    expect(await complete('evpn-node', 'status', '--d')).toEqual(['--diff']);
    expect(await complete('evpn-node', 'units', '--format', '')).toEqual(['systemd', 'quadlet']);
    expect(await complete('evpn-node', 'completion', '')).toEqual(expect.arrayContaining(['bash', 'zsh']));
    expect(await complete('evpn-node', 'teardown', '--y')).toEqual(['--yes']);
  });
});

describe.skipIf(!haveZsh)('zsh completion', () => {
  test('the script parses, and autoloads as a completion function that offers every command', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'op-zsh-'));
    try {
      await writeFile(join(dir, '_evpn-node'), completionScript(spec(), 'zsh'));
      expect((await execa('zsh', ['-n', join(dir, '_evpn-node')], { reject: false })).exitCode).toBe(0);
      // compinit reads the #compdef line; the function body names each command.
      const r = await execa(
        'zsh',
        [
          '-f',
          '-c',
          `fpath=(${dir} $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[evpn-node]; functions _evpn-node >/dev/null && echo loaded`,
        ],
        { reject: false },
      );
      expect(r.stdout).toBe('_evpn-node\nloaded');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const text = completionScript(spec(), 'zsh');
    for (const c of spec().commands) expect(text).toContain(`'${c.name}:`);
  });
});

describe('man page', () => {
  const page = () => manPage(spec(), { version: '1.2.3 (abc)', date: '2026-01-02' });
  test('names every command and option', () => {
    const t = page();
    expect(t).toMatch(/^\.TH EVPN-NODE 1 "2026-01-02" "evpn-node 1\.2\.3 \(abc\)" "User Commands"$/m);
    for (const c of spec().commands) expect(t).toContain(`\\fB${c.name}\\fR`);
    expect(t).toContain('\\fB\\-\\-offline\\fR');
    expect(t).toContain('.SH EXIT STATUS');
  });
  test.skipIf(!haveGroff)('groff formats it without a warning', async () => {
    const r = await execa('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page(), reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });
});

const VALID = `node: {index: 3}
underlay:
  asn: 64514
  nic: eth1
  vtepCIDR: 100.65.0.0/24
  neighbors:
    - address: 192.168.11.2
      asn: 64512
      passwordFile: /nonexistent/evpn-node-secret
`;

describe('validate - and --offline', () => {
  test('`validate -` reads stdin; a passwordFile that is not on this machine is an error...', async () => {
    const c = ctx();
    const code = await runValidate({ ...c, json: true }, { file: '-', offline: false, readStdin: async () => VALID });
    const r = JSON.parse(c.printed[0] ?? '{}') as {
      ok: boolean;
      files: string[];
      issues: Array<{ file: string; message: string }>;
    };
    expect(code).toBe(2);
    expect(r.files).toEqual(['<stdin>']);
    expect(r.issues.map((i) => `${i.file}: ${i.message}`)).toEqual([
      '<stdin>: cannot read /nonexistent/evpn-node-secret (no such file)',
    ]);
  });

  test('... and --offline leaves it out (CI, GitOps), still checking everything in the file', async () => {
    const c = ctx();
    expect(await runValidate(c, { file: '-', offline: true, readStdin: async () => VALID })).toBe(0);
    expect(c.printed).toEqual(['<stdin>: valid (offline: passwordFiles, interfaces and node.indexFrom not checked)']);
    const bad = ctx();
    expect(
      await runValidate(
        { ...bad, json: true },
        { file: '-', offline: true, readStdin: async () => VALID.replace('64512', '0') },
      ),
    ).toBe(2);
    expect(bad.printed[0]).toContain('"line": 8');
  });

  test('a file argument instead of --config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'op-validate-'));
    try {
      await writeFile(join(dir, 'secret'), 's3cret\n');
      await chmod(join(dir, 'secret'), 0o600);
      await writeFile(join(dir, 'config.yaml'), VALID.replace('/nonexistent/evpn-node-secret', join(dir, 'secret')));
      const c = ctx();
      expect(await runValidate(c, { file: join(dir, 'config.yaml'), offline: false, readStdin: async () => '' })).toBe(
        0,
      );
      expect(c.printed).toEqual([`${join(dir, 'config.yaml')}: valid`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('teardown asks first', () => {
  test('no terminal and no --yes: refuses (usage error, exit 2), touching nothing', async () => {
    await expect(runTeardown(ctx(), { yes: false, force: false })).rejects.toThrow(UsageError);
    await expect(runTeardown(ctx(), { yes: false, force: false })).rejects.toThrow(
      /stdin is not a terminal to ask on: pass --yes/,
    );
  });

  test('on a terminal, anything but y/yes is no: nothing torn down, exit 1', async () => {
    for (const answer of ['', 'n', 'no', 'maybe']) {
      const c = ctx();
      let asked = '';
      const code = await runTeardown(c, { yes: false, force: false, ask: async (q) => ((asked = q), answer) });
      expect(code).toBe(1);
      expect(asked).toMatch(/Tear down\? \[y\/N\] $/);
      expect(c.printed).toEqual(['Nothing torn down.']);
    }
  });
});
