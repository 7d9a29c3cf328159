// `try`: apply a candidate config, then keep it only if confirmed in time — else go back to
// last-good.yaml. netplan's lesson: refuse up front what cannot be rolled back, and never make
// the candidate permanent (config.yaml, last-good.yaml) before the operator said so.
//
//   validate candidate ─▶ claim try.json ─▶ converge candidate (last-good untouched)
//     ─▶ wait: ENTER / SIGUSR1 (`try --confirm`) / readiness (--auto-confirm-when-ready) / timeout / SIGINT
//     ─▶ confirm: config.yaml := candidate (old one kept as config.yaml.bak), last-good := candidate
//     ─▶ otherwise: converge last-good.yaml again (the rollback); config.yaml untouched
// try.json stops the daemon from acting meanwhile; if this process is killed hard, the daemon
// finds try.json with a dead pid and applies the files on disk — which still hold the old config.
// Without a daemon the try holds the writer lock itself (reconcile/writer-lock.ts): the next command that
// takes it (or a daemon start) finds the dead try and replaces its candidate. A try alive past
// its deadline without deciding (Ctrl-Z) is killed by whoever notices: the daemon, or the next
// apply/teardown/try.

import { stat } from 'node:fs/promises';
import { readBoundedText } from '../io/bounded-read.js';
import { MAX_CONFIG_BYTES } from '../config/load.js';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../log.js';
import type { RuntimeConfig } from '../config/types.js';
import { loadInputs, type NodeInputs } from '../reconcile/inputs.js';
import { converge } from '../reconcile/converge.js';
import { convergeRecorded } from '../reconcile/one-shot.js';
import { lastGoodPath, saveLastGood } from '../reconcile/state-files.js';
import { readIfExists, writeFileAtomic } from '../io/atomic-file.js';
import { readConfigView } from '../status/config-view.js';
import { readStatusFile } from '../status/reconcile-status.js';
import { bgpSessions, underlayVerdict } from '../status/bgp-sessions.js';
import { readBgp } from '../status/health.js';
import {
  claimTryFile,
  pidAlive,
  releaseTryFile,
  TryBusyError,
  updateTryFile,
  type TryFile,
  type TryPhase,
} from '../reconcile/try-file.js';
import { busyMessage, takeWriterLock, type Writer } from '../reconcile/writer-lock.js';
import { clearTornDown } from '../reconcile/state-files.js';
import { daemonStandsAside as daemonStandsAsideFor } from '../status/daemon-ask.js';
import { startWait, step, type TryEvent, type TryOutcome } from './decide.js';
import { messageOf } from '../errors.js';

export interface TryRequest {
  configPath: string;
  /** The candidate main file; equal to configPath for an in-place try (no daemon allowed). */
  candidatePath: string;
  timeoutS: number;
  autoConfirmWhenReady: boolean;
}

export interface TryDeps {
  log: Logger;
  pid: number;
  /** Operator-facing progress lines (stderr). */
  say: (line: string) => void;
  /** Start delivering confirm/abort events (ENTER, SIGUSR1, SIGINT...); returns how to stop. */
  listen: (emit: (ev: TryEvent) => void) => () => void;
  /** ENTER on the terminal confirms (stdin is a TTY): said in the prompt. */
  enterConfirms?: boolean;
  /** How to wake the daemon (default SIGHUP to its pid) and how long to wait for its answer. */
  signalDaemon?: (pid: number) => void;
  daemonAckMs?: number;
  now?: () => number;
  tickMs?: number;
  readinessPollMs?: number;
}

export type TryResult =
  | { outcome: 'confirmed'; via: string; backup?: string }
  | { outcome: 'rolled-back'; why: string; rollbackError?: string; inPlace: boolean };

/** The try cannot start (nothing was changed): a message for the operator, exit 1. */
export class TryRefused extends Error {
  override name = 'TryRefused';
}

