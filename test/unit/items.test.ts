import { extractEvent } from '../../lambda/core/event';
import {
  buildItems,
  dynamoItemSize,
  EVENT_SK,
  expiresAtFor,
  indexPartitions,
  itemToEvent,
  sortKeyRange,
} from '../../lambda/core/items';
import { LIMITS, truncationMarker } from '../../lambda/core/limits';
import { TABLE_SCHEMA } from '../../lambda/core/table-schema';
import { ec2Call, keyPush } from '../helpers/records';

function itemsOf(record: Record<string, unknown>, expiresAt?: number) {
  const x = extractEvent(record, JSON.stringify(record), 's3://logs/AWSLogs/x.json.gz');
  if (!x.ok) throw new Error(x.reason);
  return buildItems(x.event, x.timeMs, expiresAt === undefined ? {} : { expiresAt });
}

describe('index items', () => {
  it('writes one event item and one index item per instance, resource, user key, SSH key and source IP', () => {
    const record = keyPush({ eventTime: '2025-03-01T10:00:00Z' });
    const items = itemsOf(record);
    const id = record.eventID as string;
    expect(items[0]).toMatchObject({
      pk: `EVENT#${id}`,
      sk: EVENT_SK,
      kind: 'event',
      source: 's3://logs/AWSLogs/x.json.gz',
    });
    expect(items.slice(1).map((i) => i.pk)).toEqual([
      'INSTANCE#i-0123456789abcdef0',
      'USER#arn:arn:aws:iam::111122223333:user/alice',
      'USER#name:alice',
      'USER#akid:akiaexamplealice0001',
      'KEY#SHA256:0DSmEaqM4EblXprHI0ZbaIRSROz+Ww7FGC0zUzRwIq4',
      'IP#198.51.100.7',
      'HISTORY#ec2-instance-credentials-elsewhere#ip:198.51.100.7',
    ]);
    for (const item of items.slice(1)) expect(item.sk).toBe(`2025-03-01T10:00:00.000Z#${id}`);
    expect(indexPartitions(itemToEvent(items[0] as Record<string, unknown>)).map((p) => p.pk)).toEqual(
      items.slice(1).map((i) => i.pk),
    );
  });

  it('derives every key from eventID and eventTime only, so a second write replaces the first', () => {
    const record = ec2Call('StopInstances', {
      requestParameters: { instancesSet: { items: [{ instanceId: 'i-0123456789abcdef0' }] } },
    });
    const keysOf = (r: Record<string, unknown>) => itemsOf(r).map((i) => `${i.pk}|${i.sk}`);
    // (the source address is a partition, `IP#`: another spelling of the same address keeps the keys)
    expect(keysOf({ ...record, userAgent: 'other', sourceIPAddress: '198.051.100.007' })).toEqual(
      keysOf(record),
    );
  });

  it('carries the TTL attribute from the retention setting, and none when kept forever', () => {
    const now = Date.UTC(2026, 0, 1);
    const ttl = expiresAtFor(now, 365);
    expect(ttl).toBe(now / 1000 + 365 * 86_400);
    for (const item of itemsOf(keyPush(), ttl)) expect(item[TABLE_SCHEMA.timeToLiveAttribute]).toBe(ttl);
    expect(expiresAtFor(now, 0)).toBeUndefined();
    for (const item of itemsOf(keyPush())) expect(item).not.toHaveProperty(TABLE_SCHEMA.timeToLiveAttribute);
  });

  it('keeps a typical item around 1 KB or less', () => {
    for (const item of itemsOf(keyPush())) expect(dynamoItemSize(item)).toBeLessThanOrEqual(1024);
  });

  it('truncates long fields with a visible marker', () => {
    const items = itemsOf(
      ec2Call('StopInstances', {
        userAgent: 'A'.repeat(300_000),
        errorMessage: 'x'.repeat(5000),
        errorCode: 'Boom',
      }),
    );
    const event = itemToEvent(items[0] as Record<string, unknown>);
    expect(event.userAgent).toHaveLength(LIMITS.userAgent);
    expect(event.userAgent).toMatch(/…\[truncated \d+ chars\]$/);
    expect(
      event.userAgent?.endsWith(
        truncationMarker(300_000 - (LIMITS.userAgent - truncationMarker(300_000).length)),
      ),
    ).toBe(true);
    expect(event.errorMessage).toHaveLength(LIMITS.errorMessage);
    for (const item of items) expect(dynamoItemSize(item)).toBeLessThan(4 * 1024);
  });

  it('copies at most 20 IDs into each index item (with the count) while the event item keeps them all', () => {
    const items50 = Array.from({ length: 50 }, (_, i) => ({
      instanceId: `i-${i.toString(16).padStart(17, '0')}`,
    }));
    const items = itemsOf(
      ec2Call('RunInstances', { responseElements: { instancesSet: { items: items50 } } }),
    );
    expect(items[0]?.instanceIds).toHaveLength(50);
    const index = items.filter((i) => i.kind === 'instance');
    expect(index).toHaveLength(50);
    expect(index[0]?.instanceIds).toHaveLength(LIMITS.idsPerIndexItem);
    expect(index[0]?.instanceCount).toBe(50);
    expect(itemToEvent(index[0] as Record<string, unknown>)).toMatchObject({ instanceCount: 50 });
  });

  it('orders sort keys by time and bounds time ranges inclusively', () => {
    const r = sortKeyRange(Date.UTC(2025, 2, 1, 10), Date.UTC(2025, 2, 1, 11));
    const inside = '2025-03-01T10:30:00.000Z#id';
    expect(r.from <= inside && inside <= r.to).toBe(true);
    expect(r.from <= '2025-03-01T10:00:00.000Z#a').toBe(true);
    expect('2025-03-01T11:00:00.000Z#zzzz' <= r.to).toBe(true);
    expect('2025-03-01T11:00:00.001Z#a' <= r.to).toBe(false);
    const open = sortKeyRange(undefined, undefined);
    expect(open.from <= '1970-01-01T00:00:00.000Z#a' && '2999-12-31T00:00:00.000Z#a' <= open.to).toBe(true);
  });
});
