import { UsageError } from '../../lambda/core/errors';
import { extractEvent } from '../../lambda/core/event';
import { FILES_PREFIX } from '../../lambda/core/file-markers';
import { INDEXES } from '../../lambda/core/indexes';
import { indexPartitions, keys } from '../../lambda/core/items';
import { lookupPartition, QUERY_LOOKUPS } from '../../lambda/core/lookup';
import { ED25519_FINGERPRINT, ED25519_KEY, ec2Call, keyPush } from '../helpers/records';

/** Partitions that are not indexes: an index's keys must never fall into them. */
const RESERVED_PREFIXES = [keys.event(''), keys.findings(), FILES_PREFIX];
const RESERVED_KINDS = ['event', 'finding', 'file', 'conflict'];

describe('the index registry', () => {
  it('ships the instance, user, resource, SSH key, key pair and IP indexes, in the order of `trailwatch query`, then the internal ones', () => {
    expect(INDEXES.map((i) => i.kind)).toEqual([
      'instance',
      'user',
      'resource',
      'key',
      'keypair',
      'ip',
      'session',
      'private-ip',
      'actor',
      'history',
    ]);
    expect(INDEXES.map((i) => i.prefix)).toEqual([
      'INSTANCE#',
      'USER#',
      'RESOURCE#',
      'KEY#',
      'KEYPAIR#',
      'IP#',
      'SESSION#',
      'PRIVATEIP#',
      'ACTOR#',
      'HISTORY#',
    ]);
  });

  it('gives each index its own kind and a prefix no other partition starts with', () => {
    const kinds = INDEXES.map((i) => i.kind as string);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const kind of kinds) expect(RESERVED_KINDS).not.toContain(kind);
    const prefixes = INDEXES.map((i) => i.prefix);
    for (const p of prefixes) {
      expect(p).toMatch(/^[A-Z][A-Z0-9_]*#$/);
      for (const other of [...prefixes.filter((o) => o !== p), ...RESERVED_PREFIXES]) {
        expect(p.startsWith(other) || other.startsWith(p)).toBe(false);
      }
    }
  });

  it('builds the query subcommands from the entries with a lookup: argument and help as before', () => {
    expect(QUERY_LOOKUPS.map(([kind, argument, description]) => [kind, argument, description])).toEqual([
      ['instance', '<id>', 'events for an instance (i-…)'],
      [
        'user',
        '<who>',
        'events by a principal: full ARN, IAM user name, role name, role session name, root, or access key ID',
      ],
      [
        'resource',
        '<id>',
        'events for a volume, snapshot, image, security group, network interface, subnet, VPC, Elastic IP allocation, key pair ID or launch template (vol-, snap-, ami-, sg-, eni-, subnet-, vpc-, eipalloc-, key-, lt-)',
      ],
      ['key', '<fingerprint>', 'SSH key pushes of one key: SHA256:… fingerprint, or a whole public key'],
      [
        'keypair',
        '<name>',
        'events that name an EC2 key pair (launches with it, imports, creations, deletions); the name in its exact case',
      ],
      ['ip', '<address>', 'events made from one source IP address (IPv4 or IPv6)'],
    ]);
  });

  it('draws the partitions of an event from every index', () => {
    const record = keyPush({}, { instanceId: 'i-0123456789ABCDEF0', snapshotId: 'snap-0123456789abcdef0' });
    const x = extractEvent(record, JSON.stringify(record));
    if (!x.ok) throw new Error(x.reason);
    expect(indexPartitions(x.event).map((p) => `${p.kind} ${p.pk}`)).toEqual([
      'instance INSTANCE#i-0123456789abcdef0',
      'user USER#arn:arn:aws:iam::111122223333:user/alice',
      'user USER#name:alice',
      'user USER#akid:akiaexamplealice0001',
      'resource RESOURCE#snap-0123456789abcdef0',
      `key KEY#${ED25519_FINGERPRINT}`,
      'ip IP#198.51.100.7',
      // a key push is a human reaching an instance: ec2-instance-credentials-elsewhere's history
      'history HISTORY#ec2-instance-credentials-elsewhere#ip:198.51.100.7',
    ]);
    const plain = extractEvent(ec2Call('CreateKeyPair', { requestParameters: {} }), '{}');
    if (!plain.ok) throw new Error(plain.reason);
    expect(indexPartitions(plain.event).map((p) => p.kind)).not.toContain('key');
  });
});

