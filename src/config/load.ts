// Public entry points of the config layer: files -> parse -> merge -> validate -> defaults.
// loadConfigTexts is pure (tests and `validate` on given texts); loadConfig does the IO.

import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { hasErrors, sortIssues, unexpectedIssue, type ConfigIssue } from './errors.js';
import { mergeLayers, type Layer } from './merge.js';
import { parseConfigFile } from './parse.js';
import { positionsOf, type Positions } from './positions.js';
import { checkSecretFiles } from './secrets.js';
import type { Config } from './types.js';
import { validateConfig } from './validate.js';
import { IssueSink } from './issue-sink.js';
import { checkNodeFit } from './validate-net.js';
import { deriveIndex, type IdentityFacts } from './identity.js';
import { readIdentityFacts, type IdentityProbe } from './identity-facts.js';
import { FileReadError, MAX_CONFIG_BYTES, readBoundedText } from '../io/bounded-read.js';

export { MAX_CONFIG_BYTES };

export interface LoadResult {
  /** The validated config with defaults; present only when `ok`. */
  config?: Config;
  /** Every error and warning, in file, line, column order. */
  issues: ConfigIssue[];
  /** The files read: main first, then drop-ins in merge order. */
  files: string[];
  /** No error-severity issue. */
  ok: boolean;
  /** The merged document as YAML, to persist as last-good (secrets kept as written). */
  mergedYaml: string;
  /** Where each value of the merged config came from (for later checks, e.g. secrets). */
  positions: Positions;
  /** The texts read, as they were when read (what `validate` quotes under its issues). */
  sources: ConfigText[];
  /** node.indexFrom resolved on this node: the index and where it came from. */
  identity?: { index: number; from: string };
  /** node.indexFrom could not be resolved on this node (yet): why. The daemon waits on it. */
  identityProblem?: string;
}

export interface ConfigText {
  path: string;
  text: string;
}

/** Pure: main file first, then the drop-ins in merge order. Never throws: an exception is an issue. */
export function loadConfigTexts(files: readonly ConfigText[]): LoadResult {
  try {
    return loadTexts(files);
  } catch (e) {
    const names = files.map((f) => f.path);
    return {
      issues: [unexpectedIssue(names[0] ?? '', 'reading the config', e)],
      files: names,
      ok: false,
      mergedYaml: '',
      positions: positionsOf({ pos: { file: names[0] ?? '', line: 1, col: 1 } }),
      sources: [...files],
    };
  }
}

function loadTexts(files: readonly ConfigText[]): LoadResult {
  const issues: ConfigIssue[] = [];
  const layers: Layer[] = [];
  for (const f of files) {
    const parsed = parseConfigFile(f.path, f.text);
    issues.push(...parsed.issues);
    if (parsed.layer) layers.push(parsed.layer);
  }
  const names = files.map((f) => f.path);
  const merged = mergeLayers(layers) ?? { value: {}, pos: { pos: { file: names[0] ?? '', line: 1, col: 1 } } };
  const positions = positionsOf(merged.pos);
  const mergedYaml = stringify(merged.value);
  // A file that did not parse would make every value it sets look missing: report its syntax
  // errors, not a cascade of "is required".
  if (hasErrors(issues))
    return { issues: sortIssues(issues, names), files: names, ok: false, mergedYaml, positions, sources: [...files] };
  const v = validateConfig(merged.value, positions);
  issues.push(...v.issues);
  const ok = !hasErrors(issues);
  return {
    ...(ok ? { config: v.config } : {}),
    issues: sortIssues(issues, names),
    files: names,
    ok,
    mergedYaml,
    positions,
    sources: [...files],
  };
}

export interface LoadOptions {
  /**
   * Where the drop-ins are read from: default the main file's sibling config.d/; null for none.
   * `try` loads a candidate main file with the real config.d/ of --config; its rollback loads
   * last-good.yaml (already merged) with none.
   */
  dropInDir?: string | null;
  /** The main file's text, instead of reading `mainPath` (`validate -` reads it from stdin). */
  text?: string;
  /**
   * Skip every check that needs this node rather than the file: passwordFile contents and
   * modes, and anything read from its interfaces. `validate --offline` (CI, GitOps).
   */
  offline?: boolean;
  /** How node.indexFrom reads the node (default: this host). */
  identityProbe?: IdentityProbe;
}

