import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSshPush, keyQueryFingerprint, sshKeyFacts } from '../../lambda/core/ssh';
import { FIXTURES } from '../helpers/corpus';
import { ED25519_FINGERPRINT, ED25519_KEY, keyPush } from '../helpers/records';

interface TestKey {
  name: string;
  publicKey: string;
  sshKeygenFingerprint: string;
  bits: number;
  type: string;
}
const KEYS = (JSON.parse(readFileSync(join(FIXTURES, 'ssh-keys.json'), 'utf8')) as { keys: TestKey[] }).keys;
type Rec = Record<string, unknown> & { eventName: string };
const stratus = (file: string): Rec[] =>
  JSON.parse(readFileSync(join(FIXTURES, 'cloudtrail', 'stratus', file), 'utf8')) as Rec[];

describe('SSH key facts', () => {
  it.each(KEYS.map((k) => [k.name, k] as const))(
    '%s: fingerprint, type and bits as ssh-keygen -l prints them',
    (_name, key) => {
      expect(sshKeyFacts(key.publicKey)).toMatchObject({
        fingerprint: key.sshKeygenFingerprint,
        keyType: key.type,
        keyBits: key.bits,
        keyValid: true,
      });
    },
  );

  it('keeps the comment, and ignores a trailing newline (real shape, Elastic)', () => {
    expect(sshKeyFacts(`${ED25519_KEY}\n`)).toEqual({
      fingerprint: ED25519_FINGERPRINT,
      keyType: 'ED25519',
      keyBits: 256,
      keyValid: true,
      keyComment: 'responder@laptop',
    });
  });

  it.each([
    ['placeholder body', 'ssh-ed25519 XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'],
    ['docs example', 'ssh-rsa ABCDEFGHIJKLMNO01234567890EXAMPLE'],
    ['empty', ''],
    [
      'PEM instead of OpenSSH',
      '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----',
    ],
    ['huge', `ssh-rsa ${'A'.repeat(100_000)}`],
  ])('marks unparseable material (%s) as invalid, never throws', (_name, material) => {
    const facts = sshKeyFacts(material);
    expect(facts.keyValid).toBe(false);
    expect(facts.keyType).toBe('INVALID');
    expect(facts.fingerprint).toMatch(/^INVALID:[A-Za-z0-9+/]{43}$/);
    expect(facts.keyError).toEqual(expect.any(String));
  });

  it('gives equal junk the same INVALID fingerprint, whatever the comment', () => {
    expect(sshKeyFacts('ssh-rsa AAAAjunk a@b').fingerprint).toBe(
      sshKeyFacts('ssh-rsa AAAAjunk other').fingerprint,
    );
    expect(sshKeyFacts('ssh-rsa AAAAjunk').fingerprint).not.toBe(
      sshKeyFacts('ssh-rsa AAAAjunk2').fingerprint,
    );
  });
});

describe('key pushes (CONTRACT: both SSH key shapes)', () => {
  it('reads requestParameters.sSHPublicKey with instanceOSUser (what AWS writes today; real, Stratus)', () => {
    const r = stratus('aws.lateral-movement.ec2-instance-connect.json')[0] as Rec;
    expect(extractSshPush(r.eventName, r)).toEqual({
      osUser: 'ec2-user',
      fingerprint: sshKeyFacts(
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRu',
      ).fingerprint,
      keyType: 'ED25519',
      keyBits: 256,
      keyValid: true,
    });
  });

  it('reads requestParameters.SSHKey.publicKey with osUser (older documentation shape)', () => {
    const r = keyPush(
      {},
      {
        instanceOSUser: undefined,
        sSHPublicKey: undefined,
        osUser: 'admin',
        SSHKey: { publicKey: ED25519_KEY },
      },
    );
    expect(extractSshPush('SendSSHPublicKey', r)).toMatchObject({
      osUser: 'admin',
      fingerprint: ED25519_FINGERPRINT,
    });
  });

  it('reads a serial console push: serial port, no OS user (real, Stratus)', () => {
    const r = stratus('aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json').find(
      (x) => x.eventName === 'SendSerialConsoleSSHPublicKey',
    ) as Rec;
    const push = extractSshPush(r.eventName, r);
    expect(push?.osUser).toBeUndefined();
    expect(push?.serialPort).toBe(0);
    expect(push?.fingerprint).toMatch(/^SHA256:/);
  });

  it('has an empty push for a denied call without request parameters, and none for other events', () => {
    expect(extractSshPush('SendSSHPublicKey', { requestParameters: undefined })).toEqual({});
    expect(extractSshPush('OpenTunnel', keyPush())).toBeUndefined();
  });
});

describe('key lookups', () => {
  it('accepts a SHA256 fingerprint, with or without the padding =, or a whole public key', () => {
    expect(keyQueryFingerprint(ED25519_FINGERPRINT)).toBe(ED25519_FINGERPRINT);
    expect(keyQueryFingerprint(`${ED25519_FINGERPRINT}=`)).toBe(ED25519_FINGERPRINT);
    expect(keyQueryFingerprint(ED25519_KEY)).toBe(ED25519_FINGERPRINT);
    expect(keyQueryFingerprint('ssh-rsa AAAAjunk')).toBe(sshKeyFacts('ssh-rsa AAAAjunk').fingerprint);
  });
});
