// The collector every validation rule (validate-*.ts) reports into: each issue gets the
// file:line:col of the value it is about. Its own module so the rules and validate.ts, which runs
// them, both import it downward.

import type { ConfigIssue } from './errors.js';
import { formatPath, type Path, type Positions } from './positions.js';

/** Collects issues, resolving each value path to its file:line:col. */
export class IssueSink {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly positions: Positions) {}
  /** `at`: the value at `path` (default), its key, or the key of its parent map (missing keys). */
  error(path: Path, message: string, at: IssueAnchor = 'value'): void {
    this.add(path, message, 'error', at);
  }
  warn(path: Path, message: string, at: IssueAnchor = 'value'): void {
    this.add(path, message, 'warning', at);
  }
  private add(path: Path, message: string, severity: ConfigIssue['severity'], at: IssueAnchor): void {
    // keyAt falls back to the nearest existing ancestor's key, which for a missing key is the
    // parent map's key; `key:` with no value is itself present and reported at its key.
    const pos = at === 'value' ? this.positions.at(path) : this.positions.keyAt(path);
    this.issues.push({ ...pos, path: formatPath(path), message, severity });
  }
}

export type IssueAnchor = 'value' | 'key' | 'parent';
