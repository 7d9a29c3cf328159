// Everything a reconcile needs that comes from files, computed once per config change:
// the validated config, secrets, derived per-node values, desired kernel state and frr.conf.

import type { Config } from '../config/types.js';
import type { ConfigIssue } from '../config/errors.js';
import { ConfigError, unexpectedIssue } from '../config/errors.js';
import { loadConfig, type LoadOptions } from '../config/load.js';
import { readSecrets } from '../config/secrets.js';
import { deriveNode, kubeletEnv, type Derived } from '../config/derive.js';
import { desiredKernel } from '../kernel/desired.js';
import type { DesiredKernel } from '../model/desired.js';
import { buildFrrModel } from '../frr/build.js';
import { renderFrrConf } from '../frr/render.js';
import type { FrrModel } from '../frr/model.js';

export interface NodeInputs {
  config: Config;
  derived: Derived;
  desired: DesiredKernel;
  /** What frr.conf is rendered from (with secrets): converge renders variants of it. */
  frrModel: FrrModel;
  /** frr.conf as it must be written (with secrets). */
  frrConf: string;
  /** The same with every secret replaced by <redacted>: the only form that is ever printed. */
  frrConfRedacted: string;
  /** /run/evpn-node/kubelet.env contents when a primary interface is configured. */
  kubeletEnv?: string;
  /** Files the config came from (main file first, then drop-ins). */
  files: string[];
  /** The merged config document: persisted as last-good.yaml once it applied. */
  mergedYaml: string;
  warnings: ConfigIssue[];
}

/** Pure: inputs from an already validated config and its resolved secrets. */
export function inputsFromConfig(
  config: Config,
  secrets: ReadonlyMap<number, string>,
): Pick<NodeInputs, 'config' | 'derived' | 'desired' | 'frrModel' | 'frrConf' | 'frrConfRedacted' | 'kubeletEnv'> {
  const derived = deriveNode(config);
  const model = buildFrrModel(config, derived, secrets);
  const env = kubeletEnv(derived);
  return {
    config,
    derived,
    desired: desiredKernel(config, derived),
    frrModel: model,
    frrConf: renderFrrConf(model),
    frrConfRedacted: renderFrrConf(model, { redactSecrets: true }),
    ...(env !== undefined ? { kubeletEnv: env } : {}),
  };
}

/**
 * inputsFromConfig for a config read from `files`. A config that makes derive, the FRR model or
 * render throw is an invalid config (ConfigError naming its main file): the daemon then keeps
 * or falls back to the last good config instead of retrying it, and the CLI says so in one line.
 */
export function inputsFromFiles(
  config: Config,
  secrets: ReadonlyMap<number, string>,
  files: readonly string[],
): ReturnType<typeof inputsFromConfig> {
  try {
    return inputsFromConfig(config, secrets);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError([unexpectedIssue(files[0] ?? '', 'deriving or rendering it', e)], { cause: e });
  }
}

/** Load, validate and derive; throws ConfigError (exit 2) with every issue when invalid. */
export async function loadInputs(configPath: string, opts: LoadOptions = {}): Promise<NodeInputs> {
  const r = await loadConfig(configPath, opts);
  if (!r.ok || !r.config) throw new ConfigError(r.issues.filter((i) => i.severity === 'error'));
  const secrets = await readSecrets(r.config, r.positions);
  return {
    ...inputsFromFiles(r.config, secrets, r.files),
    files: r.files,
    mergedYaml: r.mergedYaml,
    warnings: r.issues.filter((i) => i.severity === 'warning'),
  };
}
