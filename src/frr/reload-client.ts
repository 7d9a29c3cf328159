// Client for scripts/frr-reloader: HTTP/1.1 over its unix socket, one request per connection.
// A failed reload is a result (ok: false, HTTP 500), not an exception; exceptions mean the
// reloader could not be asked (not there, timed out, or answered something we cannot read).

import { request } from 'node:http';
import { redactFrrText } from './redact.js';
import { OperationalError } from '../errors.js';

export interface ReloadResult {
  ok: boolean;
  phase: 'test' | 'reload';
  output: string;
  durationMs: number;
}

/** What a reload would change: FRR runs the file exactly when both lists are empty. */
export type FrrDiff =
  | { ok: true; inSync: boolean; delete: string[]; add: string[]; durationMs: number }
  /** frr-reload.py --test itself failed (e.g. the file does not parse): nothing is known. */
  | { ok: false; output: string };

export interface Health {
  ok: boolean;
  daemons?: string[];
  reason?: string;
}

export interface ReloaderClientOptions {
  /** Budget for POST /reload, which may queue behind another reload (default 300 000 ms). */
  timeoutMs?: number;
  /** Budget for the GET queries (default 30 000 ms). */
  queryTimeoutMs?: number;
  /**
   * Secrets to mask wherever they appear in what the reloader relays (e.g. secretsIn(frr.conf)),
   * beyond the secret-bearing lines redactFrrText always cuts.
   */
  secrets?: Iterable<string>;
}

/** Nobody listens on the socket (ENOENT / ECONNREFUSED): the reloader is not running. */
export class ReloaderUnavailableError extends OperationalError {
  constructor(
    readonly socketPath: string,
    readonly code: string,
    options: { cause?: unknown } = {},
  ) {
    super(`FRR reloader not available on ${socketPath} (${code})`, {
      ...options,
      hint: 'is the router pod (FRR and its reloader sidecar) running?',
    });
    this.name = 'ReloaderUnavailableError';
  }
}

/** The reloader was reached but the exchange failed: timeout, bad status, unreadable body. */
export class ReloaderError extends OperationalError {
  constructor(
    message: string,
    readonly status?: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'ReloaderError';
  }
}

export class ReloaderClient {
  private readonly timeoutMs: number;
  private readonly queryTimeoutMs: number;
  private readonly secrets: string[];

  constructor(
    readonly socketPath: string,
    opts: ReloaderClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 300_000;
    this.queryTimeoutMs = opts.queryTimeoutMs ?? 30_000;
    this.secrets = [...(opts.secrets ?? [])];
  }

  /** Ask for frr-reload.py --test then --reload of the reloader's config file. */
  async reload(): Promise<ReloadResult> {
    const { status, body } = await this.call('POST', '/reload', this.timeoutMs);
    if ((status === 200 || status === 500) && isReloadResult(body)) {
      // The reloader redacts its output; redacted here again, because whatever a client keeps
      // of it ends up in logs and the world-readable status.json.
      return { ok: body.ok, phase: body.phase, output: this.redact(body.output), durationMs: body.durationMs };
    }
    throw new ReloaderError(`POST /reload on ${this.socketPath}: unexpected HTTP ${status}: ${brief(body)}`, status);
  }

  /**
   * `frr-reload.py --test` alone (GET /diff): whether FRR's running config is the file's. Its
   * budget is the reload's: it waits behind a reload in progress. Its lines are running-config
   * lines, neighbor passwords included: redacted here like reload()'s output, so that no caller
   * can log one.
   */
  async diff(): Promise<FrrDiff> {
    const { status, body } = await this.call('GET', '/diff', this.timeoutMs);
    if (status === 200 && isObject(body) && body.ok === true && typeof body.inSync === 'boolean') {
      return {
        ok: true,
        inSync: body.inSync,
        delete: strings(body.delete).map((l) => this.redact(l)),
        add: strings(body.add).map((l) => this.redact(l)),
        durationMs: typeof body.durationMs === 'number' ? body.durationMs : 0,
      };
    }
    if (status === 500 && isObject(body) && body.ok === false)
      return { ok: false, output: this.redact(typeof body.output === 'string' ? body.output : brief(body)) };
    throw new ReloaderError(`GET /diff on ${this.socketPath}: unexpected HTTP ${status}: ${brief(body)}`, status);
  }

