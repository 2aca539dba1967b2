import { readAccessPaths } from '../../lambda/core/access/read';
import type { IndexedEvent } from '../../lambda/core/event';
import { keys } from '../../lambda/core/items';
import { formatTime } from '../../lambda/core/time';
import {
  accessEvent,
  accessItems,
  alice,
  bob,
  INSTANCE,
  instanceCall,
  instanceSession,
  launch,
  tunnel,
} from '../helpers/access-events';
import { builtCliPresent, spawnCli } from '../helpers/cli';
import { type LocalDynamo, startDynalite, storeAt } from '../helpers/dynalite';
import { credentiallessEnv } from '../helpers/env';

/**
 * `trailwatch access` through the built binary on dynalite. The items are written with the store's
 * writer from indexed events built here (`accessItems`: what extraction and the access indexes make
 * of the records); the end-to-end tests from CloudTrail records come with those parts.
 */

const ADDRESS = '10.0.1.25';
const LATER = 'i-0fedcba9876543210';
const SESSION = 'alice-0a1b2c3d4e5f60718';
const HOME = '203.0.113.10';
const ssm = { eventSource: 'ssm.amazonaws.com' };

const story = {
  launch: launch('2024-05-01T10:00:00Z', INSTANCE, ADDRESS, {
    keyNames: ['prod-admin'],
    access: { method: 'launch-key-pair', detail: 'key pair prod-admin' },
  }),
  firstCall: instanceCall('2024-05-01T10:05:00Z', HOME),
  tunnel: tunnel('2024-05-01T11:00:00Z', ADDRESS, { principal: bob, sourceIPAddress: '192.0.2.44' }),
  foreignTunnel: tunnel('2024-05-01T11:30:00Z', ADDRESS, { accountId: '444455556666' }),
  start: accessEvent('StartSession', '2024-05-01T12:00:00Z', {
    ...ssm,
    instanceIds: [INSTANCE],
    sessionId: SESSION,
    access: { method: 'ssm-session', detail: 'shell' },
  }),
  end: accessEvent('TerminateSession', '2024-05-01T12:20:00Z', { ...ssm, sessionId: SESSION }),
  command: accessEvent('SendCommand', '2024-05-01T13:00:00Z', {
    ...ssm,
    instanceIds: [INSTANCE],
    access: { method: 'ssm-command', detail: 'document AWS-RunShellScript' },
  }),
  byTags: accessEvent('SendCommand', '2024-05-01T13:05:00Z', {
    ...ssm,
    access: {
      method: 'ssm-command',
      detail: 'document AWS-RunShellScript by targets tag:Env=prod (no instance IDs in the request)',
      targets: 'tag:Env=prod',
    },
  }),
  // alice works from 198.51.100.7: the instance's credentials used there
  stolen: instanceCall('2024-05-01T14:00:00Z', '198.51.100.7'),
  secondIp: instanceCall('2024-05-01T14:10:00Z', '192.0.2.200', {
    eventName: 'ListBuckets',
    eventSource: 's3.amazonaws.com',
  }),
  denied: accessEvent('GetPasswordData', '2024-05-01T15:00:00Z', {
    instanceIds: [INSTANCE],
    principal: bob,
    sourceIPAddress: '192.0.2.44',
    errorCode: 'Client.UnauthorizedOperation',
    access: { method: 'password-data', detail: 'password data' },
  }),
  stop: accessEvent('StopInstances', '2024-05-01T16:00:00Z', { instanceIds: [INSTANCE] }),
  reuse: launch('2024-05-03T08:00:00Z', LATER, ADDRESS),
  laterTunnel: tunnel('2024-05-03T09:00:00Z', ADDRESS),
} satisfies Record<string, IndexedEvent>;

