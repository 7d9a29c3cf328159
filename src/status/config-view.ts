// The config as `status`, `health` and `try` need it: on disk (valid or the first error), in
// force (last-good.yaml, the config that last applied), and the runtime paths — found even when
// the file on disk is broken, because that is exactly when an operator runs `status`.

import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { DEFAULT_RUNTIME } from '../config/defaults.js';
import { formatIssue } from '../config/errors.js';
import { loadConfig, loadConfigTexts } from '../config/load.js';
import type { Config, RuntimeConfig } from '../config/types.js';
import { lastGoodPath } from '../reconcile/state-files.js';
import { readIfExists } from '../io/atomic-file.js';

export interface ConfigView {
  configPath: string;
  runtime: RuntimeConfig;
  /** 'config': from a valid config; 'lenient': read from a config that does not validate. */
  runtimeSource: 'config' | 'lenient';
  onDisk: { files: string[]; valid: boolean; sha256: string; error?: string; config?: Config };
  /** last-good.yaml; undefined before the first successful apply. */
  lastGood?: { path: string; sha256: string; config?: Config };
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export async function readConfigView(configPath: string): Promise<ConfigView> {
  const r = await loadConfig(configPath);
  const firstError = r.issues.find((i) => i.severity === 'error');
  const runtime = r.config?.runtime ?? lenientRuntime(r.mergedYaml);
  const onDisk: ConfigView['onDisk'] = { files: r.files, valid: r.ok, sha256: sha256(r.mergedYaml) };
  if (r.config) onDisk.config = r.config;
  if (firstError) onDisk.error = formatIssue(firstError).split('\n')[0] ?? firstError.message;
  const view: ConfigView = { configPath, runtime, runtimeSource: r.config ? 'config' : 'lenient', onDisk };

  const path = lastGoodPath(runtime);
  const text = await readIfExists(path).catch(() => undefined);
  if (text !== undefined) {
    // last-good.yaml is already merged: parse it alone (pure; its passwordFiles are not read).
    const lg = loadConfigTexts([{ path, text }]);
    view.lastGood = { path, sha256: sha256(text), ...(lg.config ? { config: lg.config } : {}) };
  }
  return view;
}

/** The runtime: block of a config that does not validate, over the defaults; odd values ignored. */
export function lenientRuntime(mergedYaml: string): RuntimeConfig {
  let doc: unknown;
  try {
    doc = parse(mergedYaml);
  } catch {
    doc = undefined;
  }
  const rt = (doc as { runtime?: unknown } | null | undefined)?.runtime;
  const out: RuntimeConfig = { ...DEFAULT_RUNTIME };
  if (typeof rt !== 'object' || rt === null) return out;
  for (const key of Object.keys(out) as Array<keyof RuntimeConfig>) {
    const v = (rt as Record<string, unknown>)[key];
    if (typeof v === 'string' && v.startsWith(key === 'netns' ? '' : '/')) out[key] = v;
  }
  return out;
}
