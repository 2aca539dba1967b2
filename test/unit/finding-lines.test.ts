import { readFindings } from '../../bin/cli/findings-reader';
import { extractEvent, type IndexedEvent } from '../../lambda/core/event';
import {
  FINDING_LINE_KEYS,
  findingItems,
  findingLineOf,
  findingOf,
  findingOnInstance,
  itemToFinding,
} from '../../lambda/core/findings';
import { LIMITS } from '../../lambda/core/limits';
import { defineRule, type Hit, PASS, RULES } from '../../lambda/core/rules';
import { ec2Call, keyPush } from '../helpers/records';

/** Finding items and finding lines (CONTRACT): severity and technique from the rule, every key present. */

const threat = defineRule({
  id: 'ec2-throwaway',
  title: 'a rule built in this test',
  firesWhen: 'never',
  falsePositives: 'none',
  severity: 'medium',
  attack: 'T1496',
  family: 'threat',
  appliesTo: () => false,
  stateful: false,
  evaluate: () => PASS,
});
const withThreat = [...RULES, threat];

function eventOf(record: Record<string, unknown>): IndexedEvent {
  const x = extractEvent(record, JSON.stringify(record));
  if (!x.ok) throw new Error(x.reason);
  return x.event;
}

const ids = Array.from({ length: 30 }, (_, k) => `i-${k.toString(16).padStart(17, '0')}`);
const launch = eventOf(
  ec2Call('RunInstances', {
    responseElements: { instancesSet: { items: ids.map((instanceId) => ({ instanceId })) } },
  }),
);
const push = eventOf(keyPush());

describe('a finding of a rule', () => {
  it('records the rule severity and ATT&CK technique, and the event instances when it names several (bounded)', () => {
    const f = findingOf(launch, { rule: threat.id, detail: 'p5.48xlarge' } as unknown as Hit, withThreat);
    expect(f).toMatchObject({
      rule: 'ec2-throwaway',
      severity: 'medium',
      attack: 'T1496',
      instanceId: ids[0],
    });
    expect(f.instanceIds).toEqual(ids.slice(0, LIMITS.idsPerIndexItem));
    expect(f).not.toHaveProperty('fingerprint');
    const ssh = findingOf(push, { rule: 'ssh-root-os-user', detail: 'root' });
    expect(ssh).toMatchObject({ severity: 'medium', attack: 'T1098.004', fingerprint: expect.any(String) });
    expect(ssh).not.toHaveProperty('instanceIds');
  });

  it('prints as a line with every CONTRACT key first, null where it does not apply', () => {
    const f = findingOf(
      eventOf(ec2Call('DisableEbsEncryptionByDefault')),
      {
        rule: threat.id,
        detail: 'off',
      } as unknown as Hit,
      withThreat,
    );
    const { byRule, marker } = findingItems(f, Date.parse(f.eventTime), 1_900_000_000);
    for (const item of [byRule, marker]) {
      const line = itemToFinding(item);
      expect(Object.keys(line).slice(0, FINDING_LINE_KEYS.length)).toEqual([...FINDING_LINE_KEYS]);
      expect(line).toMatchObject({
        rule: 'ec2-throwaway',
        severity: 'medium',
        attack: 'T1496',
        instanceId: null,
        fingerprint: null,
        detail: 'off',
        eventName: 'DisableEbsEncryptionByDefault',
      });
      for (const k of ['pk', 'sk', 'kind', 'expiresAt']) expect(line).not.toHaveProperty(k);
    }
  });

  it('takes the severity and technique of its rule when recorded without them, null when the rule is unknown', () => {
    expect(itemToFinding({ rule: 'ssh-weak-key', eventID: 'e', detail: 'DSA' })).toMatchObject({
      severity: 'low',
      attack: 'T1098.004',
      eventTime: null,
      instanceId: null,
      principalArn: null,
    });
    expect(findingLineOf({ rule: threat.id }, withThreat)).toMatchObject({
      severity: 'medium',
      attack: 'T1496',
    });
    expect(itemToFinding({ rule: threat.id })).toMatchObject({ severity: null, attack: null });
    // a stored value wins over the rule's (as recorded); a value that is no severity does not
    expect(itemToFinding({ rule: 'ssh-weak-key', severity: 'high' }).severity).toBe('high');
    expect(itemToFinding({ rule: 'ssh-weak-key', severity: 'urgent' }).severity).toBe('low');
  });

  it('is about an instance when it is its first or among the instances it names, whatever the case', () => {
    const line = itemToFinding(
      findingItems(findingOf(launch, { rule: 'ssh-weak-key', detail: '' }), 0).byRule,
    );
    expect(findingOnInstance(line, ids[0] as string)).toBe(true);
    expect(findingOnInstance(line, (ids[19] as string).toUpperCase())).toBe(true);
    expect(findingOnInstance(line, ids[25] as string)).toBe(false);
    expect(findingOnInstance(itemToFinding({ rule: 'x' }), ids[0] as string)).toBe(false);
  });
});

