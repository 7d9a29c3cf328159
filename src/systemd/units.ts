// `evpn-node units`: options -> the unit files to install, as {path, content}. Pure: templates
// in units/ print what the model below decides (which flags, capabilities, mounts, versions).
// Every value that reaches a unit file is checked first: `%` is a systemd specifier, `$` an
// environment expansion, whitespace splits an ExecStart argument.

import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import { DEFAULT_RUNTIME } from '../config/defaults.js';

export type UnitFormat = 'systemd' | 'quadlet';

export { KUBELET_LAYOUTS, PREFIXES, type KubeletLayout, type Prefix } from './unit-options.js';
import { KUBELET_LAYOUTS, PREFIXES, type KubeletLayout, type Prefix } from './unit-options.js';

export interface UnitsSpec {
  format: UnitFormat;
  controllerImage: string;
  frrImage: string;
  /** Default /etc. */
  prefix?: Prefix;
  /** Default env. */
  kubelet?: KubeletLayout;
  /** "evpn-node 0.1.0 (rev)": stamped in every file's header, read back by `units`. */
  generator?: string;
  /** metrics.textfileDir of the config: the controller container needs it mounted. */
  metricsTextfileDir?: string;
  /**
   * Quadlet only: the podman version the files are for. 5.3 adds `[Quadlet]
   * DefaultDependencies=false`, which older generators reject as an unknown key.
   */
  podmanVersion?: string;
}

export interface UnitFile {
  /** Absolute install path, e.g. /etc/systemd/system/evpn-node.target. */
  path: string;
  content: string;
}

export class UnitsError extends Error {
  override name = 'UnitsError';
}

/** The units as systemd knows them (quadlet files generate the same service names). */
export const UNIT_NAMES = {
  target: 'evpn-node.target',
  routerPod: 'evpn-node-router-pod.service',
  frr: 'evpn-node-frr.service',
  reloader: 'evpn-node-reloader.service',
  controller: 'evpn-node-controller.service',
  images: 'evpn-node-images.service',
} as const;

/** Where each kind of file goes on the host: administrator paths, or an OS image's vendor paths. */
export const INSTALL_DIRS = {
  '/etc': {
    systemd: '/etc/systemd/system',
    quadlet: '/etc/containers/systemd',
    networkd: '/etc/systemd/networkd.conf.d',
    networkManager: '/etc/NetworkManager/conf.d',
    preset: undefined,
    images: '/var/lib/evpn-node/images',
  },
  '/usr': {
    systemd: '/usr/lib/systemd/system',
    quadlet: '/usr/share/containers/systemd',
    networkd: '/usr/lib/systemd/networkd.conf.d',
    networkManager: '/usr/lib/NetworkManager/conf.d',
    // An OS image has no `systemctl enable` step: a preset enables the target at first boot.
    preset: '/usr/lib/systemd/system-preset',
    images: '/usr/share/evpn-node/images',
  },
} as const;

/** The image archives the images unit loads when an image is missing (`podman save` output). */
export const IMAGE_ARCHIVES = { controller: 'evpn-node.tar', frr: 'frr.tar' } as const;

/** Lowest podman each format is for (SPEC); quadlet `.pod` files appeared in 5.0. */
export const MIN_PODMAN = { systemd: '4.4', quadlet: '5.0' } as const;

export function renderUnits(spec: UnitsSpec): UnitFile[] {
  const model = buildModel(spec);
  const t = templates();
  const dirs = INSTALL_DIRS[model.prefix];
  const sd = dirs.systemd;
  const common: UnitFile[] = [
    { path: `${sd}/${UNIT_NAMES.target}`, content: t('common/evpn-node.target', model) },
    { path: `${sd}/${UNIT_NAMES.images}`, content: t('common/evpn-node-images.service', model) },
    ...kubeletDropIns(model).map((d) => ({
      path: `${sd}/${d.unit}.d/${d.file}`,
      content: t(`kubelet/${d.template}`, { ...model, ...d.vars }),
    })),
    { path: `${dirs.networkd}/evpn-node.conf`, content: t('common/networkd.conf', model) },
    { path: `${dirs.networkManager}/evpn-node.conf`, content: t('common/networkmanager.conf', model) },
    ...(dirs.preset
      ? [{ path: `${dirs.preset}/50-evpn-node.preset`, content: t('common/evpn-node.preset', model) }]
      : []),
  ];
  if (spec.format === 'systemd') {
    const units = [UNIT_NAMES.routerPod, UNIT_NAMES.frr, UNIT_NAMES.reloader, UNIT_NAMES.controller];
    return [...units.map((u) => ({ path: `${sd}/${u}`, content: t(`systemd/${u}`, model) })), ...common];
  }
  const q = dirs.quadlet;
  const files = [
    'evpn-node-router.pod',
    'evpn-node-frr.container',
    'evpn-node-reloader.container',
    'evpn-node-controller.container',
  ];
  return [...files.map((f) => ({ path: `${q}/${f}`, content: t(`quadlet/${f}`, model) })), ...common];
}