export async function runTryFlow(req: TryRequest, deps: TryDeps): Promise<TryResult> {
  const now = deps.now ?? Date.now;
  const configPath = resolve(req.configPath);
  const candidatePath = resolve(req.candidatePath);
  const inPlace = configPath === candidatePath;

  // 1. Everything that can refuse, before anything is touched.
  const view = await readConfigView(configPath);
  const rt = view.runtime;
  // The candidate is the main file of --config: merged with the real config.d/ next to it.
  // Unreadable or invalid: ConfigError, exit 2 with file:line:col.
  const candidate = await loadInputs(candidatePath, { dropInDir: join(dirname(configPath), 'config.d') });
  const candidateText = await readBoundedText(candidatePath, { maxBytes: MAX_CONFIG_BYTES, what: 'candidate config' });
  for (const w of candidate.warnings) deps.log.warn({ file: w.file, line: w.line, path: w.path }, w.message);
  if (!sameRuntime(candidate.config.runtime, rt)) {
    throw new TryRefused('the candidate changes runtime: paths; try cannot roll that back — use `evpn-node apply`');
  }
  const lastGood = lastGoodPath(rt);
  if ((await readIfExists(lastGood)) === undefined) {
    throw new TryRefused(
      `nothing to roll back to: ${lastGood} does not exist yet (no config has applied on this node). Use \`evpn-node apply\` for the first apply.`,
    );
  }
  const previous = await loadInputs(lastGood, { dropInDir: null }).catch((e: unknown) => {
    throw new TryRefused(`${lastGood} does not load, so a rollback could not work: ${messageOf(e)}`, { cause: e });
  });
  // 2. Own the node's config for the duration: the writer lock when no daemon runs, else the
  // daemon keeps it and stands aside for our try.json.
  const writer = await takeWriterLock(rt, { pid: deps.pid, command: 'try', log: deps.log, now });
  try {
    return await tryWith(writer, {
      req,
      deps,
      now,
      configPath,
      candidatePath,
      inPlace,
      rt,
      candidate,
      candidateText,
      previous,
      lastGood,
    });
  } finally {
    if (writer.kind === 'held') await writer.lock.release();
  }
}

interface TryContext {
  req: TryRequest;
  deps: TryDeps;
  now: () => number;
  configPath: string;
  candidatePath: string;
  inPlace: boolean;
  rt: RuntimeConfig;
  candidate: NodeInputs;
  candidateText: string;
  previous: NodeInputs;
  lastGood: string;
}

