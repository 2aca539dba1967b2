import { type AccessEvidence, assembleAccessPaths, sessionEnd } from '../../lambda/core/access/paths';
import type { AccessFacts } from '../../lambda/core/access/types';
import type { IndexedEvent } from '../../lambda/core/event';
import { accessEvent, alice, bob, INSTANCE, instanceCall, launch, tunnel } from '../helpers/access-events';

const SESSION = 'alice-0a1b2c3d4e5f60718';

function evidence(over: Partial<AccessEvidence>): AccessEvidence {
  return { instanceId: INSTANCE, targeted: [], sessions: new Map(), tunnels: [], credentials: [], ...over };
}

function facts(method: AccessFacts['method'], detail: string): { access: AccessFacts } {
  return { access: { method, detail } };
}

const targeting = (name: string, time: string, over: Partial<IndexedEvent> = {}): IndexedEvent =>
  accessEvent(name, time, { instanceIds: [INSTANCE], ...over });

const ssm = { eventSource: 'ssm.amazonaws.com' };

function startSession(time: string, over: Partial<IndexedEvent> = {}): IndexedEvent {
  return targeting('StartSession', time, {
    ...ssm,
    sessionId: SESSION,
    ...facts('ssm-session', 'shell'),
    ...over,
  });
}
function terminate(time: string, over: Partial<IndexedEvent> = {}): IndexedEvent {
  return accessEvent('TerminateSession', time, { ...ssm, sessionId: SESSION, ...over });
}
function resume(time: string, over: Partial<IndexedEvent> = {}): IndexedEvent {
  return accessEvent('ResumeSession', time, {
    ...ssm,
    sessionId: SESSION,
    ...facts('ssm-session', 'shell'),
    ...over,
  });
}

