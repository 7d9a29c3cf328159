// Uniqueness and references: VNIs, VRFs, tables, neighbors, host bridges; what l2vni.l3vni and
// primary name must exist and be usable; neighbor timer relations.

import { tableForVni } from './derive.js';
import { canonicalIp, formatIp, parseIfaceCidr, prefixContains, prefixOf } from './ipaddr.js';
import { formatPath, type Path } from './positions.js';
import { didYouMean } from './suggest.js';
import type { Config } from './types.js';
import type { IssueSink } from './issue-sink.js';

const isStr = (v: unknown): v is string => typeof v === 'string';

/** Reports each value seen before, pointing at the later one and naming the first. */
class Seen<K> {
  private first = new Map<K, Path>();
  constructor(
    private readonly sink: IssueSink,
    private readonly what: string,
    private readonly hint = '',
  ) {}
  add(key: K | undefined, path: Path, shown: string = String(key)): void {
    if (key === undefined) return;
    const prev = this.first.get(key);
    if (prev) this.sink.error(path, `duplicate ${this.what} ${shown} (also ${formatPath(prev)})${this.hint}`);
    else this.first.set(key, path);
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const strOrUndef = (v: unknown): string | undefined => (isStr(v) ? v : undefined);

export function checkUnique(c: Config, sink: IssueSink): void {
  const vnis = new Seen<number>(sink, 'VNI', ': VNIs are unique across l3vnis and l2vnis');
  const vrfs = new Seen<string>(sink, 'VRF');
  const tables = new Seen<number>(sink, 'table');
  const l3Vnis = new Set<number>();
  c.l3vnis.forEach((v, i) => {
    vnis.add(num(v.vni), ['l3vnis', i, 'vni']);
    vrfs.add(strOrUndef(v.vrf), ['l3vnis', i, 'vrf']);
    // A duplicate VNI also duplicates its default table: say it once, as the VNI.
    const vniAgain = typeof v.vni === 'number' && l3Vnis.has(v.vni);
    if (typeof v.vni === 'number') l3Vnis.add(v.vni);
    // A defaulted table (1000 + vni) has no position of its own: the l3vni item is reported.
    if (!(vniAgain && v.table === tableForVni(v.vni))) tables.add(num(v.table), ['l3vnis', i, 'table']);
  });
  const masters = new Seen<string>(sink, 'hostMaster name', ': each L2VNI needs its own host bridge');
  c.l2vnis.forEach((v, i) => {
    vnis.add(num(v.vni), ['l2vnis', i, 'vni']);
    masters.add(strOrUndef(v.hostMaster?.name), ['l2vnis', i, 'hostMaster', 'name']);
  });
  const addrs = new Seen<string>(sink, 'neighbor address');
  const ifaces = new Seen<string>(sink, 'neighbor interface');
  (c.underlay?.neighbors ?? []).forEach((n, i) => {
    const a = strOrUndef(n.address);
    addrs.add(a && canonicalIp(a), ['underlay', 'neighbors', i, 'address'], a);
    ifaces.add(strOrUndef(n.interface), ['underlay', 'neighbors', i, 'interface']);
  });
}

/**
 * ` (did you mean "red"?)` among the VRF names, while there are few enough of them: the search
 * compares the word with every name, and an issue must cost about the same however many VRFs
 * there are (10,000 misspelt references to 10,000 VRFs would be 10^8 edit distances).
 */
const vrfHint = (word: string, names: readonly string[]): string =>
  names.length <= DID_YOU_MEAN_MAX ? didYouMean(word, names) : '';
const DID_YOU_MEAN_MAX = 256;

export function checkReferences(c: Config, sink: IssueSink): void {
  const vrfNames = c.l3vnis.map((v) => v.vrf).filter(isStr);
  const vrfSet = new Set(vrfNames);
  c.l2vnis.forEach((v, i) => {
    const at = (...rest: Array<string | number>): Path => ['l2vnis', i, ...rest];
    if (isStr(v.l3vni) && !vrfSet.has(v.l3vni)) {
      sink.error(at('l3vni'), `names no L3VNI: "${v.l3vni}" is not an l3vnis[].vrf${vrfHint(v.l3vni, vrfNames)}`);
    }
    if (v.l3vni === undefined && (v.gatewayIPs ?? []).length > 0) {
      sink.error(at('gatewayIPs'), 'needs "l3vni": gateway addresses live in the VRF the segment routes in');
    }
    if (v.hostAddress !== undefined && v.hostMaster && v.hostMaster.managed !== true) {
      sink.error(
        at('hostAddress'),
        `is only allowed when hostMaster is absent or managed: true; evpn-node only puts addresses on devices it owns, and ${v.hostMaster.name} is the user's`,
      );
    }
  });
}

export function checkPrimary(c: Config, sink: IssueSink): void {
  const p = c.primary;
  if (!p) return;
  if (isStr(p.l3vni)) {
    const names = c.l3vnis.map((v) => v.vrf).filter(isStr);
    const l3 = c.l3vnis.find((v) => v.vrf === p.l3vni);
    if (!l3)
      sink.error(['primary', 'l3vni'], `names no L3VNI: "${p.l3vni}" is not an l3vnis[].vrf${vrfHint(p.l3vni, names)}`);
    else if (!l3.hostSession) {
      sink.error(['primary', 'l3vni'], `l3vni "${p.l3vni}" has no hostSession: the primary interface is its host leg`);
    }
  }
  if (typeof p.l2vni === 'number') {
    const i = c.l2vnis.findIndex((v) => v.vni === p.l2vni);
    const l2 = c.l2vnis[i];
    if (!l2) sink.error(['primary', 'l2vni'], `names no L2VNI: no l2vnis[].vni is ${p.l2vni}`);
    else if (!isStr(l2.hostAddress)) {
      sink.error(['primary', 'l2vni'], `l2vni ${p.l2vni} has no hostAddress: the node IP of the primary interface`);
    } else if (p.defaultRoute) {
      checkPrimaryGateway(l2.hostAddress, l2.gatewayIPs ?? [], ['l2vnis', i], sink);
    }
  }
}

/** The default route of an L2 primary goes via the first gateway of the hostAddress's family. */
function checkPrimaryGateway(hostAddress: string, gatewayIPs: readonly string[], at: Path, sink: IssueSink): void {
  const host = parseIfaceCidr(hostAddress);
  if (!host) return;
  const gw = gatewayIPs
    .map((g) => (isStr(g) ? parseIfaceCidr(g) : undefined))
    .find((g) => g?.ip.family === host.ip.family);
  if (!gw) {
    sink.error(
      ['primary', 'defaultRoute'],
      `needs a gatewayIP of the same family as ${formatPath([...at, 'hostAddress'])} (IPv${host.ip.family})`,
    );
  } else if (!prefixContains(prefixOf(host.ip, host.length), gw.ip)) {
    sink.error(
      [...at, 'hostAddress'],
      `${hostAddress} does not contain the gateway ${formatIp(gw.ip)}: the default route needs it on-link`,
    );
  }
}

export function checkNeighbors(c: Config, sink: IssueSink): void {
  const u = c.underlay;
  if (!u) return;
  const neighbors = u.neighbors ?? [];
  if (neighbors.length === 0) {
    const ready = c.readiness?.underlayEstablished
      ? '; with readiness.underlayEstablished the node never becomes ready'
      : '';
    sink.warn(['underlay', 'neighbors'], `no underlay BGP neighbors: no EVPN routes will be learned${ready}`);
  }
  neighbors.forEach((n, i) => {
    const at = (k: string): Path => ['underlay', 'neighbors', i, k];
    const hold = n.holdTimeSeconds;
    const keepalive = n.keepaliveTimeSeconds;
    if (typeof hold === 'number' && typeof keepalive === 'number' && hold !== 0 && hold <= keepalive) {
      sink.error(at('holdTimeSeconds'), `must be greater than keepaliveTimeSeconds (${keepalive})`);
    }
    if (n.allowASIn === true && (n.type === 'internal' || (typeof n.asn === 'number' && n.asn === u.asn))) {
      sink.warn(
        at('allowASIn'),
        "has no effect on an iBGP session (it is for eBGP sessions with a ToR, so nodes sharing underlay.asn accept each other's routes)",
      );
    }
  });
}

/**
 * A host session whose two sides have the same ASN is iBGP, and says so with hostType: internal
 * (OpenPERouter refuses hostASN equal to the session's ASN the same way): written as an ASN it
 * usually means a copy-paste of underlay.asn, and the session would not be what it looks like.
 */
export function checkHostSessions(c: Config, sink: IssueSink): void {
  c.l3vnis.forEach((v, i) => {
    const hs = v.hostSession;
    if (!hs || typeof hs.hostASN !== 'number' || hs.hostASN !== hs.asn) return;
    const from =
      v.hostSession && hs.asn === c.underlay?.asn ? 'hostSession.asn, by default underlay.asn' : 'hostSession.asn';
    sink.error(
      ['l3vnis', i, 'hostSession', 'hostASN'],
      `${hs.hostASN} is the router side's own ASN (${from}): for an iBGP host session write hostType: internal instead`,
    );
  });
}
