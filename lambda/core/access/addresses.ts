import { field, isObject, text } from '../json';
import { LIMITS } from '../limits';
import { isInstanceId, isResourceId } from '../resource-ids';
import type { PrivateAddress } from './types';

/**
 * The private IP addresses a successful call gave to instances and network interfaces, as
 * `[resource ID, address]` pairs (IDs in lower case, addresses canonical), bounded by
 * `LIMITS.privateAddressesPerEvent`. They let `trailwatch access` match an `OpenTunnel`, which names
 * only a private address, to the instance that had it.
 *
 * - `RunInstances`: each started instance with its `privateIpAddress` and every address of its network
 *   interfaces (so the instance is found by any of them), and each interface with its own addresses;
 * - `CreateNetworkInterface`: the new interface (`responseElements.networkInterface`) and its addresses;
 * - `AssignPrivateIpAddresses`: the interface of the request and the addresses it names or was given.
 */

type Collector = (request: unknown, response: unknown, add: (id: unknown, address: unknown) => void) => void;

const COLLECTORS: Readonly<Record<string, Collector>> = {
  RunInstances: (_request, response, add) => {
    for (const instance of setItems(field(response, 'instancesSet'))) {
      const instanceId = field(instance, 'instanceId');
      add(instanceId, field(instance, 'privateIpAddress'));
      for (const eni of setItems(field(instance, 'networkInterfaceSet'))) {
        const eniId = field(eni, 'networkInterfaceId');
        for (const address of interfaceAddresses(eni)) {
          add(instanceId, address);
          add(eniId, address);
        }
      }
    }
  },
  CreateNetworkInterface: (_request, response, add) => {
    const eni = field(response, 'networkInterface');
    const eniId = field(eni, 'networkInterfaceId');
    for (const address of interfaceAddresses(eni)) add(eniId, address);
  },
  AssignPrivateIpAddresses: (request, response, add) => {
    const eniId = field(request, 'networkInterfaceId') ?? field(response, 'networkInterfaceId');
    for (const address of addressesUnder(field(request, 'privateIpAddressesSet'))) add(eniId, address);
    for (const address of addressesUnder(response)) add(eniId, address);
  },
};

/** The elements of an EC2 set: `{items: […]}` (and `{item: […]}`, which responses also write). */
function setItems(set: unknown): unknown[] {
  const items = field(set, 'items') ?? field(set, 'item');
  return Array.isArray(items) ? items : [];
}

/** An interface's primary address and those of its `privateIpAddressesSet`. */
function interfaceAddresses(eni: unknown): unknown[] {
  const all = [field(eni, 'privateIpAddress')];
  for (const item of setItems(field(eni, 'privateIpAddressesSet'))) all.push(field(item, 'privateIpAddress'));
  return all;
}

/** Every `privateIpAddress` value under `value`, a few levels down (shapes of responses vary). */
function addressesUnder(value: unknown, depth = 0): unknown[] {
  if (depth > 4) return [];
  if (Array.isArray(value)) return value.slice(0, 256).flatMap((v) => addressesUnder(v, depth + 1));
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'privateIpAddress' ? [v] : isObject(v) || Array.isArray(v) ? addressesUnder(v, depth + 1) : [],
  );
}

/**
 * The private addresses of a successful call of `eventName` (undefined when it gave none). The caller
 * checks the event is an EC2 one and did not fail.
 */
export function extractPrivateAddresses(eventName: string, record: unknown): PrivateAddress[] | undefined {
  const collect = Object.hasOwn(COLLECTORS, eventName) ? COLLECTORS[eventName] : undefined;
  if (!collect) return undefined;
  const out: PrivateAddress[] = [];
  const seen = new Set<string>();
  collect(field(record, 'requestParameters'), field(record, 'responseElements'), (id, address) => {
    if (out.length >= LIMITS.privateAddressesPerEvent || typeof id !== 'string') return;
    if (!isInstanceId(id) && !(isResourceId(id) && /^eni-/i.test(id))) return;
    const ip = canonicalIp(address);
    if (ip === undefined) return;
    const resourceId = id.toLowerCase();
    const key = `${resourceId} ${ip}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push([resourceId, ip]);
  });
  return out.length > 0 ? out : undefined;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * An IP address in one spelling: IPv4 without leading zeros in its octets (the anonymised corpus
 * writes `035.249.253.232`), IPv6 in lower case; undefined for anything else.
 */
export function canonicalIp(value: unknown): string | undefined {
  const s = typeof value === 'string' ? value.trim() : undefined;
  if (!s) return undefined;
  const v4 = IPV4.exec(s);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    return octets.every((o) => o <= 255) ? octets.join('.') : undefined;
  }
  return s.includes(':') && IPV6.test(s) ? s.toLowerCase() : undefined;
}

/** `text` for a field that is an IP address: canonical, or undefined. */
export function ipField(obj: unknown, key: string): string | undefined {
  return canonicalIp(text(obj, key));
}