interface KubeletDropIn {
  /** The unit it extends. */
  unit: string;
  file: string;
  template: string;
  vars?: Record<string, string>;
}

/**
 * The kubelet side of each layout. kubeadm's drop-in is 20-: drop-ins apply in lexical order and
 * its ExecStart must come after 10-kubeadm.conf's, which resets ExecStart too.
 */
function kubeletDropIns(m: UnitsModel): KubeletDropIn[] {
  switch (m.kubeletLayout) {
    case 'env':
      return [{ unit: 'kubelet.service', file: '10-evpn-node.conf', template: 'env.conf' }];
    case 'kubeadm':
      return [{ unit: 'kubelet.service', file: '20-evpn-node.conf', template: 'kubeadm.conf' }];
    case 'openshift':
      return [{ unit: 'kubelet.service', file: '20-evpn-node.conf', template: 'openshift.conf' }];
    case 'k3s':
    case 'rke2': {
      const dir = `/etc/rancher/${m.kubeletLayout}/config.yaml.d`;
      const units =
        m.kubeletLayout === 'k3s'
          ? ['k3s.service', 'k3s-agent.service']
          : ['rke2-server.service', 'rke2-agent.service'];
      return units.map((unit) => ({
        unit,
        file: '20-evpn-node.conf',
        template: 'rancher.conf',
        vars: { rancherConfigDir: dir },
      }));
    }
  }
}

