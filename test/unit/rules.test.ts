import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../lambda/core/errors';
import { extractEvent, type IndexedEvent } from '../../lambda/core/event';
import {
  DEFAULT_DETECTION,
  type DetectionSettings,
  KeyHistory,
  RULE_IDS,
  RULES,
  type RuleId,
  statefulHits,
  statelessHits,
} from '../../lambda/core/rules';
import { allowListFrom, describeSourceCheck, normalizeIp } from '../../lambda/core/rules/allow-list';
import { detectionSettings } from '../../lambda/core/settings';
import { FIXTURES } from '../helpers/corpus';
import { assumedRole, ED25519_KEY, iamUser, keyPush, rootUser } from '../helpers/records';

const KEYS = (
  JSON.parse(readFileSync(join(FIXTURES, 'ssh-keys.json'), 'utf8')) as {
    keys: { name: string; publicKey: string }[];
  }
).keys;
const key = (name: string): string => KEYS.find((k) => k.name === name)?.publicKey as string;

function push(overrides: Record<string, unknown> = {}, params: Record<string, unknown> = {}): IndexedEvent {
  const record = keyPush(overrides, params);
  const x = extractEvent(record, JSON.stringify(record));
  if (!x.ok) throw new Error(x.reason);
  return x.event;
}

function rule(id: RuleId) {
  const r = RULES.find((x) => x.id === id);
  if (!r) throw new Error(id);
  return r;
}

function verdict(
  id: RuleId,
  event: IndexedEvent,
  settings: DetectionSettings = DEFAULT_DETECTION,
  history?: IndexedEvent[],
) {
  return rule(id).evaluate(event, { settings, ...(history ? { history: new KeyHistory(history) } : {}) });
}

const at = (minute: number): string =>
  new Date(Date.UTC(2025, 2, 1, 10, minute)).toISOString().replace('.000Z', 'Z');

