// evpn-node's command line. Commands are thin: parse flags, call the core, print. This file is
// the only place that turns errors into exit codes and the only one that reads process globals.

import { Argument, Command, CommanderError, Option } from 'commander';
import { createInterface } from 'node:readline/promises';
import { fstatSync } from 'node:fs';
import { ConfigError, formatIssue } from '../config/errors.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../log.js';
import { EXIT, UsageError } from './errors.js';
import { OperationalError } from '../errors.js';
import { MAX_CONFIG_BYTES } from '../io/bounded-read.js';
import type { CliContext } from './context.js';
import type { RunOptions } from './commands/run.js';
import type { TryOptions } from './commands/try.js';
import type { UnitsOptions } from './commands/units.js';
import { SHELLS, type Shell } from './completion.js';
import { versionText } from '../version.js';
import { KUBELET_LAYOUTS, PREFIXES } from '../systemd/unit-options.js';
import type { ApplyOptions } from './commands/apply.js';
import { crashPointsFromEnv } from './crash.js';

// Commands are imported when they run, not at start-up: `health` runs every few seconds as the
// podman health check and should not pay for the daemon's modules (about half a second).
const commands = {
  validate: () => import('./commands/validate.js'),
  render: () => import('./commands/render.js'),
  plan: () => import('./commands/plan.js'),
  apply: () => import('./commands/apply.js'),
  teardown: () => import('./commands/teardown.js'),
  run: () => import('./commands/run.js'),
  status: () => import('./commands/status.js'),
  health: () => import('./commands/health.js'),
  try: () => import('./commands/try.js'),
  units: () => import('./commands/units.js'),
  completion: () => import('./commands/completion.js'),
};

const DEFAULT_CONFIG = '/etc/evpn-node/config.yaml';

