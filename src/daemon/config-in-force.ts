// The daemon's configs: the one in force (what the kernel and FRR run now), a candidate (read
// from disk, valid, not converged yet), and what the files on disk say. A bad edit never
// replaces the config in force: an invalid file, or one FRR refuses, is reported and the one
// in force stays; at boot with nothing in force, last-good.yaml stands in for the files.

import type { Logger } from '../log.js';
import type { RuntimeConfig } from '../config/types.js';
import { formatIssue } from '../config/errors.js';
import type { ReconcileStatus } from '../reconcile/state-files.js';
import {
  lenientRuntime,
  readDiskConfig,
  readLastGoodConfig,
  type DiskRead,
  type LoadedConfig,
} from './config-source.js';

/** What a read found that the daemon records beside the configs. */
export interface ReadNote {
  /** The config on disk is invalid: the message (the daemon's last error). */
  error?: string;
  /**
   * Where status.json goes while no config can be used: the runtime paths of the files as
   * written. `replace: false`: only for a daemon that has none yet.
   */
  runtime?: { rt: RuntimeConfig; replace: boolean };
}

export class ConfigInForce {
  /** The config the kernel and FRR run now. */
  inForce: LoadedConfig | undefined;
  /** A config read from disk (or last-good.yaml) that has not converged yet. */
  candidate: LoadedConfig | undefined;
  disk: ReconcileStatus['configOnDisk'];
  /** The config on disk does not apply (invalid, refused by FRR, identity pending): why. */
  diskProblem: string | undefined;
  /** node.indexFrom of the config on disk cannot be resolved on this node yet: why. */
  identityProblem: string | undefined;

  constructor(
    private readonly configPath: string,
    private readonly log: Logger,
  ) {}

  /** What the next converge applies: the candidate, else the config in force. */
  get target(): LoadedConfig | undefined {
    return this.candidate ?? this.inForce;
  }

  /**
   * Re-read the files; a valid config that differs from the one in force becomes the candidate.
   * `hasRuntime`: the daemon knows where its status.json goes already.
   */
  async read(hasRuntime: boolean): Promise<ReadNote> {
    const r = await readDiskConfig(this.configPath);
    const wasProblem = this.identityProblem;
    this.identityProblem = r.ok ? undefined : r.identityProblem;
    if (!r.ok && r.identityProblem !== undefined) {
      this.candidate = undefined;
      this.disk = { files: r.files, sha256: r.sha256, valid: true, error: r.firstError };
      // Where status.json goes, before any config is in force.
      const note: ReadNote = hasRuntime
        ? {}
        : { runtime: { rt: await lenientRuntime(this.configPath), replace: false } };
      if (r.identityProblem !== wasProblem)
        this.log.warn(
          { why: r.identityProblem },
          `cannot derive the node index from node.indexFrom yet: ${r.identityProblem}; waiting${this.inForce ? ' (the config in force stays)' : ''}`,
        );
      return note;
    }
    if (wasProblem !== undefined && r.ok) this.log.info('node index derived from node.indexFrom');
    const note = this.noteDisk(r);
    if (r.ok) {
      for (const w of r.loaded.inputs.warnings)
        this.log.warn({ file: w.file, line: w.line, col: w.col }, formatIssue(w));
      const same =
        this.inForce !== undefined &&
        this.inForce.sha256 === r.loaded.sha256 &&
        this.inForce.inputs.frrConf === r.loaded.inputs.frrConf;
      if (same) {
        // The same config (e.g. the file fixed back to what last-good held): now from disk.
        this.inForce = r.loaded;
        this.candidate = undefined;
      } else {
        this.candidate = r.loaded;
        if (this.inForce) this.log.info({ sha256: r.loaded.sha256.slice(0, 12) }, 'config changed on disk');
      }
      return note;
    }
    for (const i of r.errors) this.log.error({ file: i.file, line: i.line, col: i.col }, formatIssue(i));
    this.candidate = undefined;
    if (this.inForce) {
      this.log.error(
        { firstError: r.firstError },
        'the config on disk is invalid: the config in force stays (kernel and FRR untouched)',
      );
      return note;
    }
    const rt = await lenientRuntime(this.configPath);
    const lg = await readLastGoodConfig(rt);
    if (lg?.ok) {
      this.candidate = lg.loaded;
      this.log.error(
        { firstError: r.firstError, lastGood: lg.loaded.inputs.files[0] },
        'the config on disk is invalid: starting from the last good config (last-good.yaml) instead',
      );
      return note;
    }
    this.log.error(
      { firstError: r.firstError, lastGood: lg ? lg.firstError : 'none' },
      'the config on disk is invalid and there is no usable last-good.yaml: waiting for a valid edit',
    );
    return { ...note, runtime: { rt, replace: true } };
  }

  /** The config in force stays; the files on disk cannot say which node this is yet. */
  noteIdentity(): void {
    this.diskProblem = `cannot derive the node index: ${this.identityProblem}`;
  }

  /** The target converged: it is the config in force now. */
  promote(target: LoadedConfig): void {
    this.inForce = target;
    this.candidate = undefined;
  }

  /** FRR refused the candidate: dropped, and the config on disk carries the refusal. */
  refused(message: string): void {
    this.candidate = undefined;
    this.diskProblem = message.split('\n')[0];
    if (this.disk) this.disk = { ...this.disk, error: message };
  }

  /** Boot, FRR refused the config on disk and nothing is in force: last-good.yaml, if it is another config. */
  async fallBackToLastGood(rt: RuntimeConfig | undefined): Promise<boolean> {
    const lg = rt ? await readLastGoodConfig(rt) : undefined;
    if (!(lg?.ok && lg.loaded.sha256 !== this.disk?.sha256)) return false;
    this.candidate = lg.loaded;
    return true;
  }

  private noteDisk(r: DiskRead): ReadNote {
    if (r.ok) {
      this.disk = { files: r.loaded.inputs.files, sha256: r.loaded.sha256, valid: true };
      this.diskProblem = undefined;
      return {};
    }
    this.disk = { files: r.files, sha256: r.sha256, valid: false, error: r.firstError };
    this.diskProblem = r.firstError;
    return { error: r.firstError };
  }
}