describe('lookups (trailwatch query <kind> <value>)', () => {
  it.each([
    ['instance', ' I-0123456789ABCDEF0 ', 'INSTANCE#i-0123456789abcdef0'],
    ['instance', 'i-0abc1234', 'INSTANCE#i-0abc1234'],
    ['resource', 'SNAP-0123456789ABCDEF0', 'RESOURCE#snap-0123456789abcdef0'],
    ['resource', 'sg-0abc1234', 'RESOURCE#sg-0abc1234'],
    ['user', ' Alice ', 'USER#name:alice'],
    ['user', 'ROOT', 'USER#root'],
    ['user', 'arn:aws:iam::111122223333:user/Alice', 'USER#arn:arn:aws:iam::111122223333:user/alice'],
    ['user', 'AKIAEXAMPLEALICE0001', 'USER#akid:akiaexamplealice0001'],
    ['user', 'alice@example.com', 'USER#name:alice@example.com'],
    [
      'key',
      'SHA256:0DSmEaqM4EblXprHI0ZbaIRSROz+Ww7FGC0zUzRwIq4=',
      'KEY#SHA256:0DSmEaqM4EblXprHI0ZbaIRSROz+Ww7FGC0zUzRwIq4',
    ],
    ['key', 'INVALID:abc', 'KEY#INVALID:abc'],
    ['key', 'ssh-rsa AAAAAAAAAAAAAAAAAAAAAAAA', 'KEY#INVALID:c2bbEi5xcF82X9UkfGkv0F6TilT3gShUl7LBw5MLK3E'],
    ['key', ED25519_KEY, `KEY#${ED25519_FINGERPRINT}`],
    [
      'instance',
      'vol-0123456789abcdef0',
      "usage error: instance: 'vol-0123456789abcdef0' is not an instance ID (i- followed by 8 or 17 hex digits) (for volumes, snapshots, images, security groups and other resource IDs use: query resource)",
    ],
    [
      'instance',
      'nope',
      "usage error: instance: 'nope' is not an instance ID (i- followed by 8 or 17 hex digits)",
    ],
    ['instance', '  ', 'usage error: instance: instance is empty'],
    [
      'resource',
      'i-0123456789abcdef0',
      "usage error: resource: 'i-0123456789abcdef0' is not a vol-, snap-, ami-, sg-, eni-, subnet-, vpc-, eipalloc-, key- or lt- ID with 8 or 17 hex digits (for instances use: query instance)",
    ],
    [
      'resource',
      'x',
      "usage error: resource: 'x' is not a vol-, snap-, ami-, sg-, eni-, subnet-, vpc-, eipalloc-, key- or lt- ID with 8 or 17 hex digits",
    ],
    ['user', '', 'usage error: user: user is empty'],
    [
      'key',
      'SHA256:short',
      "usage error: key: 'SHA256:short' is not a SHA256 fingerprint (SHA256: and 43 base64 characters, as ssh-keygen -l prints)",
    ],
    ['key', 'junk', "usage error: key: 'junk' is neither a SHA256:… fingerprint nor an SSH public key"],
  ])('%s %j: %s', (kind, value, outcome) => {
    let answer: string;
    try {
      answer = lookupPartition(kind as never, value);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      answer = `usage error: ${error.describe()}`;
    }
    expect(answer).toBe(outcome);
  });
});
