import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../../bin/cli/store';
import { FINDING_LINE_KEYS, findingItems, findingOf, recordFinding } from '../../lambda/core/findings';
import { itemToEvent, keys } from '../../lambda/core/items';
import { defineRule, type Hit, PASS, RULES } from '../../lambda/core/rules';
import { parseTime } from '../../lambda/core/time';
import { cli } from '../helpers/cli';
import { CLOUDTRAIL } from '../helpers/cli-fixtures';

/**
 * `trailwatch findings` (`--rule`, `--severity`, `--instance`) and the findings of `trailwatch event`,
 * on the Stratus detonations' SSH key findings, plus findings of a rule defined here (the threat
 * rules' shape: no key, several instances or none) and items written before findings had a severity.
 */

const threat = defineRule({
  id: 'ssm-throwaway',
  title: 'a rule built in this test',
  firesWhen: 'never',
  falsePositives: 'none',
  severity: 'high',
  attack: 'T1651',
  family: 'threat',
  appliesTo: () => false,
  stateful: false,
  evaluate: () => PASS,
});
const RULES_AND_THREAT = [...RULES, threat];

/** SendCommand to three instances, and a snapshot shared (no instance), from the Stratus fixtures. */
const SEND_COMMAND = '5288bfb8-e3fa-4c41-be02-6853521afe8b';
const THIRD_TARGET = 'i-9d40ccfc0ae91cfa5';
const SHARE_SNAPSHOT = '6897ff63-d738-445c-9e86-43e5b1f8e12f';
const PUSH = '0968cbec-f8df-43f3-94ba-b451aad083ed';

