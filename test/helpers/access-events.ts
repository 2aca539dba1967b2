import type { IndexedEvent } from '../../lambda/core/event';
import type { Principal } from '../../lambda/core/identity';
import { canonicalAddress } from '../../lambda/core/ip';
import { buildItems, keys, type TableItem } from '../../lambda/core/items';
import { parseTime } from '../../lambda/core/time';

/**
 * Indexed events of instance access (what extraction makes of SSM, Instance Connect, launch and
 * instance-credential records), built directly, and their table items.
 */

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const INSTANCE = 'i-0123456789abcdef0';

export const alice: Principal = {
  type: 'IAMUser',
  arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  accountId: ACCOUNT,
  userName: 'alice',
  accessKeyId: 'AKIAEXAMPLEALICE0001',
};

export const bob: Principal = {
  type: 'IAMUser',
  arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
  accountId: ACCOUNT,
  userName: 'bob',
  accessKeyId: 'AKIAEXAMPLEBOB000001',
};

/** The instance's own role credentials (an assumed-role session named after the instance). */
export function instanceSession(instanceId = INSTANCE, accessKeyId = 'ASIAEXAMPLEINSTANCE1'): Principal {
  return {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app-role/${instanceId}`,
    accountId: ACCOUNT,
    accessKeyId,
    sessionIssuerArn: `arn:aws:iam::${ACCOUNT}:role/app-role`,
    roleName: 'app-role',
    sessionName: instanceId,
  };
}

let counter = 0;

/** An event at `time` (ISO), in ACCOUNT and REGION, by alice from 198.51.100.7 unless overridden. */
export function accessEvent(eventName: string, time: string, over: Partial<IndexedEvent> = {}): IndexedEvent {
  counter++;
  return {
    eventID: `${eventName.toLowerCase()}-${String(counter).padStart(4, '0')}`,
    eventTime: time,
    eventSource: 'ec2.amazonaws.com',
    eventName,
    awsRegion: REGION,
    accountId: ACCOUNT,
    readOnly: false,
    instanceIds: [],
    resourceIds: [],
    principal: alice,
    sourceIPAddress: '198.51.100.7',
    findings: [],
    ...over,
  };
}

/** `RunInstances` that started `instanceId` with `address` (and its network interface `eni`). */
export function launch(
  time: string,
  instanceId: string,
  address: string,
  over: Partial<IndexedEvent> = {},
  eni?: string,
): IndexedEvent {
  return accessEvent('RunInstances', time, {
    instanceIds: [instanceId],
    resourceIds: ['ami-0123456789abcdef0', ...(eni ? [eni] : [])],
    privateAddresses: [[instanceId, address], ...(eni ? [[eni, address] as const] : [])],
    ...over,
  });
}

/** `OpenTunnel` through an Instance Connect Endpoint to `address`. */
export function tunnel(time: string, address: string, over: Partial<IndexedEvent> = {}): IndexedEvent {
  return accessEvent('OpenTunnel', time, {
    eventSource: 'ec2-instance-connect.amazonaws.com',
    resourceIds: [],
    access: {
      method: 'instance-connect-endpoint',
      detail: `tunnel to ${address}:22 via eice-0123456789abcdef0`,
      privateIpAddress: address,
      remotePort: '22',
    },
    ...over,
  });
}

/** A call made with an instance's own credentials. */
export function instanceCall(
  time: string,
  ip: string,
  over: Partial<IndexedEvent> = {},
  instanceId = INSTANCE,
): IndexedEvent {
  return accessEvent('GetCallerIdentity', time, {
    eventSource: 'sts.amazonaws.com',
    readOnly: true,
    principal: instanceSession(instanceId),
    actorInstanceId: instanceId,
    sourceIPAddress: ip,
    ...over,
  });
}

/**
 * The items of an event: `buildItems`, plus index items in the partitions `trailwatch access` reads
 * (`SESSION#`, `PRIVATEIP#`, `ACTOR#`, `IP#`) where `buildItems` does not write them yet (the indexes
 * that do are another part of the issue; once they are registered this adds nothing).
 */
export function accessItems(event: IndexedEvent): TableItem[] {
  const timeMs = parseTime(event.eventTime) ?? 0;
  const items = buildItems(event, timeMs);
  const template = items[1];
  if (!template) throw new Error(`event ${event.eventID} has no index item to copy`);
  const wanted = new Map<string, string>();
  if (event.sessionId) wanted.set(keys.session(event.sessionId), 'session');
  const addresses = [event.access?.privateIpAddress, ...(event.privateAddresses ?? []).map(([, a]) => a)];
  for (const a of addresses) if (a) wanted.set(keys.privateIp(a), 'privateip');
  if (event.actorInstanceId) wanted.set(keys.actor(event.actorInstanceId), 'actor');
  if (canonicalAddress(event.sourceIPAddress)) wanted.set(keys.ip(event.sourceIPAddress as string), 'ip');
  const have = new Set(items.map((i) => i.pk));
  for (const [pk, kind] of wanted) {
    if (!have.has(pk)) items.push({ ...template, pk, kind: kind as TableItem['kind'] });
  }
  return items;
}