  /**
   * diff() as an operator reads it: `- line` for each line a reload would remove, then `+ line`
   * for each it would add; no lines when FRR runs the file.
   */
  async diffLines(): Promise<{ ok: true; lines: string[] } | { ok: false; output: string }> {
    const d = await this.diff();
    if (!d.ok) return d;
    return { ok: true, lines: [...d.delete.map((l) => `- ${l}`), ...d.add.map((l) => `+ ${l}`)] };
  }

  /** 503 (FRR not answering, zebra or bgpd missing) is a result with ok: false and a reason. */
  async healthz(): Promise<Health> {
    const { status, body } = await this.call('GET', '/healthz', this.queryTimeoutMs);
    if ((status === 200 || status === 503) && isObject(body) && typeof body.ok === 'boolean') {
      const health: Health = { ok: status === 200 && body.ok };
      if (Array.isArray(body.daemons)) health.daemons = body.daemons.map(String);
      if (typeof body.reason === 'string') health.reason = body.reason;
      return health;
    }
    throw new ReloaderError(`GET /healthz on ${this.socketPath}: unexpected HTTP ${status}: ${brief(body)}`, status);
  }

  /** `{ ipv4: show bgp vrf all ipv4 unicast summary json, evpn: show bgp l2vpn evpn summary json }`. */
  bgp(): Promise<unknown> {
    return this.query('/bgp');
  }

  /** `show evpn vni json`: an object keyed by VNI ("100": {vni, type, vxlanIf, ...}). */
  vni(): Promise<unknown> {
    return this.query('/vni');
  }

  /** `show evpn vni detail json`: on FRR 8.4 an array of per-VNI objects. */
  vniDetail(): Promise<unknown> {
    return this.query('/vni/detail');
  }

  /** `show bfd peers json`: an array of sessions (empty when bfdd runs no session). */
  bfd(): Promise<unknown> {
    return this.query('/bfd');
  }

  /**
   * `{ rmacs: show evpn rmac vni all json, nexthops: show evpn next-hops vni all json }`: the
   * remote router MACs and next-hops zebra holds per L3VNI (frr/rmac-check.ts reads them).
   */
  rmac(): Promise<unknown> {
    return this.query('/rmac');
  }

  /** `{ lastReload: ReloadResult & { run, at } | null }`: the last reload, for operators. */
  status(): Promise<unknown> {
    return this.query('/status');
  }

  private redact(text: string): string {
    return redactFrrText(text, this.secrets);
  }

  private async query(path: string): Promise<unknown> {
    const { status, body } = await this.call('GET', path, this.queryTimeoutMs);
    if (status === 200) return body;
    const reason = isObject(body) && typeof body.reason === 'string' ? body.reason : brief(body);
    throw new ReloaderError(`GET ${path} on ${this.socketPath}: HTTP ${status}: ${reason}`, status);
  }

  private call(method: string, path: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      // agent: false — no keep-alive pool: the reloader closes every connection anyway.
      const req = request(
        { socketPath: this.socketPath, method, path, agent: false, headers: { 'content-length': 0 } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) =>
            reject(
              new ReloaderError(`${method} ${path} on ${this.socketPath}: ${err.message}`, undefined, { cause: err }),
            ),
          );
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
            } catch {
              // No cause: JSON.parse's message quotes the body, which may hold FRR secrets.
              reject(
                new ReloaderError(
                  `${method} ${path} on ${this.socketPath}: HTTP ${res.statusCode}, body is not JSON: ${redactFrrText(text).slice(0, 200)}`,
                  res.statusCode,
                ),
              );
            }
          });
        },
      );
      req.setTimeout(timeoutMs, () => {
        req.destroy(new ReloaderError(`${method} ${path} on ${this.socketPath}: no answer within ${timeoutMs} ms`));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED')
          reject(new ReloaderUnavailableError(this.socketPath, err.code, { cause: err }));
        else if (err instanceof ReloaderError) reject(err);
        else
          reject(
            new ReloaderError(`${method} ${path} on ${this.socketPath}: ${err.message}`, undefined, { cause: err }),
          );
      });
      req.end();
    });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isReloadResult(v: unknown): v is ReloadResult {
  return (
    isObject(v) &&
    typeof v.ok === 'boolean' &&
    (v.phase === 'test' || v.phase === 'reload') &&
    typeof v.output === 'string' &&
    typeof v.durationMs === 'number'
  );
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function brief(body: unknown): string {
  return redactFrrText(JSON.stringify(body) ?? String(body)).slice(0, 200);
}