export const LOG_FORMATS = ['auto', 'journal', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * One-shot commands log readable lines to stderr (stdout carries their output). The daemon
 * (`run`) logs to stdout (warnings and errors to stderr, except in the journal form, which is
 * one stream): pretty on a terminal, journal lines when stdout is systemd's journal stream,
 * JSON lines otherwise (see log.ts).
 */
function context(program: Command, kind: 'oneshot' | 'daemon' = 'oneshot', logFormat: LogFormat = 'auto'): CliContext {
  const o = program.opts<{ config: string; logLevel: LogLevel; json: boolean }>();
  const format = logFormat === 'auto' ? autoLogFormat() : logFormat;
  const log =
    kind === 'daemon'
      ? createLogger({
          level: o.logLevel,
          infoStream: process.stdout,
          pretty: format === 'pretty',
          journal: format === 'journal',
        })
      : createLogger({ level: o.logLevel, infoStream: process.stderr, pretty: true });
  const crash = crashPointsFromEnv(process.env.EVPN_NODE_CRASH_AT, () => {
    process.kill(process.pid, 'SIGKILL');
    throw new Error('SIGKILL did not stop the process');
  });
  return {
    configPath: o.config,
    json: o.json,
    log,
    out: (text: string) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    hostPid: process.pid,
    ...(crash ? { crash } : {}),
  };
}

export function buildProgram(): Command {
  const program = new Command('evpn-node')
    .description('BGP-EVPN for a Kubernetes node, from the first second of boot')
    .option('-c, --config <path>', 'main config file (its sibling config.d/ is read too)', DEFAULT_CONFIG)
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .option('--json', 'structured output where the command has any', false)
    .version(
      `evpn-node ${versionText()}`,
      '-V, --version',
      'print the version (and the git revision it was built from)',
    )
    .showHelpAfterError()
    .exitOverride();

  // Each command returns its exit code; the action stores it for main().
  let code: number = EXIT.ok;
  const wrap =
    <A extends unknown[]>(fn: (...a: A) => Promise<number>) =>
    async (...a: A) => {
      code = await fn(...a);
    };

  program
    .command('validate')
    .description('parse and validate the config and its drop-ins; print every error')
    .argument('[file]', 'main config file to check instead of --config ("-": read it from stdin, without drop-ins)')
    .option(
      '--offline',
      'skip the checks that need this node (passwordFile contents, interfaces, node.indexFrom): for CI and GitOps',
      false,
    )
    .option(
      '--show-derived',
      'also print the merged config and every value derived on this node (index, VTEP, router-id, names, tables, addresses)',
      false,
    )
    .action(
      wrap(async (file: string | undefined, o: { offline: boolean; showDerived: boolean }) =>
        (await commands.validate()).runValidate(context(program), {
          ...(file !== undefined ? { file } : {}),
          offline: o.offline,
          showDerived: o.showDerived,
          readStdin,
        }),
      ),
    );
  program
    .command('render')
    .description('print the frr.conf that would be written')
    .option('--show-secrets', 'print passwords instead of <redacted>', false)
    .action(wrap(async (o: { showSecrets: boolean }) => (await commands.render()).runRender(context(program), o)));
  program
    .command('plan')
    .description('print the changes apply would make, per namespace, and the frr.conf diff')
    .option('--detailed-exitcode', 'exit 3 when there are changes', false)
    .action(wrap(async (o: { detailedExitcode: boolean }) => (await commands.plan()).runPlan(context(program), o)));
  program
    .command('apply')
    .description('converge once: plumb, write frr.conf, reload FRR, verify (through the daemon when it runs)')
    .option(
      '--force',
      'apply directly even though another evpn-node holds the writer lock (the daemon, a try): both may write at once',
      false,
    )
    .action(wrap(async (o: ApplyOptions) => (await commands.apply()).runApply(context(program), o)));
  program
    .command('teardown')
    .description('remove everything evpn-node created; give the underlay NIC back to the host')
    .option('-y, --yes', 'do not ask (without a terminal on stdin, teardown refuses unless given)', false)
    .option(
      '--force',
      'tear down even though another evpn-node holds the writer lock; a running daemon is told to stand aside until `apply`',
      false,
    )
    .action(
      wrap(async (o: { yes: boolean; force: boolean }) =>
        (await commands.teardown()).runTeardown(context(program), {
          yes: o.yes,
          force: o.force,
          ...(process.stdin.isTTY ? { ask } : {}),
        }),
      ),
    );
  program
    .command('run')
    .description('the daemon: apply, watch config and FRR, reconcile on change, tell systemd when ready')
    .option('--drift-interval <seconds>', 'periodic drift check interval (0: off)', '30')
    .option('--debounce <ms>', 'wait this long after the last config edit before reconciling', '500')
    .option(
      '--frr-check-interval <seconds>',
      "how often a drift tick compares FRR's running config with frr.conf (frr-reload.py --test)",
      '600',
    )
    .option(
      '--command-timeout <seconds>',
      'kill an ip or sysctl process (with its process group) that runs longer, and fail the pass',
      '60',
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines: journal (syslog priority prefixes), json, pretty; auto: pretty on a terminal, journal when stdout is the journal ($JOURNAL_STREAM), else json',
      )
        .choices(LOG_FORMATS)
        .default('auto'),
    )
    .action(
      wrap(async (o: RunOptions & { logFormat: LogFormat }) =>
        (await commands.run()).runDaemon(context(program, 'daemon', o.logFormat), o),
      ),
    );
  program
    .command('status')
    .description(
      'units, netns, managed interfaces, BGP sessions, last reconcile; exit 0 only when converged and healthy, else 3',
    )
    .option(
      '--diff',
      'print the config in force against the config on disk as a unified diff (exit 3 when they differ)',
      false,
    )
    .action(wrap(async (o: { diff: boolean }) => (await commands.status()).runStatus(context(program), o)));
  program
    .command('health')
    .description('exit 0 when the last reconcile converged and the underlay session is up (podman health check)')
    .action(wrap(async () => (await commands.health()).runHealth(context(program))));
  program
    .command('try')
    .description('apply a candidate config; roll back to the last good one unless confirmed in time')
    .argument(
      '[file]',
      'the candidate main config (e.g. config.yaml.new), merged with the config.d/ of --config; default: --config itself (only without a running daemon)',
    )
    .option('--timeout <seconds>', 'roll back after this long without confirmation', '120')
    .option('--confirm', 'confirm the try in progress (from another shell)', false)
    .option('--auto-confirm-when-ready', 'confirm by itself once the readiness checks pass', false)
    .action(
      wrap(async (file: string | undefined, o: TryOptions) => (await commands.try()).runTry(context(program), o, file)),
    );
  program
    .command('units')
    .description('generate the systemd units (plain units or podman quadlets)')
    .addOption(new Option('--format <format>', 'unit flavour').choices(['systemd', 'quadlet']).default('systemd'))
    .option('--output <dir>', 'write the files here (default: print them)')
    .option('--controller-image <ref>', 'controller image', 'localhost/evpn-node:latest')
    .option('--frr-image <ref>', 'FRR image', 'quay.io/frrouting/frr:10.3.1')
    .option('--podman-version <x.y>', 'quadlet: the podman the files are for (default: the installed one)')
    .addOption(
      new Option('--prefix <dir>', 'install root: /etc (a node set up by hand) or /usr (vendor paths, for an OS image)')
        .choices(PREFIXES)
        .default('/etc'),
    )
    .addOption(
      new Option(
        '--kubelet <layout>',
        'how kubelet gets the node IP: env, kubeadm, openshift, k3s, rke2; auto: detected on this machine',
      )
        .choices(['auto', ...KUBELET_LAYOUTS])
        .default('auto'),
    )
    .action(wrap(async (o: UnitsOptions) => (await commands.units()).runUnits(context(program), o)));

  program
    .command('completion')
    .description('print a shell completion script (bash: source it; zsh: put it in $fpath as _evpn-node)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action(
      wrap(async (shell: Shell) => (await commands.completion()).runCompletion(context(program), program, shell)),
    );

  Object.defineProperty(program, 'exitCode', { get: () => code });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return (program as unknown as { exitCode: number }).exitCode;
  } catch (e) {
    return reportError(e);
  }
}