/** Reads `mainPath` and its sibling config.d/*.yaml, validates, checks passwordFiles. */
export async function loadConfig(mainPath: string, opts: LoadOptions = {}): Promise<LoadResult> {
  let main: string;
  try {
    main = opts.text ?? (await readBoundedText(mainPath, { maxBytes: MAX_CONFIG_BYTES, what: 'config file' }));
  } catch (e) {
    return fileProblem(mainPath, `cannot read the config file (${reasonOf(e)})`);
  }
  const dropInDir = opts.dropInDir === undefined ? join(dirname(mainPath), 'config.d') : opts.dropInDir;
  const texts: ConfigText[] = [{ path: mainPath, text: main }];
  const { paths, issues: readIssues } =
    dropInDir === null ? { paths: [], issues: [] as ConfigIssue[] } : await listDropIns(dropInDir);
  for (const path of paths) {
    try {
      texts.push({ path, text: await readBoundedText(path, { maxBytes: MAX_CONFIG_BYTES, what: 'drop-in' }) });
    } catch (e) {
      readIssues.push(fileIssue(path, `cannot read drop-in (${reasonOf(e)})`));
    }
  }
  const loaded = loadConfigTexts(texts);
  const r =
    loaded.config?.node.indexFrom && !opts.offline
      ? resolveIdentity(loaded, await readIdentityFacts(loaded.config.node.indexFrom, opts.identityProbe))
      : loaded;
  const secretIssues = r.config && !opts.offline ? await checkSecretFiles(r.config, r.positions) : [];
  const issues = sortIssues([...readIssues, ...r.issues, ...secretIssues], [mainPath, ...paths]);
  const ok = !hasErrors(issues);
  const { config, ...rest } = r;
  return { ...rest, ...(ok && config ? { config } : {}), issues, ok };
}

/**
 * Pure: a valid config with node.indexFrom, and what the node says -> the config with its index,
 * or an error at node.indexFrom saying why it cannot be derived (the daemon waits on it). A
 * derived index is checked against the CIDRs like a written one.
 */
export function resolveIdentity(r: LoadResult, facts: IdentityFacts): LoadResult {
  const from = r.config?.node.indexFrom;
  if (!r.config || !from) return r;
  const at = ['node', 'indexFrom'];
  const d = deriveIndex(from, facts);
  const sink = new IssueSink(r.positions);
  if (!d.ok) {
    sink.error(at, `cannot derive the node index: ${d.reason}`, 'key');
    const { config: _dropped, ...rest } = r;
    return { ...rest, ok: false, issues: [...r.issues, ...sink.issues], identityProblem: d.reason };
  }
  const config = { ...r.config, node: { ...r.config.node, index: d.index } };
  checkNodeFit(config, sink, at, d.from);
  const issues = [...r.issues, ...sink.issues];
  const ok = !hasErrors(issues);
  const { config: _unused, ...rest } = r;
  return { ...rest, ...(ok ? { config } : {}), issues, ok, identity: { index: d.index, from: d.from } };
}

/** config.d/*.yaml in lexical (byte) order; a missing directory is no drop-ins. */
async function listDropIns(dir: string): Promise<{ paths: string[]; issues: ConfigIssue[] }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { paths: [], issues: [] };
    return { paths: [], issues: [fileIssue(dir, `cannot list drop-ins (${describeErrno(e)})`)] };
  }
  // Byte order, not locale order: the same on every node whatever its LANG.
  const paths = names
    .filter((n) => n.endsWith('.yaml') && !n.startsWith('.'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((n) => join(dir, n));
  return { paths, issues: [] };
}

/** A problem with a whole file (line 0: formatIssue prints no line:col). */
const fileIssue = (file: string, message: string): ConfigIssue => ({
  file,
  line: 0,
  col: 0,
  path: '',
  message,
  severity: 'error',
});

function fileProblem(file: string, message: string): LoadResult {
  return {
    issues: [fileIssue(file, message)],
    files: [file],
    ok: false,
    mergedYaml: '',
    positions: positionsOf({ pos: { file, line: 1, col: 1 } }),
    sources: [],
  };
}

/** Why a file was not read: no such file, a FIFO, too large, a hung read. */
const reasonOf = (e: unknown): string => (e instanceof FileReadError ? e.reason : describeErrno(e));

const describeErrno = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : (code ?? String(e));
};
