// evpn-node's command line. Commands are thin: parse flags, call the core, print. This file is
// the only place that turns errors into exit codes and the only one that reads process globals.

import { Command, CommanderError, Option } from 'commander';
import { ConfigError, formatIssue } from '../config/errors.js';
import { NetnsError } from '../netns/resolve.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../log.js';
import { EXIT, RuntimeFailure, UsageError } from './errors.js';
import type { CliContext } from './context.js';
import { runValidate } from './commands/validate.js';
import { runRender } from './commands/render.js';
import { runPlan } from './commands/plan.js';
import { runApply } from './commands/apply.js';
import { runTeardown } from './commands/teardown.js';

const DEFAULT_CONFIG = '/etc/evpn-node/config.yaml';

function context(program: Command): CliContext {
  const o = program.opts<{ config: string; logLevel: LogLevel; json: boolean }>();
  return {
    configPath: o.config,
    json: o.json,
    log: createLogger({ level: o.logLevel, infoStream: process.stderr, pretty: process.stderr.isTTY === true }),
    out: (text: string) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    hostPid: process.pid,
  };
}

export function buildProgram(): Command {
  const program = new Command('evpn-node')
    .description('BGP-EVPN for a Kubernetes node, from the first second of boot')
    .option('-c, --config <path>', 'main config file (its sibling config.d/ is read too)', DEFAULT_CONFIG)
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .option('--json', 'structured output where the command has any', false)
    .showHelpAfterError()
    .exitOverride();

  // Each command returns its exit code; the action stores it for main().
  let code: number = EXIT.ok;
  const wrap = <A extends unknown[]>(fn: (...a: A) => Promise<number>) =>
    async (...a: A) => {
      code = await fn(...a);
    };

  program.command('validate').description('parse and validate the config and its drop-ins; print every error')
    .action(wrap(() => runValidate(context(program))));
  program.command('render').description('print the frr.conf that would be written')
    .option('--show-secrets', 'print passwords instead of <redacted>', false)
    .action(wrap((o: { showSecrets: boolean }) => runRender(context(program), o)));
  program.command('plan').description('print the changes apply would make, per namespace, and the frr.conf diff')
    .option('--detailed-exitcode', 'exit 3 when there are changes', false)
    .action(wrap((o: { detailedExitcode: boolean }) => runPlan(context(program), o)));
  program.command('apply').description('converge once: plumb, write frr.conf, reload FRR, verify')
    .action(wrap(() => runApply(context(program))));
  program.command('teardown').description('remove everything evpn-node created; give the underlay NIC back to the host')
    .action(wrap(() => runTeardown(context(program))));

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
  if (e instanceof RuntimeFailure || e instanceof NetnsError) {
    say(`evpn-node: ${e.message}`);
    return EXIT.failure;
  }
  say(`evpn-node: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return EXIT.failure;
}
