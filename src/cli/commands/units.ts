// `evpn-node units`: print the unit files, or write them under --output laid out as they
// install (`--output /` installs them in place), and say how to enable them.

import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../../io/atomic-file.js';
import { MIN_PODMAN, UNIT_NAMES, UnitsError, renderUnits, type UnitFile, type UnitFormat } from '../../systemd/units.js';

export interface UnitsOptions {
  format: UnitFormat;
  output?: string;
  controllerImage: string;
  frrImage: string;
  /** Quadlet only: the podman the files are for; default: the installed one, else 5.0. */
  podmanVersion?: string;
}

export async function runUnits(ctx: CliContext, opts: UnitsOptions): Promise<number> {
  const podmanVersion = opts.format === 'quadlet' ? (opts.podmanVersion ?? (await installedPodman(ctx))) : opts.podmanVersion;
  let files: UnitFile[];
  try {
    files = renderUnits({ format: opts.format, controllerImage: opts.controllerImage, frrImage: opts.frrImage, podmanVersion });
  } catch (e) {
    if (e instanceof UnitsError) throw new UsageError(e.message);
    throw e;
  }
  if (opts.output === undefined) {
    ctx.out(files.map((f) => `# file: ${f.path}\n${f.content}`).join('\n'));
    return 0;
  }
  const root = resolve(opts.output);
  for (const f of files) {
    const target = join(root, f.path);
    await writeFileAtomic(target, f.content, { mode: 0o644, dirMode: 0o755 });
    ctx.out(`wrote ${target}`);
  }
  ctx.out(nextSteps(root, opts.format));
  return 0;
}

function nextSteps(root: string, format: UnitFormat): string {
  const lines = ['', 'next:'];
  if (root !== '/') lines.push(`  cp -r --preserve=mode ${root}/etc/. /etc/      # or run again with --output /`);
  lines.push(
    format === 'quadlet'
      ? '  systemctl daemon-reload                        # runs the quadlet generator'
      : '  systemctl daemon-reload',
    `  systemctl enable --now ${UNIT_NAMES.target}`,
  );
  if (format === 'quadlet') lines.push('  (quadlet units cannot be enabled themselves: evpn-node.target wants them)');
  lines.push(
    '  networkctl reload                              # if systemd-networkd runs',
    '  nmcli general reload conf                      # if NetworkManager runs',
    'images are never pulled at boot: load both with `podman load` / `podman build` first.',
  );
  return lines.join('\n');
}

/** MAJOR.MINOR of the podman on PATH; the quadlet minimum when there is none (with a note). */
async function installedPodman(ctx: CliContext): Promise<string> {
  const r = await execa('podman', ['--version'], { reject: false });
  const m = /(\d+\.\d+)(?:\.\d+)?/.exec(r.exitCode === 0 ? r.stdout : '');
  if (m?.[1]) return m[1];
  ctx.log.warn(`no podman found: writing quadlet files for podman ${MIN_PODMAN.quadlet} (pass --podman-version for newer features)`);
  return MIN_PODMAN.quadlet;
}
