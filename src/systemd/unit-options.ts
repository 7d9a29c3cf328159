// The choices of `evpn-node units --prefix/--kubelet`, apart from units.ts so that the CLI can
// offer them without loading the templates (Handlebars) on every start.

/** Where the files go: /etc for a node set up by hand, /usr (vendor paths) for an OS image. */
export const PREFIXES = ['/etc', '/usr'] as const;
export type Prefix = (typeof PREFIXES)[number];

/**
 * How kubelet gets the node IP (kubelet.env's NODE_IP) and waits for evpn-node. systemd never
 * expands ${VAR} inside an EnvironmentFile's values, only in Exec*= lines, so each layout puts
 * the IP where that layout's kubelet reads it:
 *  - env:       only the ordering and EnvironmentFile= (a kubelet unit of your own that uses
 *               ${NODE_IP} in its ExecStart);
 *  - kubeadm:   a drop-in after 10-kubeadm.conf whose ExecStart is kubeadm's with
 *               --node-ip=${NODE_IP} appended (systemd expands it there);
 *  - openshift: OpenShift/RHCOS's kubelet runs --node-ip=${KUBELET_NODE_IP}: kubelet.env sets it,
 *               and EnvironmentFile= wins over nodeip-configuration's Environment=;
 *  - k3s, rke2: node-ip in a config.yaml.d/ drop-in, written from kubelet.env right before the
 *               k3s/RKE2 service starts.
 */
export const KUBELET_LAYOUTS = ['env', 'kubeadm', 'openshift', 'k3s', 'rke2'] as const;
export type KubeletLayout = (typeof KUBELET_LAYOUTS)[number];