describe('access paths of an instance', () => {
  it('lists every event naming the instance with access facts, one line per method, newest first', () => {
    const targeted = [
      targeting('SendSSHPublicKey', '2024-05-01T10:01:00Z', facts('instance-connect', 'ssh as ec2-user')),
      targeting(
        'SendSerialConsoleSSHPublicKey',
        '2024-05-01T10:02:00Z',
        facts('serial-console', 'serial port 0 as root'),
      ),
      targeting('SendCommand', '2024-05-01T10:03:00Z', {
        ...ssm,
        ...facts('ssm-command', 'document AWS-RunShellScript'),
      }),
      targeting(
        'ModifyInstanceAttribute',
        '2024-05-01T10:04:00Z',
        facts('user-data-change', 'user data changed'),
      ),
      targeting(
        'DescribeInstanceAttribute',
        '2024-05-01T10:05:00Z',
        facts('user-data-read', 'attribute userData'),
      ),
      targeting('GetPasswordData', '2024-05-01T10:06:00Z', {
        ...facts('password-data', 'password data'),
        errorCode: 'AccessDenied',
        principal: bob,
      }),
      targeting(
        'GetConsoleScreenshot',
        '2024-05-01T10:07:00Z',
        facts('console-output', 'console screenshot'),
      ),
      // no access facts: not an access path
      targeting('StopInstances', '2024-05-01T10:08:00Z'),
    ];
    const paths = assembleAccessPaths(evidence({ targeted }));
    expect(paths.map((p) => p.method)).toEqual([
      'console-output',
      'password-data',
      'user-data-read',
      'user-data-change',
      'ssm-command',
      'serial-console',
      'instance-connect',
    ]);
    expect(paths[1]).toEqual({
      method: 'password-data',
      eventID: targeted[5]?.eventID,
      eventTime: '2024-05-01T10:06:00Z',
      instanceId: INSTANCE,
      principal: bob,
      sourceIPAddress: '198.51.100.7',
      outcome: 'AccessDenied',
      detail: 'password data',
      sessionEnd: null,
      eventSource: 'ec2.amazonaws.com',
      eventName: 'GetPasswordData',
      accountId: '111122223333',
      awsRegion: 'eu-west-1',
      sessionId: null,
    });
    expect(paths[0]?.outcome).toBe('success');
  });

  it('lists the launch with a key pair, whether or not the key pair has events of its own', () => {
    const run = launch('2023-01-01T00:00:00Z', INSTANCE, '10.0.1.25', {
      keyNames: ['prod-admin'],
      ...facts('launch-key-pair', 'key pair prod-admin'),
    });
    const [line] = assembleAccessPaths(evidence({ targeted: [run] }));
    expect(line).toMatchObject({
      method: 'launch-key-pair',
      detail: 'key pair prod-admin',
      principal: alice,
    });
  });

  it('links an SSM session to its end: the first successful TerminateSession of the session', () => {
    const start = startSession('2024-05-01T10:00:00Z');
    const session = [
      start,
      terminate('2024-05-01T10:30:00Z', { errorCode: 'AccessDenied' }),
      terminate('2024-05-01T10:45:00Z'),
      terminate('2024-05-01T10:50:00Z'),
    ];
    const [line] = assembleAccessPaths(
      evidence({ targeted: [start], sessions: new Map([[SESSION, session]]) }),
    );
    expect(line).toMatchObject({
      method: 'ssm-session',
      sessionId: SESSION,
      sessionEnd: '2024-05-01T10:45:00Z',
    });
    expect(sessionEnd([start])).toBeNull();
  });

  it('leaves the end of a session null when no TerminateSession is indexed, and lists its resumes with it', () => {
    const start = startSession('2024-05-01T10:00:00Z');
    const resumed = resume('2024-05-01T10:20:00Z', { principal: bob });
    const open = assembleAccessPaths(
      evidence({ targeted: [start], sessions: new Map([[SESSION, [start]]]) }),
    );
    expect(open).toMatchObject([{ method: 'ssm-session', sessionEnd: null }]);
    const withResume = assembleAccessPaths(
      evidence({
        targeted: [start],
        sessions: new Map([[SESSION, [resumed, start, terminate('2024-05-01T11:00:00Z')]]]),
      }),
    );
    expect(withResume.map((p) => [p.eventName, p.principal.userName, p.sessionEnd])).toEqual([
      ['ResumeSession', 'bob', '2024-05-01T11:00:00Z'],
      ['StartSession', 'alice', '2024-05-01T11:00:00Z'],
    ]);
  });

  it('ignores events of a session ID in another account', () => {
    const start = startSession('2024-05-01T10:00:00Z');
    const foreign = terminate('2024-05-01T10:10:00Z', { accountId: '444455556666' });
    const [line] = assembleAccessPaths(
      evidence({ targeted: [start], sessions: new Map([[SESSION, [foreign]]]) }),
    );
    expect(line?.sessionEnd).toBeNull();
  });

  it('lists matched tunnels and instance-credential calls with their details', () => {
    const t = tunnel('2024-05-01T11:00:00Z', '10.0.1.25');
    const call = instanceCall('2024-05-01T12:00:00Z', '198.51.100.7');
    const paths = assembleAccessPaths(
      evidence({
        tunnels: [t],
        credentials: [{ event: call, reason: { kind: 'shared-ip', ip: '198.51.100.7', principal: alice } }],
      }),
    );
    expect(paths.map((p) => [p.method, p.detail])).toEqual([
      ['instance-credentials', 'sts GetCallerIdentity from 198.51.100.7, where alice also acted'],
      ['instance-connect-endpoint', 'tunnel to 10.0.1.25:22 via eice-0123456789abcdef0'],
    ]);
    const second = assembleAccessPaths(
      evidence({
        credentials: [
          {
            event: call,
            reason: {
              kind: 'second-ip',
              ip: '198.51.100.7',
              accessKeyId: 'ASIAEXAMPLEINSTANCE1',
              firstIp: '10.0.1.25',
            },
          },
        ],
      }),
    );
    expect(second[0]?.detail).toBe(
      'sts GetCallerIdentity from 198.51.100.7; access key ASIAEXAMPLEINSTANCE1 was first used from 10.0.1.25',
    );
  });

  it('keeps the lines within --since and --until, an event once', () => {
    const early = targeting(
      'GetConsoleOutput',
      '2024-05-01T09:00:00Z',
      facts('console-output', 'console output'),
    );
    const inside = targeting(
      'GetConsoleOutput',
      '2024-05-01T10:00:00Z',
      facts('console-output', 'console output'),
    );
    const late = targeting(
      'GetConsoleOutput',
      '2024-05-01T11:00:00Z',
      facts('console-output', 'console output'),
    );
    const paths = assembleAccessPaths(evidence({ targeted: [early, inside, late, inside] }), {
      sinceMs: Date.parse('2024-05-01T09:30:00Z'),
      untilMs: Date.parse('2024-05-01T10:30:00Z'),
    });
    expect(paths.map((p) => p.eventID)).toEqual([inside.eventID]);
  });
});
