// `status --diff`: the config in force (last-good.yaml, what the kernel and FRR run) against the
// config on disk (config.yaml + config.d/, merged the same way), as a unified diff. Passwords
// print as <redacted> on both sides: a diff is pasted into tickets.

import { createTwoFilesPatch } from 'diff';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../config/load.js';
import { REDACTED, redactFrrText } from '../frr/redact.js';
import { readIfExists } from '../io/atomic-file.js';
import { lastGoodPath } from '../reconcile/state-files.js';
import { readConfigView } from './config-view.js';

export type ConfigDiff =
  | { inForce: false; reason: string }
  | { inForce: true; same: boolean; diff: string; inForcePath: string; onDiskFiles: string[] };

export async function configDiff(configPath: string): Promise<ConfigDiff> {
  const view = await readConfigView(configPath);
  const path = lastGoodPath(view.runtime);
  const inForce = await readIfExists(path).catch(() => undefined);
  if (inForce === undefined) return { inForce: false, reason: `nothing in force yet (no ${path})` };
  const disk = await loadConfig(configPath);
  return { inForce: true, ...diffTexts(inForce, disk.mergedYaml, path, disk.files) };
}

/** Pure: both sides normalised (parsed, secrets redacted, printed the same way), then diffed. */
export function diffTexts(
  inForceYaml: string,
  onDiskYaml: string,
  inForcePath: string,
  onDiskFiles: string[],
): { same: boolean; diff: string; inForcePath: string; onDiskFiles: string[] } {
  const same = normalise(inForceYaml, false) === normalise(onDiskYaml, false);
  const a = normalise(inForceYaml, true);
  const b = normalise(onDiskYaml, true);
  const diskName =
    onDiskFiles.length > 1 ? `${onDiskFiles[0]} + ${onDiskFiles.length - 1} drop-in(s)` : (onDiskFiles[0] ?? 'on disk');
  const diff = same
    ? ''
    : a === b
      ? 'only secret values (passwords) differ; they are not shown\n'
      : createTwoFilesPatch(`${inForcePath} (in force)`, `${diskName} (on disk)`, a, b, undefined, undefined, {
          context: 3,
        });
  return { same, diff, inForcePath, onDiskFiles };
}

function normalise(text: string, redact: boolean): string {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    // Not YAML (a broken edit): shown as written, with password values still hidden (YAML's
    // `password: x` and FRR's `password x` in rawConfig).
    return redact ? redactFrrText(text.replace(/(\bpassword\s*:\s*)\S.*$/gm, `$1${REDACTED}`)) : text;
  }
  if (doc === undefined || doc === null) return '';
  return stringify(redact ? redactPasswords(doc) : doc);
}

function redactPasswords(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactPasswords);
  if (typeof v !== 'object' || v === null) return v;
  // frr.rawConfig is FRR text: its `password` lines are secrets too.
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      k === 'password' ? REDACTED : k === 'rawConfig' && typeof x === 'string' ? redactFrrText(x) : redactPasswords(x),
    ]),
  );
}
