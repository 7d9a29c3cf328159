// Config issues: every problem found in the config files, with the file, line and column of the
// offending value, so `evpn-node validate` can print them all at once (netplan style).

import { maskSecretLine, sourceText, type SourceText } from './source-text.js';
import { messageOf } from '../errors.js';

export type Severity = 'error' | 'warning';

export interface ConfigIssue {
  /** The file as the user named it (main path or its config.d/ sibling). */
  file: string;
  /** 1-based; 0 when the issue is about the whole file (cannot be read). */
  line: number;
  /** 1-based. */
  col: number;
  /** Value path, e.g. `l3vnis[1].hostSession.asn`; empty for file-level problems (YAML syntax). */
  path: string;
  message: string;
  severity: Severity;
}

/** Thrown by the convenience entry points when the config has errors; carries all of them. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], options?: ErrorOptions) {
    const errors = issues.filter((i) => i.severity === 'error');
    const shown = errors.length ? errors : issues;
    super(`invalid config:\n${shown.map(formatIssue).join('\n')}`, options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** `config.yaml:12:5: l3vnis[0].vni: must be 1..16777215` (warnings say so after the position). */
export function formatIssue(i: ConfigIssue): string {
  const where = !i.file ? '' : i.line > 0 ? `${i.file}:${i.line}:${i.col}: ` : `${i.file}: `;
  const level = i.severity === 'warning' ? 'warning: ' : '';
  const path = i.path ? `${i.path}: ` : '';
  return `${where}${level}${path}${i.message}`;
}

/**
 * The issue, then the offending source line and a caret under the column (netplan's format).
 * The line is the user's file: its secret values are masked (source-text.ts), so an error near
 * a password does not put it on a terminal or into a log. Pass a SourceText prepared once per
 * file when quoting many issues of it.
 */
export function formatIssueWithSource(issue: ConfigIssue, source: string | SourceText): string {
  const head = formatIssue(issue);
  const shown = (typeof source === 'string' ? sourceText(source) : source).line(issue.line);
  if (shown === undefined || issue.line < 1) return head;
  const { text, col } = clip(shown, issue.col);
  return `${head}\n  ${text}\n  ${' '.repeat(Math.max(0, col - 1))}^`;
}

/** A line longer than a terminal's is shown as the part around the column (a hostile file may be one 4 MiB line). */
function clip(line: string, col: number): { text: string; col: number } {
  const WIDTH = 160;
  if (line.length <= WIDTH) return { text: line, col };
  const from = Math.max(0, Math.min(col - 1 - WIDTH / 2, line.length - WIDTH));
  const head = from > 0 ? '...' : '';
  const tail = from + WIDTH < line.length ? '...' : '';
  return { text: `${head}${line.slice(from, from + WIDTH)}${tail}`, col: col - from + head.length };
}

export { maskSecretLine };
/**
 * Every issue with its source line (the text as it was read, secrets masked), as one string:
 * each file is split and scanned for secrets once, however many issues point into it.
 */
export function formatIssues(
  issues: readonly ConfigIssue[],
  sources: ReadonlyArray<{ path: string; text: string }>,
): string {
  const texts = new Map(sources.map((s) => [s.path, s.text]));
  const prepared = new Map<string, SourceText>();
  const out: string[] = [];
  for (const issue of issues) {
    const text = texts.get(issue.file);
    if (text === undefined) {
      out.push(formatIssue(issue));
      continue;
    }
    let src = prepared.get(issue.file);
    if (!src) prepared.set(issue.file, (src = sourceText(text)));
    out.push(formatIssueWithSource(issue, src));
  }
  return out.map((l) => `${l}\n`).join('');
}

/**
 * An exception thrown while a config was parsed, validated, derived or rendered: the config
 * made pure code fail where the checks should have refused it first. It is reported as an
 * error of that config (so the daemon keeps or falls back to the last good one, and `render`
 * prints one line instead of a stack trace), never as a transient failure to retry.
 */
export function unexpectedIssue(file: string, stage: string, e: unknown): ConfigIssue {
  const why = messageOf(e);
  return {
    file,
    line: 0,
    col: 0,
    path: '',
    message: `this config cannot be used: ${stage} failed: ${why.split('\n')[0]} (a check should have caught this: please report it)`,
    severity: 'error',
  };
}

export const hasErrors = (issues: readonly ConfigIssue[]): boolean => issues.some((i) => i.severity === 'error');

/** Issues in reading order: by file (in the order given), then line, then column. */
export function sortIssues(issues: ConfigIssue[], files: readonly string[]): ConfigIssue[] {
  const rank = (f: string): number => {
    const i = files.indexOf(f);
    return i < 0 ? files.length : i;
  };
  return [...issues].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line || a.col - b.col);
}
