// `evpn-node validate`: every error and warning, each as file:line:col: path: message.
import { loadConfig } from '../../config/load.js';
import { formatIssues } from '../../config/errors.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';

export async function runValidate(ctx: CliContext): Promise<number> {
  const r = await loadConfig(ctx.configPath);
  if (ctx.json) {
    ctx.out(JSON.stringify({ ok: r.ok, files: r.files, issues: r.issues }, null, 2));
    return r.ok ? EXIT.ok : EXIT.invalid;
  }
  process.stderr.write(formatIssues(r.issues, r.sources));
  const errors = r.issues.filter((i) => i.severity === 'error').length;
  const warnings = r.issues.length - errors;
  if (errors) {
    process.stderr.write(`${errors} error(s), ${warnings} warning(s) in ${r.files.join(', ') || ctx.configPath}\n`);
    return EXIT.invalid;
  }
  ctx.out(`${r.files.join(', ')}: valid${warnings ? ` (${warnings} warning(s))` : ''}`);
  return EXIT.ok;
}