/** An OCI image reference (registry/path:tag@digest), nothing a unit file would interpret. */
export function checkImageRef(ref: string, what: string): string {
  // Grammar of github.com/distribution/reference: domain (with port), lowercase path
  // components, tag, digest. It admits no whitespace, quotes, `%`, `$` or `\`.
  const domain = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?`;
  const component = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
  const re = new RegExp(
    String.raw`^${domain}${component}(?:/${component})*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})?$`,
  );
  if (ref.length > 255 || !re.test(ref))
    throw new UnitsError(`${what} ${JSON.stringify(ref)} is not an image reference (registry/name:tag or @digest)`);
  return ref;
}

/** "5.4" -> [5, 4]; anything that does not start with MAJOR.MINOR is refused. */
export function parsePodmanVersion(v: string): [number, number] {
  const m = /^(\d+)\.(\d+)(?:\.\d+)?(?:[-+~][\w.~+-]*)?$/.exec(v.trim());
  if (!m) throw new UnitsError(`podman version ${JSON.stringify(v)} is not MAJOR.MINOR[.PATCH]`);
  return [Number(m[1]), Number(m[2])];
}

const atLeast = ([a, b]: [number, number], [c, d]: [number, number]): boolean => a > c || (a === c && b >= d);

/** Podman capabilities of each container, and why (README.md, "Capabilities"). */
export const CAPABILITIES = {
  // FRR's own privilege lists (zebra_privs, bgpd_privs): NET_ADMIN for routes, links and
  // neighbours over netlink, NET_RAW for raw sockets and SO_BINDTODEVICE on VRF devices,
  // SYS_ADMIN for setns (netns VRF backend) and the privileges zebra asks for at start-up (it
  // exits when cap_set_proc fails). Podman's default set adds SETUID/SETGID (drop to user frr)
  // and NET_BIND_SERVICE (port 179).
  frr: ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'],
  // The controller starts from none (--cap-drop=all) and gets exactly:
  //  NET_ADMIN     links, addresses, routes, rules, moving the NIC between netns, net.* sysctls
  //  SYS_ADMIN     setns into the router netns and the mounts of `ip -n`/`ip netns exec`/attach
  //  SYS_PTRACE    stat/open /proc/<FRR pid>/ns/net: FRR holds capabilities the controller does
  //                not, so the kernel's ptrace access check needs SYS_PTRACE
  //  DAC_OVERRIDE  write frr.conf into the FRR config dir, which FRR's image may chown to frr
  controller: ['NET_ADMIN', 'SYS_ADMIN', 'SYS_PTRACE', 'DAC_OVERRIDE'],
} as const;

export interface UnitsModel {
  controllerImage: string;
  frrImage: string;
  netns: string;
  netnsPath: string;
  pidFile: string;
  frrConfigDir: string;
  reloaderSocket: string;
  stateDir: string;
  runDir: string;
  configDir: string;
  /** The reloader script, copied from the controller image before the pod starts. */
  reloaderDir: string;
  /** FRR's vty sockets (/var/run/frr in the image), shared by FRR and the reloader. */
  frrRunDir: string;
  /** In the controller image: what the assets step copies into stateDir. */
  assetsDir: string;
  /** Comma-separated for `podman --cap-add=`, space-separated for quadlet's AddCapability=. */
  frrCaps: string;
  frrCapsQuadlet: string;
  controllerCaps: string;
  controllerCapsQuadlet: string;
  quadletDefaultDependencies: boolean;
  quadletReloadSignal: boolean;
  podmanVersion: string;
  prefix: Prefix;
  generator: string;
  kubeletLayout: KubeletLayout;
  /** The units kubelet runs as in this layout (what evpn-node.target orders itself before). */
  kubeletUnits: string;
  openshift: boolean;
  imagesDir: string;
  controllerArchive: string;
  frrArchive: string;
  metricsTextfileDir: string | false;
  /** The controller's WatchdogSec=, and the same as WATCHDOG_USEC for the daemon in the container. */
  watchdogSec: number;
  watchdogUsec: string;
}

/**
 * systemd restarts the controller when its reconcile loop stops pinging (daemon/heartbeat.ts).
 * 3 min, das-schiff-network-operator's value: the daemon pings every 45 s while its loop is
 * alive, and stops once a pass has made no progress for 3 min, longer than any single bounded
 * step; systemd then acts 3 min after the last ping. The network stays up meanwhile.
 */
export const CONTROLLER_WATCHDOG_SEC = 180;

export function buildModel(spec: UnitsSpec): UnitsModel {
  const rt = DEFAULT_RUNTIME;
  const prefix = spec.prefix ?? '/etc';
  if (!PREFIXES.includes(prefix))
    throw new UnitsError(
      `prefix ${JSON.stringify(prefix)}: must be /etc (a node set up by hand) or /usr (an OS image's vendor paths)`,
    );
  const kubelet = spec.kubelet ?? 'env';
  if (!KUBELET_LAYOUTS.includes(kubelet))
    throw new UnitsError(`kubelet layout ${JSON.stringify(kubelet)}: must be one of ${KUBELET_LAYOUTS.join(', ')}`);
  const imagesDir = INSTALL_DIRS[prefix].images;
  const version = spec.format === 'quadlet' ? parsePodmanVersion(spec.podmanVersion ?? MIN_PODMAN.quadlet) : undefined;
  if (version && !atLeast(version, parsePodmanVersion(MIN_PODMAN.quadlet))) {
    throw new UnitsError(
      `quadlet .pod files need podman >= ${MIN_PODMAN.quadlet} (got ${spec.podmanVersion}); use --format systemd`,
    );
  }
  return {
    controllerImage: checkImageRef(spec.controllerImage, 'controller image'),
    frrImage: checkImageRef(spec.frrImage, 'FRR image'),
    netns: rt.netns,
    netnsPath: `/run/netns/${rt.netns}`,
    pidFile: rt.pidFile,
    frrConfigDir: rt.frrConfigDir,
    reloaderSocket: rt.reloaderSocket,
    stateDir: rt.stateDir,
    runDir: rt.runDir,
    configDir: '/etc/evpn-node',
    reloaderDir: `${rt.stateDir}/reloader`,
    frrRunDir: `${rt.runDir}/frr`,
    assetsDir: '/usr/share/evpn-node/assets',
    frrCaps: CAPABILITIES.frr.join(','),
    frrCapsQuadlet: CAPABILITIES.frr.join(' '),
    controllerCaps: CAPABILITIES.controller.join(','),
    controllerCapsQuadlet: CAPABILITIES.controller.join(' '),
    quadletDefaultDependencies: version !== undefined && atLeast(version, [5, 3]),
    quadletReloadSignal: version !== undefined && atLeast(version, [5, 5]),
    podmanVersion: version ? version.join('.') : MIN_PODMAN.systemd,
    prefix,
    generator: checkGenerator(spec.generator ?? 'evpn-node'),
    kubeletLayout: kubelet,
    kubeletUnits: KUBELET_UNITS[kubelet],
    openshift: kubelet === 'openshift',
    imagesDir,
    controllerArchive: `${imagesDir}/${IMAGE_ARCHIVES.controller}`,
    frrArchive: `${imagesDir}/${IMAGE_ARCHIVES.frr}`,
    metricsTextfileDir:
      spec.metricsTextfileDir === undefined ? false : checkHostPath(spec.metricsTextfileDir, 'metrics.textfileDir'),
    watchdogSec: CONTROLLER_WATCHDOG_SEC,
    watchdogUsec: String(CONTROLLER_WATCHDOG_SEC * 1_000_000),
  };
}