async function tryWith(writer: Writer, c: TryContext): Promise<TryResult> {
  const { req, deps, now, configPath, candidatePath, inPlace, rt, candidate, candidateText, previous, lastGood } = c;
  const daemon = writer.kind === 'busy' && writer.holder.command === 'run' ? writer.holder.pid : undefined;
  if (writer.kind === 'busy' && daemon === undefined) {
    if (writer.holder.command === 'try') {
      throw new TryBusyError(writer.holder.pid, writer.tryFile?.deadline);
    }
    throw new TryRefused(busyMessage(writer, rt));
  }
  if (inPlace) await refuseInPlaceWithDaemon(rt, configPath, daemon);

  const startedAt = now();
  const stamp = (phase: TryPhase, f: TryFile): TryFile => ({ ...f, phase, phaseAt: new Date(now()).toISOString() });
  let file: TryFile = stamp('applying', {
    pid: deps.pid,
    startedAt: new Date(startedAt).toISOString(),
    deadline: new Date(startedAt + req.timeoutS * 1000).toISOString(),
    candidate: candidatePath,
  });
  await claimTryFile(rt, file);
  // A teardown's "stand aside" mark: this try brings the node back, whatever it decides.
  await clearTornDown(rt);

  const events: TryEvent[] = [];
  let wake: (() => void) | undefined;
  const emit = (ev: TryEvent): void => {
    events.push(ev);
    wake?.();
  };
  const stop = deps.listen(emit);
  // status.json is the daemon's while one runs (it shows try-in-progress); without one, ours.
  const convergeOnce = daemon === undefined ? convergeRecorded : converge;
  try {
    if (daemon !== undefined) await daemonStandsAside(rt, deps, daemon);
    // 3. Apply the candidate; last-good.yaml stays the config to roll back to.
    let outcome: TryOutcome | undefined;
    try {
      const r = await convergeOnce(candidate, { log: deps.log, saveLastGood: false });
      if (r.conflicts.length)
        throw new Error(
          `objects evpn-node does not own stand in the way:\n${r.conflicts.map((c) => `  ${c}`).join('\n')}`,
        );
      deps.say(
        `Applied ${candidatePath}: ${r.kernelOps} kernel change(s)${r.reloaded ? ', FRR reloaded' : ''} in ${r.durationMs} ms.`,
      );
    } catch (e) {
      outcome = { decision: 'rollback', why: `the candidate did not apply: ${messageOf(e)}` };
    }
    if (!outcome) {
      outcome = await waitForDecision(
        req,
        deps,
        candidate,
        rt,
        file,
        events,
        (w) => (wake = w),
        now,
        (f) => (file = f),
      ).catch((e: unknown): TryOutcome => ({
        decision: 'rollback',
        why: `error while waiting for the confirmation: ${messageOf(e)}`,
      }));
    }
    // Deciding takes a converge (rollback) or a file write (confirm): say so, so that whoever
    // enforces the deadline gives it time instead of taking it for a stopped try.
    await updateTryFile(rt, stamp(outcome.decision === 'confirm' ? 'confirming' : 'rolling-back', file)).catch(
      () => undefined,
    );

    if (outcome.decision === 'confirm') {
      const backup = inPlace ? undefined : await install(configPath, candidateText);
      await saveLastGood(rt, candidate.mergedYaml);
      return { outcome: 'confirmed', via: outcome.via, ...(backup ? { backup } : {}) };
    }

    // 4. Roll back: the config before the try, through the same converge.
    deps.say(`Rolling back to ${lastGood}: ${outcome.why}`);
    try {
      await convergeOnce(previous, { log: deps.log });
      return { outcome: 'rolled-back', why: outcome.why, inPlace };
    } catch (e) {
      return { outcome: 'rolled-back', why: outcome.why, rollbackError: messageOf(e), inPlace };
    }
  } finally {
    stop();
    await releaseTryFile(rt, deps.pid);
  }
}

async function waitForDecision(
  req: TryRequest,
  deps: TryDeps,
  candidate: NodeInputs,
  rt: RuntimeConfig,
  file: TryFile,
  events: TryEvent[],
  setWake: (w: (() => void) | undefined) => void,
  now: () => number,
  setFile: (f: TryFile) => void,
): Promise<TryOutcome> {
  // The clock starts once the candidate is in force: a slow FRR reload does not eat the window.
  let state = startWait(now(), req.timeoutS, req.autoConfirmWhenReady);
  const waiting: TryFile = {
    ...file,
    deadline: new Date(state.deadline).toISOString(),
    phase: 'waiting',
    phaseAt: new Date(now()).toISOString(),
  };
  setFile(waiting);
  await updateTryFile(rt, waiting);
  const how = ['`evpn-node try --confirm`', `kill -USR1 ${deps.pid}`];
  if (deps.enterConfirms) how.unshift('ENTER');
  deps.say(
    `Keeping it only if confirmed within ${req.timeoutS} s (${how.join(', or ')})${req.autoConfirmWhenReady ? ' or once the readiness checks pass' : ''}; otherwise rolling back.`,
  );

  const pollMs = deps.readinessPollMs ?? 1000;
  let nextPoll = 0;
  for (;;) {
    if (req.autoConfirmWhenReady && now() >= nextPoll) {
      nextPoll = now() + pollMs;
      const r = await readiness(candidate, rt);
      if (r.ready) events.push({ kind: 'ready', detail: r.detail });
    }
    // The clock first: a confirmation read after the deadline (the process was stopped, and
    // ENTER or SIGUSR1 waited for it) comes too late and must not keep the candidate.
    events.unshift({ kind: 'tick', now: now() });
    while (events.length) {
      const s = step(state, events.shift() as TryEvent);
      state = s.state;
      if (s.announce) deps.say(s.announce);
      if (s.outcome) return s.outcome;
    }
    await new Promise<void>((res) => {
      const t = setTimeout(res, deps.tickMs ?? 250);
      setWake(() => {
        clearTimeout(t);
        res();
      });
    });
    setWake(undefined);
  }
}

