// misclassifiedL3Vnis against `show evpn vni json` as FRR 10.3 printed it in the lab VM: once
// healthy, and once after a router pod restart raced zebra (VNI 100 learned as L2).
import { describe, expect, test } from 'vitest';
import { misclassifiedL3Vnis } from '../../../src/frr/vni-check.js';

const HEALTHY = {
  '100': { vni: 100, vxlanIf: 'vni100', numMacs: 1, numArpNd: 1, numRemoteVteps: 'n/a', type: 'L3', tenantVrf: 'red' },
  '110': { vni: 110, type: 'L2', vxlanIf: 'vni110', numMacs: 0, numArpNd: 0, numRemoteVteps: 0, tenantVrf: 'red' },
};
const RACED = {
  '100': { vni: 100, type: 'L2', vxlanIf: 'vni100', numMacs: 0, numArpNd: 0, numRemoteVteps: 1, tenantVrf: 'red' },
};
const RED = [{ vrf: 'red', vni: 100 }];

describe('misclassifiedL3Vnis', () => {
  test('an L3VNI that FRR runs as L3 is fine, and L2VNIs are not its business', () => {
    expect(misclassifiedL3Vnis(RED, HEALTHY)).toEqual([]);
  });

  test('an L3VNI that FRR runs as L2 is reported with the VRF and what to do', () => {
    const [found, ...rest] = misclassifiedL3Vnis(RED, RACED);
    expect(rest).toEqual([]);
    expect(found).toMatchObject({ vrf: 'red', vni: 100, seenAs: 'L2' });
    const problem = found?.message;
    expect(problem).toMatch(/^FRR runs VNI 100 as an L2 VNI, but frr\.conf makes it the L3VNI of VRF red/);
    expect(problem).toContain('systemctl restart evpn-node-frr.service');
  });

  test('a VNI zebra has not listed yet is not a finding (it learns devices asynchronously)', () => {
    expect(misclassifiedL3Vnis([{ vrf: 'blue', vni: 200 }], HEALTHY)).toEqual([]);
    expect(misclassifiedL3Vnis(RED, {})).toEqual([]);
  });

  test('an answer that is not an object is not a finding', () => {
    expect(misclassifiedL3Vnis(RED, null)).toEqual([]);
    expect(misclassifiedL3Vnis(RED, 'oops')).toEqual([]);
  });
});
