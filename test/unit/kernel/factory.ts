// Typed Config objects for kernel tests: short names over the shared test factory.

import type { Config } from '../../../src/config/types.js';
import { l2vni, l3vni, nodeConfig } from '../../helpers/config.js';
import { deriveNode } from '../../../src/config/derive.js';
import { desiredKernel } from '../../../src/kernel/desired.js';
import type { DesiredKernel } from '../../../src/model/desired.js';

export const l2 = l2vni;
export const l3 = l3vni;

/** A node config; `underlay` overrides merge into the underlay block. */
export const config = (over: Partial<Config> = {}, underlay: Partial<Config['underlay']> = {}): Config => {
  const { underlay: u, ...rest } = over;
  return nodeConfig({ ...rest, underlay: { ...u, ...underlay } });
};

export const desiredFor = (c: Config): DesiredKernel => desiredKernel(c, deriveNode(c));
