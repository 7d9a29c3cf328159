// The systemd units `status` asks about. The one list to change when `evpn-node units` renames
// what it generates (plain units: router pod + its containers, controller; kubelet is ours to
// order before, so its state matters too).
export const STATUS_UNITS: readonly string[] = [
  'evpn-node.target',
  'evpn-node-router-pod.service',
  'evpn-node-frr.service',
  'evpn-node-reloader.service',
  'evpn-node-controller.service',
  'kubelet.service',
];