describe('suspicious SSH key rules (CONTRACT)', () => {
  it('has exactly the ten SSH key rules of CONTRACT, first, one per file, each with a title and a false-positive note', () => {
    // CONTRACT "Suspicious SSH key rules", in its order (RULE_IDS derives from RULES)
    const contract = [
      'ssh-root-identity',
      'ssh-root-os-user',
      'ssh-weak-key',
      'ssh-invalid-key',
      'ssh-push-denied',
      'ssh-serial-console',
      'ssh-key-multi-instance',
      'ssh-key-multi-principal',
      'ssh-source-ip',
      'ssh-cross-account',
    ];
    // the threat rules follow them (rules-threat-*.test.ts)
    expect(RULES.filter((r) => r.family === 'ssh-key').map((r) => r.id)).toEqual(contract);
    expect(RULE_IDS.slice(0, contract.length)).toEqual(contract);
    for (const r of RULES) {
      expect(r.title.length).toBeGreaterThan(10);
      expect(r.firesWhen.length).toBeGreaterThan(10);
      expect(r.falsePositives.length).toBeGreaterThan(10);
    }
  });

  describe('ssh-root-identity: the key is pushed by the account root user', () => {
    it('fires for the root user', () => {
      expect(verdict('ssh-root-identity', push({ userIdentity: rootUser() }))).toMatchObject({
        fires: true,
        detail: 'pushed by the root user of account 111122223333',
      });
    });
    it('near miss: an IAM user named root-admin does not', () => {
      expect(verdict('ssh-root-identity', push({ userIdentity: iamUser('root-admin') })).fires).toBe(false);
    });
  });

  describe('ssh-root-os-user: the OS user is root', () => {
    it('fires for root, in either key shape', () => {
      expect(verdict('ssh-root-os-user', push({}, { instanceOSUser: 'root' })).fires).toBe(true);
      expect(
        verdict(
          'ssh-root-os-user',
          push(
            {},
            {
              instanceOSUser: undefined,
              sSHPublicKey: undefined,
              osUser: 'root',
              SSHKey: { publicKey: ED25519_KEY },
            },
          ),
        ).fires,
      ).toBe(true);
    });
    it('near miss: ec2-user, and Root (another user: OS user names are case-sensitive)', () => {
      expect(verdict('ssh-root-os-user', push()).fires).toBe(false);
      expect(verdict('ssh-root-os-user', push({}, { instanceOSUser: 'Root' })).fires).toBe(false);
    });
    it('uses the privileged OS users setting', () => {
      const settings = detectionSettings({ privilegedOsUsers: 'root, admin' });
      expect(verdict('ssh-root-os-user', push({}, { instanceOSUser: 'admin' }), settings).fires).toBe(true);
    });
  });

  describe('ssh-weak-key: DSA, or RSA shorter than 2048 bits', () => {
    it('fires for RSA-1024 and DSA', () => {
      expect(verdict('ssh-weak-key', push({}, { sSHPublicKey: key('rsa1024') }))).toEqual({
        fires: true,
        detail: 'RSA key of 1024 bits (< 2048)',
      });
      expect(verdict('ssh-weak-key', push({}, { sSHPublicKey: key('dsa1024') }))).toEqual({
        fires: true,
        detail: 'DSA key (1024 bits)',
      });
    });
    it('near miss: RSA-2048 (the limit itself), RSA-4096, ED25519', () => {
      for (const name of ['rsa2048', 'rsa4096', 'ed25519'])
        expect(verdict('ssh-weak-key', push({}, { sSHPublicKey: key(name) })).fires).toBe(false);
    });
  });

  describe('ssh-invalid-key: not an SSH public key, or not RSA/ED25519', () => {
    it('fires for junk and for ECDSA and DSA keys', () => {
      expect(verdict('ssh-invalid-key', push({}, { sSHPublicKey: 'ssh-rsa AAAAjunk' })).fires).toBe(true);
      expect(verdict('ssh-invalid-key', push({}, { sSHPublicKey: key('ecdsa256') }))).toEqual({
        fires: true,
        detail: 'ECDSA key: EC2 Instance Connect accepts RSA and ED25519 only',
      });
      expect(verdict('ssh-invalid-key', push({}, { sSHPublicKey: key('dsa1024') })).fires).toBe(true);
    });
    it('near miss: valid RSA and ED25519 keys, and a denied push without key material', () => {
      expect(verdict('ssh-invalid-key', push({}, { sSHPublicKey: key('rsa2048') })).fires).toBe(false);
      expect(verdict('ssh-invalid-key', push()).fires).toBe(false);
      expect(
        verdict('ssh-invalid-key', push({ requestParameters: undefined, errorCode: 'AccessDenied' })).fires,
      ).toBe(false);
    });
  });

  describe('ssh-push-denied: the push failed with an error code', () => {
    it('fires for AccessDenied and AuthException', () => {
      expect(verdict('ssh-push-denied', push({ errorCode: 'AccessDenied' }))).toEqual({
        fires: true,
        detail: 'failed with AccessDenied',
      });
      expect(verdict('ssh-push-denied', push({ errorCode: 'AuthException' })).fires).toBe(true);
    });
    it('near miss: a successful push', () => {
      expect(verdict('ssh-push-denied', push()).fires).toBe(false);
    });
  });

  describe('ssh-serial-console: SendSerialConsoleSSHPublicKey', () => {
    it('fires for a serial console push', () => {
      const e = push(
        { eventName: 'SendSerialConsoleSSHPublicKey' },
        { instanceOSUser: undefined, serialPort: 0 },
      );
      expect(verdict('ssh-serial-console', e)).toEqual({
        fires: true,
        detail: 'serial console access on port 0',
      });
    });
    it('near miss: a SendSSHPublicKey', () => {
      expect(verdict('ssh-serial-console', push()).fires).toBe(false);
    });
  });

  describe('ssh-source-ip: the source IP is outside the allow-list (off when none is set)', () => {
    const settings = detectionSettings({ allowedSshCidrs: '203.0.113.0/24, 2001:db8::/32' });
    it('fires for an address outside the list, IPv4 or IPv6', () => {
      expect(verdict('ssh-source-ip', push({ sourceIPAddress: '198.51.100.7' }), settings)).toEqual({
        fires: true,
        detail: 'source 198.51.100.7 is outside the allowed networks (203.0.113.0/24, 2001:db8::/32)',
      });
      expect(verdict('ssh-source-ip', push({ sourceIPAddress: '2001:db9::1' }), settings).fires).toBe(true);
    });
    it('near miss: inside the list (IPv4, IPv6, IPv4-mapped IPv6), and no list at all', () => {
      expect(verdict('ssh-source-ip', push({ sourceIPAddress: '203.0.113.9' }), settings).fires).toBe(false);
      expect(verdict('ssh-source-ip', push({ sourceIPAddress: '2001:db8:1::5' }), settings).fires).toBe(
        false,
      );
      expect(verdict('ssh-source-ip', push({ sourceIPAddress: '::ffff:203.0.113.9' }), settings).fires).toBe(
        false,
      );
      expect(verdict('ssh-source-ip', push({ sourceIPAddress: '198.51.100.7' })).fires).toBe(false);
    });
    it('reads the odd source values of real records', () => {
      const allow = allowListFrom(['203.0.113.0/24']);
      expect(normalizeIp('035.249.253.232')).toEqual({ ip: '35.249.253.232', family: 'ipv4' });
      expect(describeSourceCheck(allow, '203.0.113.1, 192.168.10.10')).toMatch(/192\.168\.10\.10 is outside/);
      expect(describeSourceCheck(allow, 'AWS Internal')).toBe("source 'AWS Internal' is not an IP address");
      expect(describeSourceCheck(allow, undefined)).toBe('the record has no source IP address');
    });
    it('rejects a bad CIDR setting, naming it', () => {
      expect(() => detectionSettings({ allowedSshCidrs: '10.0.0.0/33' })).toThrow(UsageError);
      expect(() => detectionSettings({ allowedSshCidrs: 'office' })).toThrow(
        /'office' is not an IPv4 or IPv6 CIDR/,
      );
    });
  });

  describe('ssh-cross-account: the principal account differs from the recipient account', () => {
    it('fires for a role of another account', () => {
      const e = push({
        userIdentity: assumedRole('Ops', 'bob', '999988887777'),
        recipientAccountId: '111122223333',
      });
      expect(verdict('ssh-cross-account', e)).toEqual({
        fires: true,
        detail: 'principal of account 999988887777 pushed a key in account 111122223333',
      });
    });
    it('near miss: same account, and an unknown principal account', () => {
      expect(verdict('ssh-cross-account', push()).fires).toBe(false);
      expect(
        verdict(
          'ssh-cross-account',
          push({ userIdentity: { type: 'AWSService', invokedBy: 'ssm.amazonaws.com' } }),
        ).fires,
      ).toBe(false);
    });
  });

  describe('ssh-key-multi-instance: the same key reaches 2 or more distinct instances within 60 minutes', () => {
    const a = (minute: number, instanceId: string, extra: Record<string, unknown> = {}) =>
      push({ eventTime: at(minute), ...extra }, { instanceId });
    it('fires on both pushes, 59 minutes apart', () => {
      const p1 = a(0, 'i-0aaaaaaaaaaaaaaa1');
      const p2 = a(59, 'i-0aaaaaaaaaaaaaaa2');
      for (const p of [p1, p2])
        expect(verdict('ssh-key-multi-instance', p, DEFAULT_DETECTION, [p1, p2]).fires).toBe(true);
    });
    it('near miss: 61 minutes apart, the same instance twice, or a failed second push', () => {
      const p1 = a(0, 'i-0aaaaaaaaaaaaaaa1');
      expect(
        verdict('ssh-key-multi-instance', p1, DEFAULT_DETECTION, [p1, a(61, 'i-0aaaaaaaaaaaaaaa2')]).fires,
      ).toBe(false);
      expect(
        verdict('ssh-key-multi-instance', p1, DEFAULT_DETECTION, [p1, a(5, 'i-0aaaaaaaaaaaaaaa1')]).fires,
      ).toBe(false);
      expect(
        verdict('ssh-key-multi-instance', p1, DEFAULT_DETECTION, [
          p1,
          a(5, 'i-0aaaaaaaaaaaaaaa2', { errorCode: 'AccessDenied' }),
        ]).fires,
      ).toBe(false);
    });
    it('with threshold 3, needs three instances inside one window', () => {
      const settings = detectionSettings({ multiInstanceThreshold: 3 });
      const spread = [
        a(0, 'i-0aaaaaaaaaaaaaaa1'),
        a(50, 'i-0aaaaaaaaaaaaaaa2'),
        a(110, 'i-0aaaaaaaaaaaaaaa3'),
      ];
      expect(spread.map((p) => verdict('ssh-key-multi-instance', p, settings, spread).fires)).toEqual([
        false,
        false,
        false,
      ]);
      const close = [
        a(0, 'i-0aaaaaaaaaaaaaaa1'),
        a(30, 'i-0aaaaaaaaaaaaaaa2'),
        a(60, 'i-0aaaaaaaaaaaaaaa3'),
        a(100, 'i-0aaaaaaaaaaaaaaa4'),
      ];
      // the first three fit in [0, 60]; the fourth only shares windows with two others
      expect(close.map((p) => verdict('ssh-key-multi-instance', p, settings, close).fires)).toEqual([
        true,
        true,
        true,
        false,
      ]);
    });
  });

  describe('ssh-key-multi-principal: the same key is pushed by 2 or more distinct principals', () => {
    it('fires on every push of the key once a second principal pushed it', () => {
      const p1 = push({ eventTime: at(0) });
      const p2 = push({ eventTime: at(0), userIdentity: assumedRole('Ops', 'mallory') }, {});
      for (const p of [p1, p2])
        expect(verdict('ssh-key-multi-principal', p, DEFAULT_DETECTION, [p1, p2]).fires).toBe(true);
    });
    it('near miss: one principal pushing it many times, with different access keys', () => {
      const pushes = [push(), push({ userIdentity: iamUser('alice', 'AKIAEXAMPLEALICE0002') })];
      expect(
        verdict('ssh-key-multi-principal', pushes[0] as IndexedEvent, DEFAULT_DETECTION, pushes).fires,
      ).toBe(false);
    });
  });

  it('stateless rules only look at key pushes', () => {
    const describe = push({
      eventName: 'DescribeInstances',
      eventSource: 'ec2.amazonaws.com',
      errorCode: 'AccessDenied',
    });
    expect(statelessHits(describe, DEFAULT_DETECTION)).toEqual([]);
    expect(statelessHits(push({ errorCode: 'AccessDenied' }), DEFAULT_DETECTION).map((h) => h.rule)).toEqual([
      'ssh-push-denied',
    ]);
  });

  it('stateful verdicts are the same whatever the order of the pushes', () => {
    const pushes = [
      push({ eventTime: at(0) }, { instanceId: 'i-0aaaaaaaaaaaaaaa1' }),
      push({ eventTime: at(20), userIdentity: assumedRole() }, { instanceId: 'i-0aaaaaaaaaaaaaaa2' }),
      push({ eventTime: at(90) }, { instanceId: 'i-0aaaaaaaaaaaaaaa3' }),
    ];
    const expected = statefulHits(pushes, DEFAULT_DETECTION);
    for (const order of [
      [2, 1, 0],
      [1, 2, 0],
      [0, 2, 1],
    ]) {
      expect(
        statefulHits(
          order.map((i) => pushes[i] as IndexedEvent),
          DEFAULT_DETECTION,
        ),
      ).toEqual(expected);
    }
    expect([...expected.keys()]).toHaveLength(3);
  });
});
