// The systemd units `status` asks about: what `evpn-node units` generates (its UNIT_NAMES, the
// one list of names), plus kubelet, which is ours to order before, so its state matters too.
import { UNIT_NAMES } from '../systemd/units.js';

export const STATUS_UNITS: readonly string[] = [
  UNIT_NAMES.target,
  UNIT_NAMES.routerPod,
  UNIT_NAMES.frr,
  UNIT_NAMES.reloader,
  UNIT_NAMES.controller,
  'kubelet.service',
];