const KUBELET_UNITS: Record<KubeletLayout, string> = {
  env: 'kubelet.service kubelet-dependencies.target',
  kubeadm: 'kubelet.service kubelet-dependencies.target',
  openshift: 'kubelet.service kubelet-dependencies.target',
  k3s: 'k3s.service k3s-agent.service',
  rke2: 'rke2-server.service rke2-agent.service',
};

/** The generator text of the header: "evpn-node 0.1.0 (abc123)", nothing a unit would interpret. */
function checkGenerator(g: string): string {
  if (!/^evpn-node(?: [0-9A-Za-z.+~-]+(?: \([0-9A-Za-z._-]+\))?)?$/.test(g))
    throw new UnitsError(`generator ${JSON.stringify(g)} is not "evpn-node VERSION (REVISION)"`);
  return g;
}

/** A host path that goes into a --volume= argument: absolute, and no character a unit or podman reads. */
function checkHostPath(p: string, what: string): string {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(p) || p.split('/').includes('..'))
    throw new UnitsError(
      `${what} ${JSON.stringify(p)} cannot be mounted by the units (absolute, [A-Za-z0-9._/-] only)`,
    );
  return p.replace(/\/+$/, '') || '/';
}

/** The header line `units` stamps, parsed back: who generated an installed file. */
export function generatorOf(content: string): { version: string; revision?: string } | undefined {
  const m = /^# Generated by evpn-node (\d[^\s]*)(?: \(([^)]+)\))?/m.exec(content);
  if (!m?.[1]) return undefined;
  return { version: m[1], ...(m[2] ? { revision: m[2] } : {}) };
}

// `src/systemd/` under vitest and `dist/systemd/` compiled are both two levels below the root.
const UNITS_DIR = new URL('../../units/', import.meta.url);

type Render = (name: string, model: UnitsModel) => string;
let cached: Render | undefined;

/** Compiled once: an isolated Handlebars environment, partials from units/partials/. */
function templates(): Render {
  if (cached) return cached;
  const hbs = Handlebars.create();
  const partials = new URL('partials/', UNITS_DIR);
  for (const f of readdirSync(partials)
    .filter((n) => n.endsWith('.hbs'))
    .sort()) {
    hbs.registerPartial(f.slice(0, -'.hbs'.length), readFileSync(new URL(f, partials), 'utf8'));
  }
  const compiled = new Map<string, Handlebars.TemplateDelegate<UnitsModel>>();
  cached = (name, model) => {
    let tpl = compiled.get(name);
    if (!tpl) {
      // noEscape: unit files are not HTML; strict: a missing model field throws.
      tpl = hbs.compile<UnitsModel>(readFileSync(new URL(`${name}.hbs`, UNITS_DIR), 'utf8'), {
        noEscape: true,
        strict: true,
      });
      compiled.set(name, tpl);
    }
    const text = tpl(model);
    return text.endsWith('\n') ? text : `${text}\n`;
  };
  return cached;
}