/**
 * systemd sets JOURNAL_STREAM=<dev>:<inode> of the stream it connects a service's stdout to; a
 * match with our stdout means we write to the journal (the controller's unit passes it into
 * the container, whose stdout is that same stream with podman's passthrough log driver).
 */
function autoLogFormat(): 'journal' | 'json' | 'pretty' {
  if (process.stdout.isTTY) return 'pretty';
  const want = process.env.JOURNAL_STREAM;
  if (want) {
    try {
      const st = fstatSync(1);
      if (want === `${st.dev}:${st.ino}`) return 'journal';
    } catch {
      /* no stdout: not the journal */
    }
  }
  return 'json';
}

/** All of stdin (`validate -`), at most a config file's size limit (`< /dev/zero` must not eat the memory). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    size += (c as Buffer).length;
    if (size > MAX_CONFIG_BYTES)
      throw new UsageError(`stdin holds more than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB: not a config file`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One line answered on the terminal (the question goes to stderr: stdout is for output). */
async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

function reportError(e: unknown): number {
  const say = (s: string) => void process.stderr.write(`${s}\n`);
  if (e instanceof CommanderError) {
    // Help and version are not errors; commander already printed what it had to.
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.invalid;
  }
  if (e instanceof ConfigError) {
    for (const i of e.issues) say(formatIssue(i));
    return EXIT.invalid;
  }
  if (e instanceof UsageError) {
    say(`evpn-node: ${e.message}`);
    return EXIT.invalid;
  }
  // Operational failures: the message is for the operator; a stack trace would only hide it.
  // One base class (../errors.ts), so this file need not load the modules that throw them.
  if (e instanceof OperationalError) {
    say(`evpn-node: ${e.message}`);
    if (e.hint) say(`evpn-node: ${e.hint}`);
    return EXIT.failure;
  }
  say(`evpn-node: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return EXIT.failure;
}
