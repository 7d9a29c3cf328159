// The daemon's metrics outputs (config `metrics:`): the textfile for node_exporter's textfile
// collector (`textfileDir`, written atomically after every pass and at least every 30 s) and an
// HTTP endpoint (`listen`, GET /metrics). FRR's view (BGP, BFD, VNIs) is read through the
// reloader once per refresh — one refresh per daemon pass, so a session that goes down shows 0
// within one drift tick — and served from memory: a scrape never reaches FRR.
//
// Nothing runs when neither output is configured.

import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { MetricsConfig } from '../config/types.js';
import { parseListenAddress } from '../config/validate-formats.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { ReloaderClient } from '../frr/reload-client.js';
import { bgpSessions, underlayVerdict } from '../status/bgp-sessions.js';
import type { BuildInfo } from '../version.js';
import { bfdPeers, vniStates, type ExpectedVni } from './frr-state.js';
import { EvpnMetrics, type FrrReloadResult, type ReconcileResult } from './metrics.js';
import { messageOf } from '../errors.js';

export const TEXTFILE_NAME = 'evpn-node.prom';
/** node_exporter reads the textfile on every scrape: never older than this. */
export const TEXTFILE_MAX_AGE_MS = 30_000;

/** What the daemon knows after a pass. */
export interface MetricsFacts {
  /** The outputs, from the config in force (or the first valid one read). */
  metrics: MetricsConfig | undefined;
  reloaderSocket: string | undefined;
  /** The daemon's state is 'converged'. */
  converged: boolean;
  /** READY=1 was sent. */
  readySent: boolean;
  underlayRequired: boolean;
  /** The config in force is the config on disk. */
  configApplied: boolean;
  vnis: readonly ExpectedVni[];
  /** Some neighbor has BFD: ask FRR for its BFD peers. */
  bfd: boolean;
}

/** FRR's JSON, as the reloader serves it. */
export interface FrrReader {
  bgp(): Promise<unknown>;
  vni(): Promise<unknown>;
  bfd(): Promise<unknown>;
}

export interface ExporterOptions {
  log: Logger;
  build: BuildInfo;
  /** Default: the reloader on the socket, with a 5 s budget per query. */
  reader?: (socket: string) => FrrReader;
  now?: () => number;
}

export class MetricsExporter {
  readonly metrics: EvpnMetrics;
  private readonly log: Logger;
  private readonly reader: (socket: string) => FrrReader;
  private readonly now: () => number;
  private facts: MetricsFacts | undefined;
  private server: { listen: string; server: Server } | undefined;
  private refreshing: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastWriteError: string | undefined;
  private lastFrrError: string | undefined;

  constructor(opts: ExporterOptions) {
    this.log = opts.log;
    this.metrics = new EvpnMetrics(opts.build);
    this.reader = opts.reader ?? ((socket) => new ReloaderClient(socket, { queryTimeoutMs: 5000 }));
    this.now = opts.now ?? Date.now;
  }

  reconciled(result: ReconcileResult, seconds: number): void {
    this.metrics.reconciles.inc({ result });
    if (seconds > 0) this.metrics.reconcileDuration.observe(seconds);
  }

  driftRepaired(kinds: readonly string[]): void {
    for (const kind of kinds) this.metrics.driftRepairs.inc({ kind });
  }

  frrReload(result: FrrReloadResult): void {
    this.metrics.frrReloads.inc({ result });
  }

  /** After a pass: remember the facts, (re)configure the outputs, refresh soon. */
  update(facts: MetricsFacts): void {
    if (this.stopped) return;
    this.facts = facts;
    this.configureServer(facts.metrics?.listen);
    if (!enabled(facts.metrics)) return;
    void this.refresh();
  }

