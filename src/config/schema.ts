// The shape of config.yaml, once: the structural validator and etc/config.schema.json are both
// generated from CONFIG_SCHEMA. Cross-field rules (overlaps, references, fit) are in validate-*.ts.

import {
  DEFAULT_FRR_LOG_LEVEL,
  DEFAULT_HOST_MASTER_MANAGED,
  DEFAULT_PRIMARY_DEFAULT_ROUTE,
  DEFAULT_READINESS,
  DEFAULT_ROUTER_ID_CIDR,
  DEFAULT_RUNTIME,
  DEFAULT_VXLAN_PORT,
} from './defaults.js';
import {
  arr,
  bool,
  int,
  intRanges,
  obj,
  oneOf,
  str,
  stringOrMap,
  type Schema,
  type StringSchema,
} from './schema-dsl.js';

export const MAX_ASN = 4294967295;
export const MAX_VNI = 16777215;
export const MAX_NODE_INDEX = 16777215;

/** Kernel interface names: IFNAMSIZ - 1 characters of a safe alphabet. */
const ifname = (description: string): StringSchema =>
  str({
    description,
    pattern: '^[a-zA-Z0-9._-]+$',
    patternHint: 'may only contain [a-zA-Z0-9._-]',
    minLength: 1,
    maxLength: 15,
    deviceName: true,
  });

const vlan = (description: string): Schema =>
  obj(
    {
      parent: ifname('Parent interface of the VLAN.'),
      id: int(1, 4094, { description: 'VLAN id.' }),
    },
    { description, required: ['parent', 'id'] },
  );

const asn = (description: string): Schema => int(1, MAX_ASN, { description });
const vni = (description: string): Schema => int(1, MAX_VNI, { description });
const port = (description: string, dflt?: number): Schema =>
  int(1, 65535, { description, ...(dflt === undefined ? {} : { default: dflt }) });
const peerType = (description: string): Schema => oneOf(['external', 'internal'], { description });
const routeTargets = (description: string): Schema =>
  arr(str({ format: 'routeTarget', description: 'ASN:NN or A.B.C.D:NN' }), { description, default: [] });
const path = (description: string, dflt: string): Schema => str({ format: 'absPath', description, default: dflt });

/** Also applied to the contents of a passwordFile (secrets.ts). 80 = TCP_MD5SIG_MAXKEYLEN. */
export const PASSWORD_SCHEMA = str({
  secret: true,
  minLength: 1,
  maxLength: 80,
  description: 'TCP MD5 password: one token, at most 80 characters. Prefer passwordFile.',
});

const neighbor = obj(
  {
    address: str({ format: 'ip', description: 'Neighbor IP address (numbered session).' }),
    interface: ifname('Interface for a BGP unnumbered session (RFC 5549), one of the underlay NICs.'),
    asn: asn('Neighbor ASN.'),
    type: peerType('Instead of asn: "external" (any other AS) or "internal" (our AS).'),
    password: PASSWORD_SCHEMA,
    passwordFile: str({
      format: 'absPath',
      description: 'File holding the password (one trailing newline is ignored); should be mode 0600.',
    }),
    bfd: obj(
      {
        receiveInterval: int(10, 60000, { description: 'Milliseconds.' }),
        transmitInterval: int(10, 60000, { description: 'Milliseconds.' }),
        detectMultiplier: int(2, 255, { description: 'Missed packets before the session is down.' }),
      },
      { description: 'Enable BFD on this session.' },
    ),
    ebgpMultiHop: int(1, 255, { description: 'eBGP multihop TTL.' }),
    holdTimeSeconds: intRanges(
      [
        [0, 0],
        [3, 65535],
      ],
      { description: 'BGP hold time; 0 disables keepalives.' },
    ),
    keepaliveTimeSeconds: int(0, 65535, { description: 'BGP keepalive interval; must be below the hold time.' }),
    connectTimeSeconds: int(1, 65535, { description: 'Seconds between connection attempts.' }),
    port: port('TCP port of the neighbor (default 179).'),
    allowASIn: bool({
      description:
        'eBGP: accept routes that another node of our ASN originated (FRR allowas-in origin, in every activated family), so nodes sharing underlay.asn reach each other. Default true on eBGP sessions; false turns it off.',
    }),
  },
  {
    description: 'An underlay BGP neighbor (ToR).',
    exactlyOne: [
      ['address', 'interface'],
      ['asn', 'type'],
    ],
    atMostOne: [['password', 'passwordFile']],
  },
);

