import { dynamoItemSize, type TableItem } from '../../lambda/core/items';
import { LIMITS } from '../../lambda/core/limits';
import { processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { chunks, ec2Call, keyPush, logFile, type Rec } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

/**
 * Records at the edges of what CloudTrail delivers, and text written by an attacker: items stay
 * bounded in number and size, and nothing in a record changes what the pipeline does.
 */

const NOW = Date.UTC(2026, 10, 24);

async function ingest(records: Rec[]): Promise<{ store: MemoryStore; items: TableItem[] }> {
  const store = new MemoryStore();
  const stats = await processLogFile(
    chunks(logFile(records)),
    { source: 's3://b/k', settings: DEFAULT_SETTINGS, now: () => NOW },
    store,
  );
  expect(stats.status).toBe('indexed');
  return { store, items: [...store.items.values()] };
}

function runInstances(count: number): Rec {
  const items = Array.from({ length: count }, (_, k) => ({
    instanceId: `i-${k.toString(16).padStart(17, '0')}`,
    imageId: 'ami-0123456789abcdef0',
    instanceState: { code: 0, name: 'pending' },
    privateDnsName: `ip-10-0-${k >> 8}-${k & 255}.ec2.internal`,
    blockDeviceMapping: {},
    networkInterfaceSet: { items: [{ groupSet: { items: [{ groupId: 'sg-0123456789abcdef0' }] } }] },
  }));
  return ec2Call('RunInstances', {
    requestParameters: {
      instancesSet: { items: [{ imageId: 'ami-0123456789abcdef0', minCount: count, maxCount: count }] },
    },
    responseElements: { reservationId: 'r-0123456789abcdef0', instancesSet: { items } },
  });
}

function instanceItemsTruncated(items: TableItem[]): boolean {
  return items.some((i) => i.idsTruncated === true);
}

function expectBounded(items: TableItem[]): void {
  for (const item of items) {
    const max = item.kind === 'event' ? LIMITS.eventItemBytes : LIMITS.indexItemBytes;
    expect(dynamoItemSize(item)).toBeLessThanOrEqual(max);
  }
}

describe('hostile and extreme records', () => {
  it('a RunInstances of 1,000 instances: one index item per instance, each small, the event item under its bound', async () => {
    const { items, store } = await ingest([runInstances(1000)]);
    const byKind = (kind: string): TableItem[] => items.filter((i) => i.kind === kind);
    expect(byKind('event')).toHaveLength(1);
    expect(byKind('instance')).toHaveLength(1000);
    expect(byKind('resource')).toHaveLength(2); // the image and the security group
    expect(instanceItemsTruncated(items)).toBe(false);
    expect(items.length).toBeLessThanOrEqual(
      1 + LIMITS.instanceIdsPerEvent + LIMITS.resourceIdsPerEvent + LIMITS.userKeys,
    );
    expectBounded(items);
    const instanceItem = byKind('instance')[0] as TableItem;
    expect(instanceItem.instanceIds).toHaveLength(LIMITS.idsPerIndexItem);
    expect(instanceItem.instanceCount).toBe(1000);
    expect(store.events()[0]?.instanceIds).toHaveLength(1000);
  });

  it('a RunInstances of 5,000 instances: instance IDs capped at 1,000, marked truncated', async () => {
    const { items, store } = await ingest([runInstances(5000)]);
    expect(items.length).toBeLessThanOrEqual(
      1 + LIMITS.instanceIdsPerEvent + LIMITS.resourceIdsPerEvent + LIMITS.userKeys,
    );
    expectBounded(items);
    const [event] = store.events();
    expect(event?.instanceIds.length).toBeLessThanOrEqual(LIMITS.instanceIdsPerEvent);
    expect(event?.idsTruncated).toBe(true);
  });

  it("records at CloudTrail's 256 KB event size limit: indexed, every item within its bound", async () => {
    const fill = (n: number): string => 'A'.repeat(n);
    const records = [
      ec2Call('ModifyInstanceAttribute', {
        requestParameters: {
          instanceId: 'i-0123456789abcdef0',
          userData: { value: fill(250 * 1024) },
        },
        userAgent: fill(2048),
      }),
      ec2Call('RunInstances', {
        errorCode: 'Client.InvalidParameterValue',
        errorMessage: `${fill(200 * 1024)} i-0fedcba9876543210`,
        sourceIPAddress: fill(40 * 1024),
      }),
      keyPush({}, { sSHPublicKey: `ssh-rsa ${fill(250 * 1024)} x`, instanceOSUser: fill(4096) }),
    ];
    for (const r of records) expect(JSON.stringify(r).length).toBeGreaterThan(240 * 1024);
    const { items, store } = await ingest(records);
    expectBounded(items);
    expect(store.events()).toHaveLength(3);
    const push = store.events().find((e) => e.eventName === 'SendSSHPublicKey');
    expect(push?.ssh?.fingerprint).toMatch(/^INVALID:/);
    expect(push?.ssh?.osUser?.length).toBeLessThanOrEqual(LIMITS.osUser);
  });

  it('text that looks like expressions, keys or markup is stored verbatim and changes no key', async () => {
    const text = `:now) OR attribute_exists(#pk) \${process.exit()} {{7*7}} '; DROP TABLE x; -- #ttl`;
    const { items, store } = await ingest([
      ec2Call('StopInstances', {
        userAgent: text,
        requestParameters: { instancesSet: { items: [{ instanceId: 'i-0123456789abcdef0' }] }, note: text },
        userIdentity: { type: 'IAMUser', userName: text, arn: `arn:aws:iam::111122223333:user/${text}` },
      }),
    ]);
    const [event] = store.events();
    expect(event?.userAgent).toBe(text);
    expect(event?.principal.userName).toBe(text);
    // keys are built from the eventID, IDs matched by pattern, lower-cased names and canonical
    // addresses: the text only ever appears inside a USER# key, where it is data
    for (const item of items)
      expect(String(item.pk)).toMatch(/^(EVENT#|INSTANCE#i-|USER#(arn|name):|IP#[0-9.]+$)/);
  });

  it('__proto__, constructor and prototype keys anywhere in a record change nothing', async () => {
    const raw = JSON.stringify({
      Records: [
        ec2Call('StopInstances', {
          requestParameters: { instancesSet: { items: [{ instanceId: 'i-0123456789abcdef0' }] } },
        }),
      ],
    }).replace(
      '"eventVersion"',
      '"__proto__":{"readOnly":true,"eventSource":"s3.amazonaws.com"},"constructor":{"prototype":{"isAdmin":true}},"userIdentity":{"__proto__":{"type":"Root"}},"eventVersion"',
    );
    const store = new MemoryStore();
    await processLogFile(chunks(Buffer.from(raw)), { source: 's3://b/k', settings: DEFAULT_SETTINGS }, store);
    const [event] = store.events();
    expect(event?.eventSource).toBe('ec2.amazonaws.com');
    expect(event?.principal.type).toBe('IAMUser');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('readOnly');
  });
});
