// `evpn-node units`: options -> the unit files to install, as {path, content}. Pure: templates
// in units/ print what the model below decides (which flags, capabilities, mounts, versions).
// Every value that reaches a unit file is checked first: `%` is a systemd specifier, `$` an
// environment expansion, whitespace splits an ExecStart argument.

import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import { DEFAULT_RUNTIME } from '../config/defaults.js';

export type UnitFormat = 'systemd' | 'quadlet';

export interface UnitsSpec {
  format: UnitFormat;
  controllerImage: string;
  frrImage: string;
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
} as const;

/** Where each kind of file goes on the host. */
export const INSTALL_DIRS = {
  systemd: '/etc/systemd/system',
  quadlet: '/etc/containers/systemd',
  networkd: '/etc/systemd/networkd.conf.d',
  networkManager: '/etc/NetworkManager/conf.d',
} as const;

/** Lowest podman each format is for (SPEC); quadlet `.pod` files appeared in 5.0. */
export const MIN_PODMAN = { systemd: '4.4', quadlet: '5.0' } as const;

export function renderUnits(spec: UnitsSpec): UnitFile[] {
  const model = buildModel(spec);
  const t = templates();
  const sd = INSTALL_DIRS.systemd;
  const common: UnitFile[] = [
    { path: `${sd}/${UNIT_NAMES.target}`, content: t('common/evpn-node.target', model) },
    { path: `${sd}/kubelet.service.d/10-evpn-node.conf`, content: t('common/kubelet-dropin.conf', model) },
    { path: `${INSTALL_DIRS.networkd}/evpn-node.conf`, content: t('common/networkd.conf', model) },
    { path: `${INSTALL_DIRS.networkManager}/evpn-node.conf`, content: t('common/networkmanager.conf', model) },
  ];
  if (spec.format === 'systemd') {
    const units = [UNIT_NAMES.routerPod, UNIT_NAMES.frr, UNIT_NAMES.reloader, UNIT_NAMES.controller];
    return [...units.map((u) => ({ path: `${sd}/${u}`, content: t(`systemd/${u}`, model) })), ...common];
  }
  const q = INSTALL_DIRS.quadlet;
  const files = ['evpn-node-router.pod', 'evpn-node-frr.container', 'evpn-node-reloader.container', 'evpn-node-controller.container'];
  return [...files.map((f) => ({ path: `${q}/${f}`, content: t(`quadlet/${f}`, model) })), ...common];
}

/** An OCI image reference (registry/path:tag@digest), nothing a unit file would interpret. */
export function checkImageRef(ref: string, what: string): string {
  // Grammar of github.com/distribution/reference: domain (with port), lowercase path
  // components, tag, digest. It admits no whitespace, quotes, `%`, `$` or `\`.
  const domain = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?`;
  const component = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
  const re = new RegExp(String.raw`^${domain}${component}(?:/${component})*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})?$`);
  if (ref.length > 255 || !re.test(ref)) throw new UnitsError(`${what} ${JSON.stringify(ref)} is not an image reference (registry/name:tag or @digest)`);
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
}

export function buildModel(spec: UnitsSpec): UnitsModel {
  const rt = DEFAULT_RUNTIME;
  const version = spec.format === 'quadlet' ? parsePodmanVersion(spec.podmanVersion ?? MIN_PODMAN.quadlet) : undefined;
  if (version && !atLeast(version, parsePodmanVersion(MIN_PODMAN.quadlet))) {
    throw new UnitsError(`quadlet .pod files need podman >= ${MIN_PODMAN.quadlet} (got ${spec.podmanVersion}); use --format systemd`);
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
  };
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
  for (const f of readdirSync(partials).filter((n) => n.endsWith('.hbs')).sort()) {
    hbs.registerPartial(f.slice(0, -'.hbs'.length), readFileSync(new URL(f, partials), 'utf8'));
  }
  const compiled = new Map<string, Handlebars.TemplateDelegate<UnitsModel>>();
  cached = (name, model) => {
    let tpl = compiled.get(name);
    if (!tpl) {
      // noEscape: unit files are not HTML; strict: a missing model field throws.
      tpl = hbs.compile<UnitsModel>(readFileSync(new URL(`${name}.hbs`, UNITS_DIR), 'utf8'), { noEscape: true, strict: true });
      compiled.set(name, tpl);
    }
    const text = tpl(model);
    return text.endsWith('\n') ? text : `${text}\n`;
  };
  return cached;
}
