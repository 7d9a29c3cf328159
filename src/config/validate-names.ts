// Interface names: user-given names (VRFs, host bridges, the NIC) must not collide with the
// names evpn-node generates (model/names.ts), and generated names must fit IFNAMSIZ.

import { bridgeName, hostLegName, MAX_IFNAME, routerLegName, vxlanName } from '../model/names.js';
import type { Path } from './positions.js';
import type { Config } from './types.js';
import type { IssueSink } from './issue-sink.js';
import { nicPath, underlayNicNames } from './validate-underlay.js';

const isStr = (v: unknown): v is string => typeof v === 'string';

/** Every interface name evpn-node generates for a VNI. */
const generatedNames = (vni: number): string[] => [
  bridgeName(vni),
  vxlanName(vni),
  routerLegName(vni),
  hostLegName(vni),
];

export function checkNames(c: Config, sink: IssueSink): void {
  const generated = new Map<string, number>();
  const vnis: Array<[Path, unknown]> = [
    ...c.l3vnis.map((v, i): [Path, unknown] => [['l3vnis', i, 'vni'], v.vni]),
    ...c.l2vnis.map((v, i): [Path, unknown] => [['l2vnis', i, 'vni'], v.vni]),
  ];
  for (const [path, vni] of vnis) {
    if (typeof vni !== 'number') continue;
    for (const name of generatedNames(vni)) {
      // Cannot trigger for VNIs up to 16777215 ("br-pe-16777215" is 14); a guard should
      // names.ts ever grow a longer prefix.
      if (name.length > MAX_IFNAME)
        sink.error(path, `generated interface name ${name} is longer than ${MAX_IFNAME} characters`);
      generated.set(name, vni);
    }
  }
  const clash = (path: Path, name: unknown, what: string): void => {
    if (!isStr(name)) return;
    const vni = generated.get(name);
    if (vni !== undefined)
      sink.error(path, `${what} "${name}" collides with the interface evpn-node creates for VNI ${vni}`);
  };
  const u = c.underlay;
  const nics = underlayNicNames(c);
  (u?.nics ?? []).forEach((n, i) => clash(nicPath(u, i), n.name, 'underlay NIC'));
  c.l3vnis.forEach((v, i) => {
    const at: Path = ['l3vnis', i, 'vrf'];
    // FRR's `vrf default` is the main routing table, not a kernel VRF.
    if (v.vrf === 'default') sink.error(at, '"default" is reserved for the default VRF');
    else if (isStr(v.vrf) && nics.includes(v.vrf)) sink.error(at, `"${v.vrf}" is the name of an underlay NIC`);
    else clash(at, v.vrf, 'VRF');
  });
  const vrfs = new Set(c.l3vnis.map((l3) => l3.vrf));
  c.l2vnis.forEach((v, i) => {
    const at: Path = ['l2vnis', i, 'hostMaster', 'name'];
    const name = v.hostMaster?.name;
    if (isStr(name) && nics.includes(name))
      sink.error(at, `"${name}" is an underlay NIC, which moves into the router netns`);
    else clash(at, name, 'hostMaster');
    if (isStr(name) && vrfs.has(name)) sink.error(at, `"${name}" is also a VRF name`);
  });
}
