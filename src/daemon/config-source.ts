// Where the daemon's config comes from: the files on disk, or — when they do not validate at
// boot — last-good.yaml, the merged config that last applied. Never throws for a bad config:
// the daemon reports it and keeps what is in force.

import { createHash } from 'node:crypto';
import type { RuntimeConfig } from '../config/types.js';
import { DEFAULT_RUNTIME } from '../config/defaults.js';
import { loadConfig, type LoadResult } from '../config/load.js';
import { readSecrets } from '../config/secrets.js';
import { ConfigError, formatIssue, type ConfigIssue } from '../config/errors.js';
import { inputsFromFiles, type NodeInputs } from '../reconcile/inputs.js';
import { lastGoodPath } from '../reconcile/state-files.js';
import { teardownTarget } from '../reconcile/teardown.js';
import { createLogger } from '../log.js';

export type ConfigSource = 'disk' | 'last-good';

export interface LoadedConfig {
  inputs: NodeInputs;
  source: ConfigSource;
  /** sha256 of the merged YAML: what status.json shows as the config in force. */
  sha256: string;
}

export type DiskRead =
  | { ok: true; loaded: LoadedConfig }
  | {
      ok: false;
      files: string[];
      sha256: string;
      errors: ConfigIssue[];
      firstError: string;
      /** The config is fine, but node.indexFrom cannot be resolved on this node yet: why. */
      identityProblem?: string;
    };

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The config files on disk: validated inputs, or every error (file:line:col). */
export async function readDiskConfig(configPath: string): Promise<DiskRead> {
  return fromLoad(await loadConfig(configPath), 'disk');
}

/** last-good.yaml (already merged: no drop-ins), or undefined when there is none or it is broken too. */
export async function readLastGoodConfig(rt: RuntimeConfig): Promise<DiskRead | undefined> {
  const r = await loadConfig(lastGoodPath(rt), { dropInDir: null });
  if (!r.ok && r.issues.some((i) => i.line === 0 && /no such file/.test(i.message))) return undefined;
  return fromLoad(r, 'last-good');
}

/**
 * The runtime paths of a config that may not validate: from the config when it does, else from
 * its raw YAML as written (teardown's lenient read), else the defaults. That is where
 * last-good.yaml of this node lives.
 */
export async function lenientRuntime(configPath: string): Promise<RuntimeConfig> {
  try {
    return (await teardownTarget(configPath, createLogger({ level: 'silent' }))).runtime;
  } catch {
    return { ...DEFAULT_RUNTIME };
  }
}

/** Every passwordFile the config names: watched like the config files. */
export const passwordFiles = (inputs: NodeInputs): string[] =>
  inputs.config.underlay.neighbors.flatMap((n) => (n.passwordFile !== undefined ? [n.passwordFile] : []));

async function fromLoad(r: LoadResult, source: ConfigSource): Promise<DiskRead> {
  const digest = sha256(r.mergedYaml);
  if (!r.ok || !r.config) {
    const errors = r.issues.filter((i) => i.severity === 'error');
    return {
      ok: false,
      files: r.files,
      sha256: digest,
      errors,
      firstError: errors[0] ? formatIssue(errors[0]) : 'invalid config',
      ...(r.identityProblem !== undefined && errors.length === 1 ? { identityProblem: r.identityProblem } : {}),
    };
  }
  try {
    const secrets = await readSecrets(r.config, r.positions);
    const inputs: NodeInputs = {
      ...inputsFromFiles(r.config, secrets, r.files),
      files: r.files,
      mergedYaml: r.mergedYaml,
      warnings: r.issues.filter((i) => i.severity === 'warning'),
    };
    return { ok: true, loaded: { inputs, source, sha256: digest } };
  } catch (e) {
    // A passwordFile changed between the check and the read, or the config made derive or
    // render throw: either way this config is invalid, not a failure to retry.
    if (!(e instanceof ConfigError)) throw e;
    const errors = e.issues.filter((i) => i.severity === 'error');
    return {
      ok: false,
      files: r.files,
      sha256: digest,
      errors,
      firstError: errors[0] ? formatIssue(errors[0]) : e.message,
    };
  }
}