describe('reading findings from several partitions', () => {
  /** Partitions as DynamoDB pages them: newest first, at most `pageMax` items a page, whatever is asked. */
  const pager =
    (partitions: Record<string, Record<string, unknown>[]>, pageMax: number, calls: string[] = []) =>
    async (pk: string, options: { limit?: number; startKey?: Record<string, unknown> }) => {
      calls.push(pk);
      const items = [...(partitions[pk] ?? [])].sort((a, b) => String(b.sk).localeCompare(String(a.sk)));
      const from = options.startKey ? Number(options.startKey.at) : 0;
      const n = Math.min(pageMax, options.limit ?? pageMax);
      const page = items.slice(from, from + n);
      return { items: page, ...(from + n < items.length ? { nextKey: { at: from + n } } : {}) };
    };
  const item = (rule: string, second: number, eventID: string, extra: Record<string, unknown> = {}) => ({
    pk: `FINDINGS#${rule}`,
    sk: `2025-01-01T00:00:${String(second).padStart(2, '0')}.000Z#${eventID}`,
    rule,
    eventID,
    eventTime: `2025-01-01T00:00:${String(second).padStart(2, '0')}Z`,
    ...extra,
  });
  const a = [item('ssh-weak-key', 1, 'e1'), item('ssh-weak-key', 5, 'e5'), item('ssh-weak-key', 9, 'e9')];
  const b = [
    item('ssh-push-denied', 5, 'e5'),
    item('ssh-push-denied', 7, 'e7', { instanceId: 'i-0123456789abcdef0' }),
  ];
  const partitions = { 'FINDINGS#ssh-weak-key': a, 'FINDINGS#ssh-push-denied': b };
  const base = { partitions: Object.keys(partitions), nowMs: 0 };

  it('merges them newest first, as the FINDINGS partition orders them (time, eventID, rule), page by page', async () => {
    const { lines, more } = await readFindings(pager(partitions, 1), { ...base, limit: 10 });
    expect(lines.map((l) => `${l.eventID}/${l.rule}`)).toEqual([
      'e9/ssh-weak-key',
      'e7/ssh-push-denied',
      'e5/ssh-weak-key',
      'e5/ssh-push-denied',
      'e1/ssh-weak-key',
    ]);
    expect(more).toBe(false);
  });

  it('stops at the limit, saying more follow; a filter reads on until it has found that many', async () => {
    const first = await readFindings(pager(partitions, 1), { ...base, limit: 2 });
    expect(first.lines.map((l) => l.eventID)).toEqual(['e9', 'e7']);
    expect(first.more).toBe(true);
    const calls: string[] = [];
    const oldest = await readFindings(pager(partitions, 1, calls), {
      ...base,
      limit: 1,
      keep: (l) => l.eventID === 'e1',
    });
    expect(oldest).toEqual({ lines: [expect.objectContaining({ eventID: 'e1' })], more: false });
    expect(calls.filter((c) => c === 'FINDINGS#ssh-weak-key')).toHaveLength(3);
    const exact = await readFindings(pager(partitions, 10), {
      ...base,
      limit: 1,
      keep: (l) => l.instanceId !== null,
    });
    expect(exact).toEqual({ lines: [expect.objectContaining({ eventID: 'e7' })], more: false });
  });
});
