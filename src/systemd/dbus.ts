// Unit states from systemd over the system D-Bus (dbus-next), for `evpn-node status`.
// Read-only, bounded in time, and never an exception: "no bus" and "no systemd on the bus" are
// answers an operator must see plainly (containers, test machines), not stack traces.

import { access } from 'node:fs/promises';
import dbus from 'dbus-next';
import { messageOf } from '../errors.js';

/** Where systemd's D-Bus lives unless DBUS_SYSTEM_BUS_ADDRESS says otherwise. */
export const DEFAULT_SYSTEM_BUS_ADDRESS = 'unix:path=/run/dbus/system_bus_socket';

const SYSTEMD = 'org.freedesktop.systemd1';
const SYSTEMD_PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';
const UNIT = 'org.freedesktop.systemd1.Unit';
const PROPERTIES = 'org.freedesktop.DBus.Properties';

export interface UnitState {
  name: string;
  /** loaded, not-found, masked, error ... */
  loadState: string;
  /** active, inactive, failed, activating, deactivating, reloading */
  activeState: string;
  /** running, exited, dead, start-pre ... (unit-type specific) */
  subState: string;
  description: string;
}

export type UnitStates = { available: true; units: UnitState[] } | { available: false; reason: string };

export interface ReadUnitStatesOptions {
  /** A D-Bus address (`unix:path=...`); the CLI passes $DBUS_SYSTEM_BUS_ADDRESS or the default. */
  busAddress?: string;
  /** Budget for the whole exchange (default 2000 ms). */
  timeoutMs?: number;
}

/** State of each named unit, as `systemctl status` would show it; `available: false` says why not. */
export async function readUnitStates(names: readonly string[], opts: ReadUnitStatesOptions = {}): Promise<UnitStates> {
  const address = opts.busAddress ?? DEFAULT_SYSTEM_BUS_ADDRESS;
  const timeoutMs = opts.timeoutMs ?? 2000;
  // Connecting to a missing socket would only say ENOENT: check first and say what it means.
  const socketPath = unixSocketPath(address);
  if (socketPath !== undefined && !(await exists(socketPath))) {
    return { available: false, reason: `no system bus at ${socketPath} (not running under systemd?)` };
  }

  let bus: dbus.MessageBus;
  try {
    bus = dbus.sessionBus({ busAddress: address });
  } catch (e) {
    return { available: false, reason: `cannot connect to the system bus at ${address}: ${messageOf(e)}` };
  }
  let timer: NodeJS.Timeout | undefined;
  // dbus-next reports connection failures as 'error' events: without a listener they would crash us.
  const failed = new Promise<UnitStates>((resolve) => {
    bus.on('error', (e: Error) => resolve({ available: false, reason: `system bus at ${address}: ${e.message}` }));
    timer = setTimeout(
      () => resolve({ available: false, reason: `system bus at ${address}: no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([failed, queryUnits(bus, names, address)]);
  } finally {
    clearTimeout(timer);
    bus.disconnect();
  }
}

async function queryUnits(bus: dbus.MessageBus, names: readonly string[], address: string): Promise<UnitStates> {
  // Ask the bus first: on a bus without systemd, calling it would try service activation.
  const busObj = await bus.getProxyObject('org.freedesktop.DBus', '/org/freedesktop/DBus', BUS_XML);
  const hasSystemd = (await call(busObj.getInterface('org.freedesktop.DBus'), 'NameHasOwner', SYSTEMD)) as boolean;
  if (!hasSystemd)
    return {
      available: false,
      reason: `${SYSTEMD} is not on the system bus at ${address} (not running under systemd?)`,
    };

  const systemd = await bus.getProxyObject(SYSTEMD, SYSTEMD_PATH, MANAGER_XML);
  const manager = systemd.getInterface(MANAGER);
  const units: UnitState[] = [];
  for (const name of names) {
    // LoadUnit, not GetUnit: GetUnit fails for units systemd has not loaded, LoadUnit answers
    // with LoadState "not-found" — which is what an operator needs to see.
    const path = (await call(manager, 'LoadUnit', name)) as string;
    const unit = await bus.getProxyObject(SYSTEMD, path, PROPERTIES_XML);
    const all = (await call(unit.getInterface(PROPERTIES), 'GetAll', UNIT)) as Record<string, { value: unknown }>;
    const str = (k: string): string => {
      const v = all[k]?.value; // D-Bus type 's' for every property read here
      return typeof v === 'string' ? v : '';
    };
    units.push({
      name,
      loadState: str('LoadState'),
      activeState: str('ActiveState'),
      subState: str('SubState'),
      description: str('Description'),
    });
  }
  return { available: true, units };
}

/** dbus-next builds methods from the XML at run time: the types cannot know them. */
function call(iface: dbus.ClientInterface, method: string, ...args: unknown[]): Promise<unknown> {
  const fn = iface[method];
  if (typeof fn !== 'function') throw new Error(`D-Bus interface has no method ${method}`);
  return fn.apply(iface, args) as Promise<unknown>;
}

function unixSocketPath(address: string): string | undefined {
  // Only a single plain unix:path= address is checked up front; anything else goes to dbus-next.
  const m = /^unix:path=([^,;]+)$/.exec(address);
  return m?.[1];
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

// Interfaces given as XML: no introspection round trip, and the calls work even where
// introspection is restricted by bus policy.
const BUS_XML = `<node><interface name="org.freedesktop.DBus">
<method name="NameHasOwner"><arg direction="in" type="s"/><arg direction="out" type="b"/></method>
</interface></node>`;
const MANAGER_XML = `<node><interface name="${MANAGER}">
<method name="LoadUnit"><arg direction="in" type="s"/><arg direction="out" type="o"/></method>
</interface></node>`;
const PROPERTIES_XML = `<node><interface name="${PROPERTIES}">
<method name="GetAll"><arg direction="in" type="s"/><arg direction="out" type="a{sv}"/></method>
</interface></node>`;