const hostSession = obj(
  {
    asn: asn('Router-side ASN inside the VRF. Default: underlay.asn.'),
    hostASN: asn('ASN of the host side of the session.'),
    hostType: peerType('Instead of hostASN: "external" or "internal".'),
    localCIDR: obj(
      {
        ipv4: str({ format: 'cidr4', description: 'IPv4 prefix of the veth pair.' }),
        ipv6: str({ format: 'cidr6', description: 'IPv6 prefix of the veth pair.' }),
      },
      {
        description:
          'Router side = first usable address (the same on every node); host side = first usable + 1 + node.index.',
        atLeastOne: [['ipv4', 'ipv6']],
      },
    ),
  },
  {
    description: 'A veth pair host <-> router VRF, and a BGP session over it.',
    required: ['localCIDR'],
    exactlyOne: [['hostASN', 'hostType']],
  },
);

const l3vni = obj(
  {
    vrf: str({
      description: 'VRF name: a letter, then [a-zA-Z0-9_-], at most 15 characters.',
      pattern: '^[a-zA-Z][a-zA-Z0-9_-]*$',
      patternHint: 'must start with a letter and contain only [a-zA-Z0-9_-]',
      minLength: 1,
      maxLength: 15,
      deviceName: true,
    }),
    vni: vni('VXLAN network identifier, unique across l3vnis and l2vnis.'),
    table: intRanges(
      [
        [1, 252],
        [256, MAX_ASN],
      ],
      {
        description: 'Kernel routing table of the VRF. Default: 1000 + vni.',
        hint: '(0 and 253..255 are reserved)',
      },
    ),
    vxlanPort: port('VXLAN UDP port.', DEFAULT_VXLAN_PORT),
    importRTs: routeTargets('Route targets to import. Default: FRR auto (ASN:VNI).'),
    exportRTs: routeTargets('Route targets to export. Default: FRR auto (ASN:VNI).'),
    hostSession,
  },
  { description: 'A routing domain (VRF) stretched over EVPN type-5 routes.', required: ['vrf', 'vni'] },
);

const l2vni = obj(
  {
    vni: vni('VXLAN network identifier, unique across l3vnis and l2vnis.'),
    l3vni: str({
      description: 'VRF (an l3vnis[].vrf) this segment routes in (IRB); omit for pure L2.',
      pattern: '^[a-zA-Z][a-zA-Z0-9_-]*$',
      patternHint: 'must be a VRF name',
      maxLength: 15,
    }),
    gatewayIPs: arr(str({ format: 'ifaceCidr' }), {
      description: 'Anycast gateway addresses with prefix length (192.170.10.1/24); need l3vni.',
      default: [],
    }),
    hostMaster: obj(
      {
        name: ifname('Host bridge the host veth leg joins.'),
        managed: bool({
          description: 'true: evpn-node creates and owns the bridge; false: it must exist and is never touched.',
          default: DEFAULT_HOST_MASTER_MANAGED,
        }),
      },
      { description: 'Host-side bridge of this segment.', required: ['name'] },
    ),
    hostAddress: str({
      format: 'ifaceCidr',
      description: 'Static address (with prefix length) on the host side; only on devices evpn-node owns.',
    }),
    vxlanPort: port('VXLAN UDP port.', DEFAULT_VXLAN_PORT),
    importRTs: routeTargets('Route targets to import. Default: FRR auto (ASN:VNI).'),
    exportRTs: routeTargets('Route targets to export. Default: FRR auto (ASN:VNI).'),
  },
  { description: 'A layer-2 segment stretched over EVPN type-2/3 routes.', required: ['vni'] },
);

