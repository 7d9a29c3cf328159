// What an underlay NIC carries between the host and the router netns: its snapshot, a shape
// the kernel planner reads (kernel/nic-snapshot.ts builds and compares them) and reconcile stores
// (<stateDir>/underlay/<nic>.json).

export interface SnapshotAddr {
  /** address/prefixlen as ip printed it. */
  cidr: string;
  family: 4 | 6;
  /** IPv4 label when it is "nic:something". */
  label?: string;
}

/** A route as `ip route add` takes it (kernel/ops.ts RouteSpec), with its family. */
export interface SnapshotRoute {
  family: 4 | 6;
  dst: string;
  gateway?: string;
  dev?: string;
  table?: number;
  protocol?: number;
  metric?: number;
  prefsrc?: string;
  onlink?: boolean;
}

export interface NicSnapshot {
  nic: string;
  addrs: SnapshotAddr[];
  routes: SnapshotRoute[];
}