/** The readiness rule: converged (we are past converge) and, if configured, the underlay up. */
async function readiness(candidate: NodeInputs, rt: RuntimeConfig): Promise<{ ready: boolean; detail: string }> {
  if (!candidate.config.readiness.underlayEstablished) return { ready: true, detail: 'converged' };
  const b = await readBgp(rt.reloaderSocket, 800);
  if (!b.ok) return { ready: false, detail: b.error };
  const v = underlayVerdict(bgpSessions(b.bgp));
  return { ready: v.established, detail: v.reason };
}

/** config.yaml := candidate, atomically; the previous text kept as config.yaml.bak. */
async function install(configPath: string, text: string): Promise<string | undefined> {
  const mode = await stat(configPath).then(
    (s) => s.mode & 0o777,
    () => 0o600,
  );
  const old = await readIfExists(configPath);
  const backup = `${configPath}.bak`;
  if (old !== undefined) await writeFileAtomic(backup, old, { mode });
  await writeFileAtomic(configPath, text, { mode });
  return old !== undefined ? backup : undefined;
}

/**
 * An in-place try (the candidate is config.yaml itself) only works when nobody applies
 * config.yaml behind our back: the daemon would have applied the edit, and saved it as
 * last-good, the moment it was saved.
 */
async function refuseInPlaceWithDaemon(
  rt: RuntimeConfig,
  configPath: string,
  lockDaemon: number | undefined,
): Promise<void> {
  const s = await readStatusFile(rt);
  const pid = lockDaemon ?? (s.found ? s.status.daemonPid : undefined);
  if (pid !== undefined && pidAlive(pid)) {
    throw new TryRefused(
      `the daemon (pid ${pid}) applies ${configPath} as soon as it is saved, so it cannot be tried in place. ` +
        `Write the candidate to another file and try that: cp ${configPath} ${configPath}.new; edit it; evpn-node try ${configPath}.new`,
    );
  }
}

/**
 * A running daemon notices try.json at the start of its next pass — which may be a drift check
 * 30 s away, while a pass already under way could undo the candidate. So wake it (SIGHUP = re-read
 * the config, a pass that starts by checking try.json) and wait until a pass that started after
 * that says it stands aside. No answer: go on, and say so.
 */
async function daemonStandsAside(rt: RuntimeConfig, deps: TryDeps, pid: number): Promise<void> {
  const ms = deps.daemonAckMs ?? 10_000;
  const aside = await daemonStandsAsideFor(rt, pid, {
    state: 'try-in-progress',
    timeoutMs: ms,
    ...(deps.signalDaemon ? { signal: deps.signalDaemon } : {}),
  });
  if (aside) deps.say(`The daemon (pid ${pid}) stands aside until this try ends.`);
  else
    deps.say(
      `warning: the daemon (pid ${pid}) did not acknowledge the try within ${Math.round(ms / 1000)} s; going on`,
    );
}

const sameRuntime = (a: RuntimeConfig, b: RuntimeConfig): boolean =>
  (Object.keys(a) as Array<keyof RuntimeConfig>).every((k) => a[k] === b[k]);
