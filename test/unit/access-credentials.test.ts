import {
  credentialsElsewhere,
  isInstanceSession,
  madeByInstance,
  sourceAddresses,
} from '../../lambda/core/access/credentials-elsewhere';
import type { Principal } from '../../lambda/core/identity';
import { accessEvent, alice, INSTANCE, instanceCall, instanceSession } from '../helpers/access-events';

const HOME = '203.0.113.10';
const ELSEWHERE = '198.51.100.7';

/** A lookup where only `ip` saw a principal that is not an instance session. */
const otherAt =
  (ip: string, who: Principal = alice) =>
  (at: string): Principal | undefined =>
    at === ip ? who : undefined;
const nobody = (): undefined => undefined;

describe('instance credentials used from somewhere the instance is not', () => {
  it('lists a call from an address where a human principal also acted, naming that principal', () => {
    const calls = [
      instanceCall('2024-08-02T08:23:55Z', ELSEWHERE),
      instanceCall('2024-08-02T08:20:00Z', HOME, {
        principal: instanceSession(INSTANCE, 'ASIAOTHERKEY00000001'),
      }),
    ];
    const found = credentialsElsewhere(calls, otherAt(ELSEWHERE));
    expect([...found.keys()]).toEqual([calls[0]?.eventID]);
    expect(found.get(calls[0]?.eventID as string)).toEqual({
      kind: 'shared-ip',
      ip: ELSEWHERE,
      principal: alice,
    });
  });

  it('lists nothing when the credentials were used from one address where no human acted', () => {
    const calls = [
      instanceCall('2024-08-02T08:00:00Z', HOME),
      instanceCall('2024-08-02T08:05:00Z', HOME),
      instanceCall('2024-08-02T09:00:00Z', HOME, {
        principal: instanceSession(INSTANCE, 'ASIANEXTHOURKEY00001'),
      }),
    ];
    expect(credentialsElsewhere(calls, nobody).size).toBe(0);
  });

  it('lists the calls from a second address of the same access key, not those from the first', () => {
    const first = instanceCall('2024-08-02T08:00:00Z', HOME);
    const second = instanceCall('2024-08-02T08:10:00Z', ELSEWHERE);
    const third = instanceCall('2024-08-02T08:11:00Z', HOME);
    const fourth = instanceCall('2024-08-02T08:12:00Z', ELSEWHERE);
    // any order in, the same verdict out: the earliest call's address is the instance's own
    const found = credentialsElsewhere([fourth, third, second, first], nobody);
    expect([...found.keys()].sort()).toEqual([second.eventID, fourth.eventID].sort());
    expect(found.get(second.eventID)).toEqual({
      kind: 'second-ip',
      ip: ELSEWHERE,
      accessKeyId: 'ASIAEXAMPLEINSTANCE1',
      firstIp: HOME,
    });
  });

  it('compares addresses in canonical form (leading zeros of anonymised IPv4 octets) and skips non-addresses', () => {
    const calls = [
      instanceCall('2024-08-02T08:00:00Z', '203.000.113.010'),
      instanceCall('2024-08-02T08:01:00Z', HOME),
      instanceCall('2024-08-02T08:02:00Z', 'AWS Internal'),
      instanceCall('2024-08-02T08:03:00Z', 'ssm.amazonaws.com'),
    ];
    expect(credentialsElsewhere(calls, nobody).size).toBe(0);
    expect(sourceAddresses(calls)).toEqual([HOME]);
  });

  it('does not compare the addresses of different access keys (hourly rotation is not a second place)', () => {
    const calls = [
      instanceCall('2024-08-02T08:00:00Z', HOME),
      instanceCall('2024-08-02T09:00:00Z', '203.0.113.11', {
        principal: instanceSession(INSTANCE, 'ASIANEXTHOURKEY00001'),
      }),
    ];
    expect(credentialsElsewhere(calls, nobody).size).toBe(0);
  });

  it('tells instance sessions from other principals', () => {
    expect(isInstanceSession(instanceSession())).toBe(true);
    expect(isInstanceSession(instanceSession('i-0A1B2C3D'))).toBe(true);
    expect(isInstanceSession(alice)).toBe(false);
    const named = instanceSession();
    const human = {
      ...named,
      arn: named.arn?.replace(/[^/]+$/, 'alice@example.com'),
      sessionName: 'alice@example.com',
    };
    expect(isInstanceSession(human)).toBe(false);
    expect(isInstanceSession({ ...instanceSession(), type: 'IAMUser' })).toBe(false);
    expect(madeByInstance(accessEvent('DescribeInstances', '2024-08-02T08:00:00Z'))).toBe(false);
    expect(madeByInstance(instanceCall('2024-08-02T08:00:00Z', HOME))).toBe(true);
  });
});
