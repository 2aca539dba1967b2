import { Readable } from 'node:stream';
import { isAgentCall as isRoutineAgentCall } from '../../lambda/core/access/agent-calls';
import { extractEvent } from '../../lambda/core/event';
import { extractPrincipal, instanceOfSession } from '../../lambda/core/identity';
import { dynamoItemSize, type TableItem } from '../../lambda/core/items';
import { processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { deliveryFiles, generateAgentChatter } from '../bench/generate-agent-chatter';
import { indexChatter, measureAgentChatter } from '../bench/measure-agent-chatter';
import { ORIGINAL_INDEX_KINDS, writeUnits } from '../bench/write-units';
import { MemoryStore } from '../helpers/writer';

const DAY = Date.UTC(2025, 2, 1);
// every kind of call: ec2messages polls (fewer than the real every 20 s, to stay quick), control
// channels and S3 objects (data events) included
const EVERY_KIND = { legacyPollingShare: 0.5, pollSeconds: 600, dataEvents: true } as const;
const records = generateAgentChatter({ instances: 3, seed: 7, ...EVERY_KIND });

describe('agent chatter generator', () => {
  it('writes CloudTrail records the pipeline reads without rejecting one', async () => {
    const store = new MemoryStore();
    let read = 0;
    for (const file of deliveryFiles(records)) {
      const stats = await processLogFile(
        Readable.from([file.body]),
        { source: file.key, settings: DEFAULT_SETTINGS, preselect: false },
        store,
      );
      expect(stats.status).not.toBe('failed');
      expect(stats.rejected).toBe(0);
      read += stats.records;
    }
    expect(read).toBe(records.length);
  });

  it('makes every call with an instance role session named after the instance, as EC2 delivers it', () => {
    const ids = new Set<string>();
    for (const record of records) {
      const extraction = extractEvent(record, JSON.stringify(record));
      expect(extraction.ok).toBe(true);
      const principal = extractPrincipal(record.userIdentity);
      const instance = instanceOfSession(principal);
      expect(instance).toMatch(/^i-[0-9a-f]{17}$/);
      expect(principal.sessionName).toBe(instance);
      expect(record.userIdentity).toMatchObject({ sessionContext: { ec2RoleDelivery: '2.0' } });
      expect(typeof record.readOnly).toBe('boolean');
      const time = Date.parse(String(record.eventTime));
      expect(time >= DAY && time < DAY + 86_400_000).toBe(true);
      ids.add(String(record.eventID));
    }
    expect(ids.size).toBe(records.length);
  });

  it('pings every 5 minutes and polls associations every 10 minutes, per instance', () => {
    // the last call of the day can fall after midnight, by its jitter
    const perInstance = (name: string): number => records.filter((r) => r.eventName === name).length / 3;
    expect(Math.abs(perInstance('UpdateInstanceInformation') - 288)).toBeLessThanOrEqual(1);
    expect(Math.abs(perInstance('ListInstanceAssociations') - 144)).toBeLessThanOrEqual(1);
  });

  it('generates the same fleet for a seed whatever the trail logs', () => {
    const fleet = (dataEvents: boolean): string[] =>
      [
        ...new Set(
          generateAgentChatter({ instances: 3, seed: 7, dataEvents }).map(
            (r) => instanceOfSession(extractPrincipal(r.userIdentity)) ?? '',
          ),
        ),
      ].sort();
    expect(fleet(true)).toEqual(fleet(false));
  });
});

describe('agent chatter measurement', () => {
  it('"before" indexes every call made with instance credentials', async () => {
    const before = await indexChatter(records, { keepAllInstanceCalls: true });
    expect(before.events).toBe(records.length);
  });

  it('"after" (the pipeline) keeps none of the routine agent calls', async () => {
    const m = await measureAgentChatter({ instances: 2, seed: 3, ...EVERY_KIND });
    expect(m.routinePerInstanceDay).toBeGreaterThan(700);
    expect(m.routineKept).toBe(0);
  });

  it('costs strictly fewer write units "after" than "before"', async () => {
    const m = await measureAgentChatter({ instances: 4, seed: 3, pollSeconds: 600 });
    expect(m.before.writeUnitsPerInstanceDay).toBeGreaterThan(0);
    expect(m.after.writeUnitsPerInstanceDay).toBeLessThan(m.before.writeUnitsPerInstanceDay);
  });

  it('counts one write unit per started KB, and with kinds only those indexes', () => {
    const item = (kind: TableItem['kind'], bytes: number): TableItem => {
      const bare = { pk: 'p', sk: 's', kind, pad: '' };
      return { ...bare, pad: 'x'.repeat(bytes - dynamoItemSize(bare)) };
    };
    const items = [item('event', 600), item('instance', 1500), item('user', 1024), item('user', 1025)];
    expect(items.map((i) => dynamoItemSize(i))).toEqual([600, 1500, 1024, 1025]);
    expect(writeUnits(items)).toBe(1 + 2 + 1 + 2);
    expect(writeUnits(items, new Set(['instance']))).toBe(1 + 2);
    expect(writeUnits(items, ORIGINAL_INDEX_KINDS)).toBe(6);
  });

  it('labels routine agent calls by eventSource and eventName (the pending copy of the list)', () => {
    expect(isRoutineAgentCall('ssm.amazonaws.com', 'UpdateInstanceInformation')).toBe(true);
    expect(isRoutineAgentCall('ec2messages.amazonaws.com', 'GetMessages')).toBe(true);
    expect(isRoutineAgentCall('ec2.amazonaws.com', 'DescribeTags')).toBe(true);
    expect(isRoutineAgentCall('ec2.amazonaws.com', 'DescribeInstances')).toBe(false);
    expect(isRoutineAgentCall('sts.amazonaws.com', 'GetCallerIdentity')).toBe(false);
    expect(isRoutineAgentCall('ssm.amazonaws.com', 'StartSession')).toBe(false);
  });
});
