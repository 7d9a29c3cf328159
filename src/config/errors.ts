// Config issues: every problem found in the config files, with the file, line and column of the
// offending value, so `evpn-node validate` can print them all at once (netplan style).

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
  constructor(issues: ConfigIssue[]) {
    const errors = issues.filter((i) => i.severity === 'error');
    const shown = errors.length ? errors : issues;
    super(`invalid config:\n${shown.map(formatIssue).join('\n')}`);
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
 * Password values on the shown line are masked: the line printed is the user's file, and a
 * syntax error in a password line must not put the secret on a terminal or into a log.
 */
export function formatIssueWithSource(issue: ConfigIssue, sourceText: string): string {
  const head = formatIssue(issue);
  const line = sourceText.split(/\r?\n/)[issue.line - 1];
  if (line === undefined) return head;
  const shown = maskSecretLine(line.replace(/\t/g, ' '));
  const caret = `${' '.repeat(Math.max(0, issue.col - 1))}^`;
  return `${head}\n  ${shown}\n  ${caret}`;
}

/** `password: s3cret` -> `password: <redacted>` (passwordFile is a path, not a secret). */
export function maskSecretLine(line: string): string {
  // Block (`password: x`) and flow (`{password: x, ...}`) style; an unterminated quote masks to
  // the end of the line.
  return line.replace(/(\bpassword["']?\s*:[ \t]*)("[^"]*"?|'[^']*'?|[^,}\s]+)/g, '$1<redacted>');
}

export const hasErrors = (issues: readonly ConfigIssue[]): boolean =>
  issues.some((i) => i.severity === 'error');

/** Issues in reading order: by file (in the order given), then line, then column. */
export function sortIssues(issues: ConfigIssue[], files: readonly string[]): ConfigIssue[] {
  const rank = (f: string): number => {
    const i = files.indexOf(f);
    return i < 0 ? files.length : i;
  };
  return [...issues].sort(
    (a, b) => rank(a.file) - rank(b.file) || a.line - b.line || a.col - b.col,
  );
}