(builtCliPresent ? describe : describe.skip)('trailwatch access (built binary, dynalite)', () => {
  let dynamo: LocalDynamo;
  let tableArgs: string[];
  const run = (...args: string[]) => spawnCli([...args, ...tableArgs], { env: credentiallessEnv() });

  beforeAll(async () => {
    dynamo = await startDynalite();
    const store = await storeAt(dynamo.endpoint);
    await store.write(Object.values(story).flatMap(accessItems));
    tableArgs = ['--table', store.tableName, '--endpoint', dynamo.endpoint];
  });
  afterAll(() => dynamo.close());

  it('lists every way into the instance, newest first, as CONTRACT access lines', async () => {
    const r = await run('access', INSTANCE.toUpperCase().replace('I-', 'i-'), '--json');
    expect(r).toMatchObject({ code: 0, err: '' });
    const lines = r.json();
    expect(lines.map((l) => [l.eventTime, l.method])).toEqual([
      ['2024-05-01T15:00:00Z', 'password-data'],
      ['2024-05-01T14:10:00Z', 'instance-credentials'],
      ['2024-05-01T14:00:00Z', 'instance-credentials'],
      ['2024-05-01T13:00:00Z', 'ssm-command'],
      ['2024-05-01T12:00:00Z', 'ssm-session'],
      ['2024-05-01T11:00:00Z', 'instance-connect-endpoint'],
      ['2024-05-01T10:00:00Z', 'launch-key-pair'],
    ]);
    for (const line of lines)
      expect(Object.keys(line).slice(0, 9)).toEqual([
        'method',
        'eventID',
        'eventTime',
        'instanceId',
        'principal',
        'sourceIPAddress',
        'outcome',
        'detail',
        'sessionEnd',
      ]);
    expect(lines[0]).toMatchObject({
      eventID: story.denied.eventID,
      instanceId: INSTANCE,
      principal: { arn: bob.arn, userName: 'bob', accessKeyId: bob.accessKeyId },
      sourceIPAddress: '192.0.2.44',
      outcome: 'Client.UnauthorizedOperation',
      sessionEnd: null,
    });
    expect(lines[1]?.detail).toBe(
      's3 ListBuckets from 192.0.2.200; access key ASIAEXAMPLEINSTANCE1 was first used from 203.0.113.10',
    );
    expect(lines[2]?.detail).toBe('sts GetCallerIdentity from 198.51.100.7, where alice also acted');
    expect(lines[2]?.principal).toMatchObject({ arn: instanceSession().arn, sessionName: INSTANCE });
    expect(lines[4]).toMatchObject({
      sessionId: SESSION,
      sessionEnd: '2024-05-01T12:20:00Z',
      outcome: 'success',
    });
    expect(lines[5]).toMatchObject({
      principal: { userName: 'bob' },
      detail: `tunnel to ${ADDRESS}:22 via eice-0123456789abcdef0`,
    });
    expect(lines[6]).toMatchObject({
      principal: { userName: alice.userName },
      detail: 'key pair prod-admin',
    });
  });

  it('prints a table with the session end, and honours --since, --until and --limit', async () => {
    const table = await run(
      'access',
      INSTANCE,
      '--since',
      '2024-05-01T11:00:00Z',
      '--until',
      '2024-05-01T13:00:00Z',
    );
    expect(table.code).toBe(0);
    const rows = table.out.split('\n');
    expect(rows[0]).toMatch(
      /^TIME\s+METHOD\s+PRINCIPAL\s+SOURCE IP\s+OUTCOME\s+DETAIL\s+SESSION END\s+EVENT ID$/,
    );
    expect(rows[1]).toMatch(
      /^2024-05-01T13:00:00Z\s+ssm-command\s+alice\s+198\.51\.100\.7\s+success\s+document AWS-RunShellScript\s+-\s+\S+$/,
    );
    expect(rows[2]).toMatch(
      /^2024-05-01T12:00:00Z\s+ssm-session\s+alice\s+.*\s+shell\s+2024-05-01T12:20:00Z\s+\S+$/,
    );
    expect(rows[3]).toMatch(
      /^2024-05-01T11:00:00Z\s+instance-connect-endpoint\s+bob\s+192\.0\.2\.44\s+success\s+tunnel to/,
    );
    expect(table.out).toMatch(/\n3 access path\(s\), newest first\.$/);

    const limited = await run('access', INSTANCE, '--limit', '2', '--json');
    expect(limited.json().map((l) => l.method)).toEqual(['password-data', 'instance-credentials']);
    expect(limited.err).toBe(
      'trailwatch: more than 2 access paths; narrow with --since/--until or raise --limit',
    );
  });

  it('gives a reused private address’s later tunnel to the later instance, and says when there is nothing', async () => {
    const later = await run('access', LATER, '--json');
    expect(later.json().map((l) => [l.method, l.eventID])).toEqual([
      ['instance-connect-endpoint', story.laterTunnel.eventID],
    ]);
    const none = await run('access', 'i-0aaaaaaaaaaaaaaa1');
    expect(none).toMatchObject({ code: 0, err: '' });
    expect(none.out).toMatch(
      /^No access to instance i-0aaaaaaaaaaaaaaa1 in the table trailwatch-test at http:\/\/127\.0\.0\.1:\d+\.$/,
    );
  });

  it('refuses what is not an instance ID with a usage error (exit 2)', async () => {
    const volume = await run('access', 'vol-0123456789abcdef0');
    expect(volume.code).toBe(2);
    expect(volume.err).toBe(
      "trailwatch: INSTANCE_ID: 'vol-0123456789abcdef0' is not an instance ID (i- followed by 8 or 17 hex digits) (access paths are of instances; for other resources use: query resource)",
    );
    expect((await run('access', 'nope')).code).toBe(2);
  });

  it('shows the method in query tables and in event output; a command by tags is seen there, not under access', async () => {
    const query = await run('query', 'user', 'alice', '--until', '2024-05-01T13:05:00Z', '--limit', '2');
    const rows = query.out.split('\n');
    expect(rows[0]).toMatch(
      /^TIME\s+EVENT\s+METHOD\s+USER\s+TARGETS\s+SOURCE IP\s+ERROR\s+FINDINGS\s+EVENT ID$/,
    );
    expect(rows[1]).toMatch(/^2024-05-01T13:05:00Z\s+SendCommand\s+ssm-command\s+alice\s+-\s/);
    expect(rows[2]).toMatch(
      /^2024-05-01T13:00:00Z\s+SendCommand\s+ssm-command\s+alice\s+i-0123456789abcdef0\s/,
    );
    const stop = await run('query', 'instance', INSTANCE, '--limit', '1');
    expect(stop.out.split('\n')[1]).toMatch(/^2024-05-01T16:00:00Z\s+StopInstances\s+-\s+alice\s/);

    const text = await run('event', story.byTags.eventID, '--no-record');
    expect(text.out).toMatch(
      /^Access: {6}ssm-command: document AWS-RunShellScript by targets tag:Env=prod \(no instance IDs in the request\)$/m,
    );
    expect(text.out).toMatch(/^Targets: {5}tag:Env=prod$/m);
    const [json] = (await run('event', story.start.eventID, '--no-record', '--json')).json();
    expect(json?.access).toEqual({ method: 'ssm-session', detail: 'shell' });
    expect(Object.keys(json ?? {})).toEqual(expect.arrayContaining(['access', 'sessionId']));
    const keys = Object.keys(json ?? {});
    expect(keys.indexOf('access')).toBeLessThan(keys.indexOf('findings'));
  });
});

