// Pure: the benchmark's node config for N L2VNIs, each with a managed host bridge, a host leg
// and a host address (the heaviest L2 shape per VNI: 2 router links, a veth pair, a host bridge,
// an address). VNIs 1000.., host addresses 172.16.0.20/24, 172.16.1.20/24, ... (unique /24s).

export interface FabricRuntime {
  netns: string;
  pidFile: string;
  frrConfigDir: string;
  reloaderSocket: string;
  runDir: string;
}

export const FIRST_VNI = 1000;
/** 172.16.0.0/12 holds 4096 /24s: the largest N this generator can address. */
export const MAX_VNIS = 4096;

export const benchVni = (i: number): number => FIRST_VNI + i;

/** The config with VNIs index `from` .. `from + n - 1` (a one-VNI change shifts or extends this range). */
export function benchConfigYaml(
  n: number,
  rt: FabricRuntime,
  opts: { l3?: boolean; from?: number; metrics?: boolean } = {},
): string {
  const from = opts.from ?? 0;
  if (n < 0 || from + n > MAX_VNIS) throw new Error(`bench config: N=${n} from ${from} exceeds ${MAX_VNIS} VNIs`);
  const lines = [
    'node:',
    '  index: 3',
    'underlay:',
    '  asn: 64514',
    '  nic: eth1',
    '  vtepCIDR: 100.65.0.0/24',
    '  neighbors:',
    '    - address: 192.168.11.2',
    '      asn: 64512',
  ];
  if (opts.l3) {
    lines.push('l3vnis:');
    for (let i = from; i < from + n; i++) lines.push(`  - vrf: vrf${i}`, `    vni: ${50000 + i}`);
  }
  lines.push(n > 0 && !opts.l3 ? 'l2vnis:' : 'l2vnis: []');
  if (!opts.l3) {
    for (let i = from; i < from + n; i++) {
      const v = benchVni(i);
      lines.push(
        `  - vni: ${v}`,
        `    hostMaster: {name: br-hs-${v}, managed: true}`,
        `    hostAddress: 172.${16 + (i >> 8)}.${i & 255}.20/24`,
      );
    }
  }
  // Both outputs: the textfile (a write per pass and per 30 s) and GET /metrics (idle unless scraped).
  if (opts.metrics) lines.push('metrics:', `  textfileDir: ${rt.runDir}/metrics`, '  listen: "127.0.0.1:9479"');
  lines.push(
    'runtime:',
    `  netns: ${rt.netns}`,
    `  pidFile: ${rt.pidFile}`,
    `  frrConfigDir: ${rt.frrConfigDir}`,
    `  reloaderSocket: ${rt.reloaderSocket}`,
    `  stateDir: ${rt.runDir}/state`,
    `  runDir: ${rt.runDir}`,
    '',
  );
  return lines.join('\n');
}