describe('trailwatch findings and event: severity, technique, filters', () => {
  let dir: string;
  let db: string;
  /** Findings the shipped rules gave on ingest (SSH key rules and the threat rules). */
  let shipped: number;
  const run = (...args: string[]) => cli([...args, '--db', db]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-findings-'));
    db = join(dir, 'db');
    const ingest = await run(
      'ingest',
      join(CLOUDTRAIL, 'stratus'),
      join(CLOUDTRAIL, 'stratus-more'),
      '--json',
    );
    expect(ingest.code).toBe(0);
    shipped = Number(ingest.json()[0]?.findings);
    const opened = await openEmbeddedStore(db);
    try {
      const { store } = opened;
      for (const [eventID, detail] of [
        [SEND_COMMAND, 'commands sent to 3 instances'],
        [SHARE_SNAPSHOT, 'snapshot shared with 012345678901'],
      ] as const) {
        const event = itemToEvent((await store.getEvent(eventID)) ?? {});
        const hit = { rule: threat.id, detail } as unknown as Hit;
        await recordFinding(store, event, parseTime(event.eventTime) ?? 0, hit, undefined, RULES_AND_THREAT);
      }
      // a finding recorded before findings had a severity and a technique, and one of a rule since removed
      const push = itemToEvent((await store.getEvent(PUSH)) ?? {});
      const old = findingOf(push, { rule: 'ssh-root-os-user', detail: 'os user root' });
      const { severity: _s, attack: _a, ...before } = old;
      const gone = findingOf(push, { rule: 'ssh-retired-rule', detail: 'retired' } as unknown as Hit);
      for (const f of [before, gone]) {
        const { marker, byRule } = findingItems(f as typeof old, parseTime(push.eventTime) ?? 0);
        await store.write([marker, byRule]);
      }
    } finally {
      await opened.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints every CONTRACT key of a finding line, null where it does not apply, then the other keys', async () => {
    const lines = (await run('findings', '--json')).json<Record<string, unknown>>();
    expect(shipped).toBeGreaterThanOrEqual(15);
    expect(lines).toHaveLength(shipped + 2 + 2);
    for (const line of lines) expect(Object.keys(line).slice(0, 9)).toEqual([...FINDING_LINE_KEYS]);
    const shared = lines.find((l) => l.eventID === SHARE_SNAPSHOT);
    expect(shared).toMatchObject({
      rule: 'ssm-throwaway',
      severity: 'high',
      attack: 'T1651',
      eventTime: '2024-08-01T12:28:02Z',
      instanceId: null,
      fingerprint: null,
      detail: 'snapshot shared with 012345678901',
      eventName: 'ModifySnapshotAttribute',
    });
    expect(shared?.principalArn).toMatch(/^arn:aws:iam::\d+:user\/christophe$/);
    expect(lines.find((l) => l.eventID === SEND_COMMAND)).toMatchObject({
      instanceId: 'i-00456a8d163f546ff',
      instanceIds: ['i-00456a8d163f546ff', 'i-cfe23b1a7ceba6f86', THIRD_TARGET],
      fingerprint: null,
    });
  });

  it('gives a finding recorded without severity and technique those of its rule, and null for a rule no longer known', async () => {
    const lines = (await run('findings', '--json')).json<Record<string, unknown>>();
    expect(lines.find((l) => l.rule === 'ssh-root-os-user')).toMatchObject({
      severity: 'medium',
      attack: 'T1098.004',
      eventID: PUSH,
      detail: 'os user root',
    });
    expect(lines.find((l) => l.rule === 'ssh-retired-rule')).toMatchObject({ severity: null, attack: null });
  });

  it('shows the severity and the technique in the table, and rule IDs whole', async () => {
    const table = await run('findings', '--limit', '1000');
    const [header, ...rows] = table.out.split('\n');
    expect(header).toMatch(
      /^TIME\s+SEVERITY\s+RULE\s+ATTACK\s+INSTANCE\s+PRINCIPAL\s+KEY\s+DETAIL\s+EVENT ID$/,
    );
    expect(table.out).toMatch(
      /^2024-08-02T09:08:56Z {2}high {6}ssm-throwaway\s+T1651\s+i-00456a8d163f546ff \+2\s/m,
    );
    expect(table.out).toMatch(/^2024-08-01T13:24:47Z {2}- {9}ssh-retired-rule\s+-\s+i-fdb357cb7e99ad973\s/m);
    for (const rule of ['ssh-key-multi-principal', 'ssh-key-multi-instance'])
      expect(rows.some((r) => r.includes(` ${rule} `))).toBe(true);
  });

  it('--severity: exactly that severity, newest first as among all findings, with --limit and --rule', async () => {
    const all = (await run('findings', '--json', '--limit', '1000')).json<Record<string, unknown>>();
    // the partitions of the rules of RULES of that severity (the test's own rule is not among them)
    const known = all.filter((l) => l.rule !== threat.id);
    for (const severity of ['high', 'medium', 'low']) {
      const only = (await run('findings', '--severity', severity, '--json')).json<Record<string, unknown>>();
      expect(only).toEqual(known.filter((l) => l.severity === severity));
      if (severity !== 'low') expect(only.length).toBeGreaterThan(0);
    }
    const high = (await run('findings', '--severity', 'HIGH', '--json')).json();
    const highRules = new Set(RULES.filter((r) => r.severity === 'high').map((r) => r.id as string));
    expect(high.length).toBeGreaterThan(0);
    for (const l of high) expect(highRules).toContain(l.rule);
    const two = await run('findings', '--severity', 'medium', '--limit', '2', '--json');
    expect(two.json()).toEqual(known.filter((l) => l.severity === 'medium').slice(0, 2));
    expect(two.err).toMatch(/more than 2 findings/);
    const mismatch = await run('findings', '--rule', 'ssh-serial-console', '--severity', 'high');
    expect(mismatch.code).toBe(0);
    expect(mismatch.out).toMatch(/^No findings of ssh-serial-console of severity high in the local store /);
    const bad = await run('findings', '--severity', 'critical');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--severity: unknown severity 'critical'; severities: low, medium, high/);
  });

  it('--instance: findings about the instance, its first or any other the event names, reading on past the other findings', async () => {
    const push = (await run('findings', '--instance', 'I-6D7FB8F606130A33D', '--json')).json();
    expect(push.map((l) => l.rule).sort()).toEqual(['ssh-key-multi-instance', 'ssh-key-multi-principal']);
    const third = (await run('findings', '--instance', THIRD_TARGET, '--json')).json();
    // the test's rule, and the shipped ssm-command-many-instances (one SendCommand to three instances)
    expect(third.map((l) => [l.rule, l.eventID]).sort()).toEqual([
      ['ssm-command-many-instances', SEND_COMMAND],
      ['ssm-throwaway', SEND_COMMAND],
    ]);
    const one = await run('findings', '--instance', 'i-6d7fb8f606130a33d', '--limit', '1', '--json');
    expect(one.json()).toHaveLength(1);
    expect(one.err).toMatch(/more than 1 findings/);
    const combined = (
      await run('findings', '--instance', 'i-6d7fb8f606130a33d', '--severity', 'high', '--json')
    ).json();
    expect(combined.map((l) => l.rule)).toEqual(['ssh-key-multi-instance']);
    const none = await run('findings', '--instance', 'i-0123456789abcdef0');
    expect(none.out).toMatch(/^No findings about i-0123456789abcdef0 in the local store /);
    const bad = await run('findings', '--instance', 'vol-0123456789abcdef0');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--instance: 'vol-0123456789abcdef0' is not an instance ID/);
  });

  it('event: each finding with its rule, severity, technique and detail, read from its finding item', async () => {
    const text = await run('event', PUSH, '--no-record');
    expect(text.out).toContain(
      'Findings:    ssh-key-multi-instance (high, ATT&CK T1021.004): key reached 3 instances within 60 minutes: i-6d7fb8f606130a33d, i-9d2abff1798c34950, i-fdb357cb7e99ad973\n' +
        '             ssh-key-multi-principal (medium, ATT&CK T1098.004): key pushed by 2 principals: ',
    );
    const [json] = (await run('event', SEND_COMMAND, '--no-record', '--json')).json<{
      findings: string[];
      findingDetails: Record<string, unknown>[];
    }>();
    expect(json?.findings).toEqual(['ssm-command-many-instances', 'ssm-throwaway']);
    expect(json?.findingDetails?.filter((d) => d.rule === 'ssm-throwaway')).toEqual([
      expect.objectContaining({
        rule: 'ssm-throwaway',
        severity: 'high',
        attack: 'T1651',
        eventID: SEND_COMMAND,
        detail: 'commands sent to 3 instances',
      }),
    ]);
    expect(Object.keys(json?.findingDetails[0] ?? {}).slice(0, 9)).toEqual([...FINDING_LINE_KEYS]);
  });

  it('event: a listed finding whose item is gone still shows its rule, severity and technique', async () => {
    // another SendCommand, listed as having a finding whose item was never written (or expired)
    const eventID = '2a5178c8-b4c7-44ba-b066-1ecc79b7087c';
    const opened = await openEmbeddedStore(db);
    try {
      await opened.store.addToStringSet(keys.event(eventID), 'EVENT', 'findings', ['ssh-weak-key']);
    } finally {
      await opened.close();
    }
    const text = await run('event', eventID, '--no-record');
    expect(text.err).toBe('');
    expect(text.out).toMatch(
      /^Findings: {4}ssh-weak-key \(low, ATT&CK T1098\.004\): \(finding not found: expired, or being recorded\)$/m,
    );
  });
});