describe('access reads on dynalite', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.close());

  it('finds the human principal at an address behind pages of the instance’s own calls from it', async () => {
    const store = await storeAt(dynamo.endpoint, { tableName: 'busy-address' });
    const busy = 'i-0bbbbbbbbbbbbbbb2';
    const ip = '192.0.2.77';
    const human = accessEvent('DescribeInstances', '2024-05-01T00:00:00Z', {
      errorCode: 'Client.UnauthorizedOperation',
      sourceIPAddress: ip,
    });
    const call = instanceCall('2024-05-02T00:00:00Z', ip, { principal: instanceSession(busy) }, busy);
    // 1,200 newer calls of the instance from the same address: more than one page of its IP# partition
    const chatter = Array.from({ length: 1200 }, (_, i) =>
      instanceCall(formatTime(Date.parse('2024-05-03T00:00:00Z') + i * 1000), ip, {}, busy),
    ).flatMap((e) => accessItems(e).filter((item) => item.pk === keys.ip(ip)));
    await store.write([...accessItems(human), ...accessItems(call), ...chatter]);
    const report = await readAccessPaths(store, busy, { nowMs: Date.now() });
    expect(report.paths.map((p) => [p.eventID, p.method, p.detail])).toEqual([
      [call.eventID, 'instance-credentials', `sts GetCallerIdentity from ${ip}, where alice also acted`],
    ]);
    expect(report.notes).toEqual([]);
  });
});