  /** Collect FRR's view and write the textfile; concurrent calls share one run and one rerun. */
  refresh(): Promise<void> {
    // A refresh now makes the pending backstop moot (it is set again when this one ends).
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.refreshOnce().catch((e: unknown) => this.log.warn({ err: messageOf(e) }, 'metrics refresh failed'));
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.refreshing = undefined;
      this.schedule();
    });
    return this.refreshing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.refreshing;
    await this.closeServer();
  }

  /** The address the HTTP endpoint listens on (its real port when configured with :0). */
  address(): { address: string; port: number } | undefined {
    const a = this.server?.server.address();
    return a && typeof a === 'object' ? { address: a.address, port: a.port } : undefined;
  }

  private async refreshOnce(): Promise<void> {
    const f = this.facts;
    if (!f || !enabled(f.metrics)) return;
    const m = this.metrics;
    m.configApplied.set(f.configApplied ? 1 : 0);
    let underlayUp = !f.underlayRequired;
    if (f.reloaderSocket) {
      const frr = this.reader(f.reloaderSocket);
      try {
        const sessions = bgpSessions(await frr.bgp());
        m.setBgp(sessions);
        m.setVnis(vniStates(f.vnis, f.vnis.length ? await frr.vni() : {}));
        m.setBfd(f.bfd ? bfdPeers(await frr.bfd()) : []);
        if (f.underlayRequired) underlayUp = underlayVerdict(sessions).established;
        this.lastFrrError = undefined;
      } catch (e) {
        m.markFrrUnreadable();
        underlayUp = false;
        const msg = messageOf(e);
        if (msg !== this.lastFrrError)
          this.log.warn(
            { err: msg },
            'metrics: cannot read BGP/BFD/VNI state from FRR; reporting its sessions as down',
          );
        this.lastFrrError = msg;
      }
    }
    const ready = f.readySent && f.converged && underlayUp;
    m.ready.set(ready ? 1 : 0);
    if (f.converged) m.lastSuccess.set(Math.floor(this.now() / 1000));
    if (f.metrics?.textfileDir) await this.writeTextfile(f.metrics.textfileDir);
  }

  private async writeTextfile(dir: string): Promise<void> {
    const path = join(dir, TEXTFILE_NAME);
    try {
      // 0644: node_exporter runs as its own user.
      await writeFileAtomic(path, await this.metrics.text(), { mode: 0o644, dirMode: 0o755 });
      if (this.lastWriteError) this.log.info({ path }, 'metrics: textfile written again');
      this.lastWriteError = undefined;
    } catch (e) {
      const msg = messageOf(e);
      // Once per distinct error: the refresh runs every 30 s.
      if (msg !== this.lastWriteError) this.log.error({ path, err: msg }, 'metrics: cannot write the textfile');
      this.lastWriteError = msg;
    }
  }

  /** The next refresh at the latest TEXTFILE_MAX_AGE_MS after this one (the drift tick usually comes first). */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || !enabled(this.facts?.metrics)) return;
    this.timer = setTimeout(() => void this.refresh(), TEXTFILE_MAX_AGE_MS);
  }

  private configureServer(listen: string | undefined): void {
    if (this.server?.listen === listen) return;
    void this.closeServer();
    if (!listen) return;
    const addr = parseListenAddress(listen);
    if (!addr) {
      this.log.error({ listen }, 'metrics.listen is not ADDRESS:PORT; not serving metrics');
      return;
    }
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res
          .writeHead(path === '/metrics' ? 405 : 404, { 'content-type': 'text/plain; charset=utf-8' })
          .end(path === '/metrics' ? 'GET only\n' : 'see /metrics\n');
        return;
      }
      this.metrics.text().then(
        (text) =>
          res
            .writeHead(200, { 'content-type': this.metrics.registry.contentType })
            .end(req.method === 'HEAD' ? undefined : text),
        (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${messageOf(e)}\n`),
      );
    });
    server.on('error', (e) => this.log.error({ listen, err: e.message }, 'metrics: cannot serve GET /metrics'));
    server.listen(addr.port, addr.host, () =>
      this.log.info(
        {
          listen: `${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${(server.address() as { port: number }).port}`,
        },
        'metrics: serving GET /metrics',
      ),
    );
    this.server = { listen, server };
  }

  private closeServer(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      s.server.close(() => resolve());
      s.server.closeAllConnections();
    });
  }
}

const enabled = (m: MetricsConfig | undefined): boolean =>
  m !== undefined && (m.textfileDir !== undefined || m.listen !== undefined);
