// `evpn-node validate [FILE|-] [--offline] [--show-derived]`: every error and warning, each as
// file:line:col: path: message. `-` reads the main file from stdin (no drop-ins: there is no
// directory beside it); --offline leaves out what only the node can check (CI, GitOps);
// --show-derived prints the merged config and every value this node derives from it.
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.js';
import { derivedView } from '../../status/derived-view.js';
import { formatIssues } from '../../config/errors.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';

export interface ValidateOptions {
  /** The main file instead of --config; '-' for stdin. */
  file?: string;
  offline: boolean;
  /** The text of stdin, read by the CLI when file is '-'. */
  readStdin: () => Promise<string>;
  showDerived?: boolean;
}

/** How stdin is named in messages (`<stdin>:12:5: l3vnis[0].vni: ...`). */
export const STDIN_NAME = '<stdin>';

export async function runValidate(ctx: CliContext, opts: ValidateOptions): Promise<number> {
  const fromStdin = opts.file === '-';
  const stdinText = fromStdin ? await opts.readStdin() : undefined;
  const path = fromStdin ? STDIN_NAME : (opts.file ?? ctx.configPath);
  const r = await loadConfig(path, {
    offline: opts.offline,
    ...(stdinText !== undefined ? { text: stdinText, dropInDir: null } : {}),
  });
  const view = opts.showDerived ? derivedView(r.mergedYaml, r.config, r.identity) : undefined;
  if (ctx.json) {
    ctx.out(
      JSON.stringify({ ok: r.ok, files: r.files, offline: opts.offline, issues: r.issues, ...(view ?? {}) }, null, 2),
    );
    return r.ok ? EXIT.ok : EXIT.invalid;
  }
  if (view) {
    ctx.out(`# merged config (${r.files.join(', ')}; passwords redacted)\n${stringify(view.config)}`);
    const none = r.ok
      ? 'nothing: the node index comes from node.indexFrom, which only the node resolves (not --offline)'
      : 'nothing: the config does not validate here';
    ctx.out(view.derived ? `# derived on this node\n${stringify(view.derived)}` : `# derived on this node: ${none}`);
  }
  process.stderr.write(formatIssues(r.issues, r.sources));
  const errors = r.issues.filter((i) => i.severity === 'error').length;
  const warnings = r.issues.length - errors;
  if (errors) {
    process.stderr.write(`${errors} error(s), ${warnings} warning(s) in ${r.files.join(', ') || path}\n`);
    return EXIT.invalid;
  }
  const skipped = opts.offline ? ' (offline: passwordFiles, interfaces and node.indexFrom not checked)' : '';
  ctx.out(`${r.files.join(', ')}: valid${warnings ? ` (${warnings} warning(s))` : ''}${skipped}`);
  return EXIT.ok;
}