export const CONFIG_SCHEMA = obj(
  {
    node: obj(
      {
        index: int(0, MAX_NODE_INDEX, { description: '0-based, unique per node; drives the per-node addresses.' }),
        indexFrom: obj(
          {
            interface: ifname(
              "Derive the index from this host interface's first global IPv4 address: its host part within its prefix (10.1.0.23/24 -> 23).",
            ),
            cidr: str({
              format: 'cidr',
              description:
                'With interface: use its first address inside this prefix, and the host part within this prefix.',
            }),
            hostname: str({
              description:
                "Derive the index from the node's hostname: a regular expression with one capture group of digits, e.g. '^node-(\\d+)$'.",
              minLength: 1,
              maxLength: 256,
            }),
          },
          {
            description: 'Instead of index: derive it on the node, so one identical file serves every node.',
            exactlyOne: [['interface', 'hostname']],
          },
        ),
        vtepIP: str({ format: 'ipv4', description: 'Explicit VTEP address instead of the derived one.' }),
        routerID: str({ format: 'ipv4', description: 'Explicit BGP router-id instead of the derived one.' }),
      },
      { description: 'This node.', exactlyOne: [['index', 'indexFrom']] },
    ),
    underlay: obj(
      {
        asn: asn('ASN of this node in the underlay.'),
        nic: ifname(
          'The one underlay NIC, moved into the router netns (the node gives it up). Shorthand for nics: [<nic>].',
        ),
        vlan: vlan(
          'With nic: instead of moving a physical NIC, create <nic> as VLAN <id> on <parent> and move only it.',
        ),
        nics: arr(
          stringOrMap(
            ifname('An underlay NIC, moved into the router netns with its addresses and routes.'),
            obj(
              {
                name: ifname('The NIC that moves into the router netns.'),
                vlan: vlan('Create <name> as VLAN <id> on <parent> and move only it.'),
              },
              { description: 'An underlay NIC, or a VLAN evpn-node creates and moves.', required: ['name'] },
            ),
          ),
          {
            description: 'Several underlay NICs (one per ToR): each is moved into the router netns. Instead of nic.',
            minItems: 1,
          },
        ),
        vtepCIDR: str({ format: 'cidr4', description: 'VTEP = first usable address + node.index.' }),
        routerIDCIDR: str({
          format: 'cidr4',
          description: 'router-id = first usable address + node.index.',
          default: DEFAULT_ROUTER_ID_CIDR,
        }),
        mtu: int(1280, 65535, { description: 'Underlay MTU; VXLANs and veth legs get mtu - 50.' }),
        neighbors: arr(neighbor, { description: 'Underlay BGP neighbors (ToRs).', default: [] }),
      },
      {
        description: 'The underlay: NICs, addresses, BGP to the ToRs.',
        required: ['asn', 'vtepCIDR'],
        exactlyOne: [['nic', 'nics']],
      },
    ),
    l3vnis: arr(l3vni, { description: 'L3VNIs (VRFs).', default: [] }),
    l2vnis: arr(l2vni, { description: 'L2VNIs (stretched segments).', default: [] }),
    primary: obj(
      {
        l3vni: str({
          description: 'VRF whose host session carries the node IP.',
          pattern: '^[a-zA-Z][a-zA-Z0-9_-]*$',
          patternHint: 'must be a VRF name',
          maxLength: 15,
        }),
        l2vni: vni('L2VNI whose hostAddress is the node IP (gateway = its first gatewayIP of that family).'),
        defaultRoute: bool({
          description: 'Install the default route via the router.',
          default: DEFAULT_PRIMARY_DEFAULT_ROUTE,
        }),
      },
      {
        description: "The node's primary (day-0) interface is an EVPN leg.",
        exactlyOne: [['l3vni', 'l2vni']],
      },
    ),
    frr: obj(
      {
        logLevel: oneOf(
          ['emergencies', 'alerts', 'critical', 'errors', 'warnings', 'notifications', 'informational', 'debugging'],
          { description: 'FRR log level.', default: DEFAULT_FRR_LOG_LEVEL },
        ),
        rawConfig: str({ text: true, description: 'Appended verbatim to frr.conf (advanced).' }),
      },
      { description: 'FRR settings.' },
    ),
    readiness: obj(
      {
        underlayEstablished: bool({
          description: 'READY only once a BGP session with a ToR is Established.',
          default: DEFAULT_READINESS.underlayEstablished,
        }),
        timeoutSeconds: int(1, 86400, {
          description: 'Give up waiting after this long.',
          default: DEFAULT_READINESS.timeoutSeconds,
        }),
      },
      { description: 'When the node network counts as ready (systemd READY=1).' },
    ),
    metrics: obj(
      {
        textfileDir: str({
          format: 'absPath',
          description:
            "Write evpn-node.prom here (atomically, each pass and at least every 30 s) for node_exporter's textfile collector.",
        }),
        listen: str({
          format: 'listenAddress',
          description: 'Serve GET /metrics on this address, e.g. "127.0.0.1:9479" or "[::1]:9479".',
        }),
      },
      { description: 'Prometheus metrics (evpn_node_*): a textfile for node_exporter and/or an HTTP endpoint.' },
    ),
    runtime: obj(
      {
        netns: str({
          description: 'Named netns (/run/netns/<name>) the router pod joins.',
          pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]*$',
          patternHint: 'must be a name of [a-zA-Z0-9._-]',
          maxLength: 64,
          default: DEFAULT_RUNTIME.netns,
        }),
        pidFile: path('Pidfile of the FRR container.', DEFAULT_RUNTIME.pidFile),
        frrConfigDir: path('FRR config dir (frr.conf, daemons, vtysh.conf).', DEFAULT_RUNTIME.frrConfigDir),
        reloaderSocket: path('Reloader unix socket.', DEFAULT_RUNTIME.reloaderSocket),
        stateDir: path('Persistent state (last-good.yaml).', DEFAULT_RUNTIME.stateDir),
        runDir: path('Volatile state (status.json, kubelet.env).', DEFAULT_RUNTIME.runDir),
      },
      { description: 'Path and name overrides.' },
    ),
  },
  { description: 'evpn-node configuration (/etc/evpn-node/config.yaml).', required: ['node', 'underlay'] },
);
