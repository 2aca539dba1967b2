/**
 * The indexes of instance access (issue 12): key pair names (`KEYPAIR#`), source IPs (`IP#`), and the
 * internal SSM session (`SESSION#`), private address (`PRIVATEIP#`) and instance actor (`ACTOR#`)
 * partitions, with the `query` lookups of the first two and `query instance ID --as-actor`. Built
 * from `IndexedEvent`s directly, so they hold whatever fills the fields.
 */
import { UsageError } from '../../lambda/core/errors';
import type { IndexedEvent } from '../../lambda/core/event';
import { INDEXES } from '../../lambda/core/indexes';
import { actorIndex } from '../../lambda/core/indexes/actor';
import { ipIndex } from '../../lambda/core/indexes/ip';
import { keyPairIndex } from '../../lambda/core/indexes/keypair';
import { privateIpIndex } from '../../lambda/core/indexes/private-ip';
import { sessionIndex } from '../../lambda/core/indexes/session';
import { canonicalIp, sourceAddresses } from '../../lambda/core/ip';
import { buildItems, indexPartitions, itemToEvent, keys } from '../../lambda/core/items';
import { lookupPartition, QUERY_LOOKUPS } from '../../lambda/core/lookup';

const INSTANCE = 'i-0123456789abcdef0';

/** An indexed event with no values for any index but those given. */
function event(fields: Partial<IndexedEvent> = {}): IndexedEvent {
  return {
    eventID: '00000000-0000-4000-8000-00000000beef',
    eventTime: '2025-03-01T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RunInstances',
    readOnly: false,
    instanceIds: [],
    resourceIds: [],
    principal: {},
    findings: [],
    ...fields,
  };
}

/** `kind pk` of each partition of the event. */
const partitions = (e: IndexedEvent): string[] => indexPartitions(e).map((p) => `${p.kind} ${p.pk}`);

/** The partition a lookup answers with, or `usage error: …`. */
function lookup(kind: string, value: string, alternate = false): string {
  try {
    return lookupPartition(kind as never, value, { alternate });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return `usage error: ${error.describe()}`;
  }
}

describe('internal indexes (no `query` subcommand)', () => {
  it('have no lookup, so `trailwatch query` lists only the indexes that have one', () => {
    const internal = INDEXES.filter((i) => i.lookup === undefined).map((i) => i.kind);
    expect(internal).toEqual(['session', 'private-ip', 'actor', 'history']);
    expect(QUERY_LOOKUPS.map(([kind]) => kind)).toEqual([
      'instance',
      'user',
      'resource',
      'key',
      'keypair',
      'ip',
    ]);
    for (const kind of internal) {
      expect(lookup(kind, 'x')).toBe(`usage error: ${kind}: unknown lookup '${kind}'`);
    }
  });

  it('are written and read back like the others: index items of their kind, same summary and sort key', () => {
    const e = event({
      eventName: 'StartSession',
      eventSource: 'ssm.amazonaws.com',
      instanceIds: [INSTANCE],
      sessionId: 'Alice-0a1b2c3d4e5f67890',
      actorInstanceId: 'i-0fedcba9876543210',
      sourceIPAddress: '198.51.100.7',
    });
    const [eventItem, ...indexItems] = buildItems(e, Date.parse(e.eventTime));
    expect(indexItems.map((i) => `${i.kind} ${i.pk}`)).toEqual([
      `instance INSTANCE#${INSTANCE}`,
      'ip IP#198.51.100.7',
      'session SESSION#Alice-0a1b2c3d4e5f67890',
      'actor ACTOR#i-0fedcba9876543210',
      // an instance's own call is in ec2-instance-credentials-elsewhere's history, by address and instance
      'history HISTORY#ec2-instance-credentials-elsewhere#ip:198.51.100.7',
      'history HISTORY#ec2-instance-credentials-elsewhere#instance:i-0fedcba9876543210',
    ]);
    expect(new Set(indexItems.map((i) => i.sk)).size).toBe(1);
    for (const item of indexItems) {
      expect(item).toMatchObject({
        sessionId: 'Alice-0a1b2c3d4e5f67890',
        actorInstanceId: 'i-0fedcba9876543210',
      });
    }
    // the event item alone gives the same partitions (what `recordFinding` marks)
    expect(partitions(itemToEvent(eventItem as Record<string, unknown>))).toEqual(partitions(e));
  });
});

describe('key pair names: KEYPAIR#<name>, exact case', () => {
  it('indexes each name the event holds, as it is', () => {
    const names = ['prod-Admin', 'Legacy Key'];
    const e = event({ keyNames: names });
    expect(keyPairIndex.valuesOf(e)).toBe(names);
    expect(partitions(e)).toEqual(['keypair KEYPAIR#prod-Admin', 'keypair KEYPAIR#Legacy Key']);
    expect(keys.keyPair('prod-Admin')).toBe('KEYPAIR#prod-Admin');
  });

  it('near miss: no names, empty names and blank names make no partition; padded names are trimmed', () => {
    expect(keyPairIndex.valuesOf(event())).toEqual([]);
    expect(keyPairIndex.valuesOf(event({ keyNames: [] }))).toEqual([]);
    expect(keyPairIndex.valuesOf(event({ keyNames: ['', '  '] }))).toEqual([]);
    expect(keyPairIndex.valuesOf(event({ keyNames: [' ops ', 'ops', ''] }))).toEqual(['ops']);
  });

  it.each([
    ['prod-Admin', 'KEYPAIR#prod-Admin'],
    [' prod-Admin ', 'KEYPAIR#prod-Admin'],
    ['prod-admin', 'KEYPAIR#prod-admin'],
    ['key-0123456789abcdef0', 'KEYPAIR#key-0123456789abcdef0'],
    ['', 'usage error: keypair: keypair is empty'],
    [
      'k'.repeat(256),
      `usage error: keypair: '${'k'.repeat(80)}…' is not a key pair name (EC2 allows up to 255 characters)`,
    ],
  ])('query keypair %j: %s', (value, outcome) => {
    expect(lookup('keypair', value)).toBe(outcome);
  });

  it('looks a name up in its exact case only', () => {
    const e = event({ keyNames: ['prod-Admin'] });
    const pks = indexPartitions(e).map((p) => p.pk);
    expect(pks).toContain(lookup('keypair', 'prod-Admin'));
    expect(pks).not.toContain(lookup('keypair', 'PROD-ADMIN'));
  });
});

describe('source IP: IP#<address>, one spelling per address', () => {
  it.each([
    ['198.51.100.7', ['198.51.100.7']],
    ['035.249.253.232', ['35.249.253.232']],
    ['075.050.255.67', ['75.50.255.67']],
    ['2001:DB8:0:0:0:0:0:1', ['2001:db8::1']],
    ['2001:db8::1', ['2001:db8::1']],
    ['[2001:db8::1]', ['2001:db8::1']],
    ['81.2.69.142, 192.168.10.10', ['81.2.69.142', '192.168.10.10']],
    ['81.2.69.142, 081.2.69.142', ['81.2.69.142']],
    ['AWS Internal', []],
    ['ec2.amazonaws.com', []],
    ['ssm.amazonaws.com', []],
    ['10.0.0', []],
    ['256.1.1.1', []],
    ['redacted', []],
    [":now) OR attribute_exists(#pk) {{7*7}} '; DROP TABLE x; --", []],
    ['', []],
  ])('sourceIPAddress %j is indexed under %j', (source, addresses) => {
    expect(ipIndex.valuesOf(event({ sourceIPAddress: source }))).toEqual(addresses);
    expect(indexPartitions(event({ sourceIPAddress: source })).map((p) => p.pk)).toEqual(
      addresses.map((a) => `IP#${a}`),
    );
  });

  it('indexes none for an event without a source, and at most 4 addresses of a list', () => {
    expect(ipIndex.valuesOf(event())).toEqual([]);
    expect(sourceAddresses('1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4, 5.5.5.5')).toHaveLength(4);
  });

  it.each([
    ['35.249.253.232', 'IP#35.249.253.232'],
    ['035.249.253.232', 'IP#35.249.253.232'],
    [' 198.51.100.7 ', 'IP#198.51.100.7'],
    ['2001:DB8::1', 'IP#2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 'IP#2001:db8::1'],
    ['10.0.0', "usage error: ip: '10.0.0' is not an IPv4 or IPv6 address"],
    [
      '10.0.0.0/24',
      "usage error: ip: '10.0.0.0/24' is not an IPv4 or IPv6 address (one address, not a network)",
    ],
    [
      'ec2.amazonaws.com',
      "usage error: ip: 'ec2.amazonaws.com' is not an IPv4 or IPv6 address (calls made by AWS services, whose source is a name such as ec2.amazonaws.com, are not indexed by IP)",
    ],
    ['2001:db8::zz', "usage error: ip: '2001:db8::zz' is not an IPv4 or IPv6 address"],
    ['', 'usage error: ip: ip is empty'],
  ])('query ip %j: %s', (value, outcome) => {
    expect(lookup('ip', value)).toBe(outcome);
  });

  it('finds the event whatever spelling was logged or typed', () => {
    const logged = event({ sourceIPAddress: '035.249.253.232' });
    expect(indexPartitions(logged).map((p) => p.pk)).toEqual([lookup('ip', '35.249.253.232')]);
    const v6 = event({ sourceIPAddress: '2001:DB8:0:0:0:0:0:1' });
    expect(indexPartitions(v6).map((p) => p.pk)).toEqual([lookup('ip', '2001:db8::1')]);
    // the partition key of any spelling is the canonical one (for other readers: `keys.ip`)
    expect(keys.ip('035.249.253.232')).toBe('IP#35.249.253.232');
    expect(keys.ip('2001:DB8::0:1')).toBe('IP#2001:db8::1');
  });

  it('canonicalises as the allow-list reads addresses, plus IPv6 compression', () => {
    expect(canonicalIp('::FFFF:203.0.113.9')).toBe('::ffff:cb00:7109');
    expect(canonicalIp('fe80::1%eth0')).toBe('fe80::1');
    expect(canonicalIp('1.2.3.4.5')).toBeUndefined();
  });
});

describe('SSM sessions: SESSION#<session ID> (internal)', () => {
  it("indexes a session's StartSession, ResumeSession and TerminateSession under its ID, exact case", () => {
    for (const eventName of ['StartSession', 'ResumeSession', 'TerminateSession']) {
      const e = event({ eventSource: 'ssm.amazonaws.com', eventName, sessionId: 'Alice-0a1b2c3d4e5f67890' });
      expect(partitions(e)).toEqual(['session SESSION#Alice-0a1b2c3d4e5f67890']);
    }
    expect(keys.session('Alice-0a1b2c3d4e5f67890')).toBe('SESSION#Alice-0a1b2c3d4e5f67890');
  });

  it('near miss: no session ID, or an empty one, makes no partition', () => {
    expect(sessionIndex.valuesOf(event())).toEqual([]);
    expect(sessionIndex.valuesOf(event({ sessionId: '' }))).toEqual([]);
  });
});

describe('private addresses: PRIVATEIP#<address> (internal)', () => {
  it("indexes an OpenTunnel's address, and each address a call gave out, once each", () => {
    const tunnel = event({
      eventSource: 'ec2-instance-connect.amazonaws.com',
      eventName: 'OpenTunnel',
      access: {
        method: 'instance-connect-endpoint',
        detail: 'tunnel to 10.0.1.25:22 via eice-0123456789abcdef0',
        privateIpAddress: '10.0.1.25',
        remotePort: '22',
      },
    });
    expect(privateIpIndex.valuesOf(tunnel)).toEqual(['10.0.1.25']);
    const launch = event({
      instanceIds: [INSTANCE, 'i-0123456789abcdef1'],
      privateAddresses: [
        [INSTANCE, '10.0.1.25'],
        ['eni-0123456789abcdef0', '10.0.1.25'],
        ['i-0123456789abcdef1', '010.000.001.026'],
      ],
    });
    expect(partitions(launch)).toEqual([
      `instance INSTANCE#${INSTANCE}`,
      'instance INSTANCE#i-0123456789abcdef1',
      'private-ip PRIVATEIP#10.0.1.25',
      'private-ip PRIVATEIP#10.0.1.26',
    ]);
    expect(keys.privateIp('010.0.1.25')).toBe('PRIVATEIP#10.0.1.25');
  });

  it('keeps at most 20 addresses of a read-only or failed call, as its IDs, and all of a successful change', () => {
    const many: [string, string][] = Array.from({ length: 50 }, (_, k) => [
      `eni-0${String(k).padStart(16, '0')}`,
      `10.0.2.${k}`,
    ]);
    expect(privateIpIndex.valuesOf(event({ privateAddresses: many }))).toHaveLength(50);
    expect(
      privateIpIndex.valuesOf(event({ privateAddresses: many, errorCode: 'Client.UnauthorizedOperation' })),
    ).toHaveLength(20);
    expect(privateIpIndex.valuesOf(event({ privateAddresses: many, readOnly: true }))).toHaveLength(20);
  });

  it('near miss: an access without an address, no addresses, and what is not an address make no partition', () => {
    expect(privateIpIndex.valuesOf(event())).toEqual([]);
    expect(privateIpIndex.valuesOf(event({ privateAddresses: [] }))).toEqual([]);
    expect(
      privateIpIndex.valuesOf(
        event({
          privateAddresses: [
            [INSTANCE, ''],
            [INSTANCE, 'ip-10-0-1-25.ec2.internal'],
          ],
        }),
      ),
    ).toEqual([]);
    expect(
      privateIpIndex.valuesOf(
        event({ access: { method: 'ssm-session', detail: 'shell' }, sessionId: 's-1' }),
      ),
    ).toEqual([]);
  });
});

describe('instance actors: ACTOR#<instance> and `query instance ID --as-actor`', () => {
  it("indexes a call made with an instance's credentials under the instance, lower case, not as a target", () => {
    const e = event({
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
      actorInstanceId: 'i-0123456789ABCDEF0',
    });
    expect(partitions(e)).toEqual([`actor ACTOR#${INSTANCE}`]);
    expect(actorIndex.valuesOf(event())).toEqual([]);
    expect(keys.actor(INSTANCE)).toBe(`ACTOR#${INSTANCE}`);
  });

  it('reads ACTOR# with --as-actor, checking the ID as the instance lookup does', () => {
    expect(lookup('instance', ' I-0123456789ABCDEF0 ', true)).toBe(`ACTOR#${INSTANCE}`);
    expect(lookup('instance', 'I-0123456789ABCDEF0')).toBe(`INSTANCE#${INSTANCE}`);
    expect(lookup('instance', 'vol-0123456789abcdef0', true)).toMatch(
      /^usage error: instance: 'vol-0123456789abcdef0' is not an instance ID/,
    );
    expect(lookup('user', 'alice', true)).toBe('usage error: user: query user has no alternate partition');
  });

  it('offers the option on `query instance` only', () => {
    const withOption = QUERY_LOOKUPS.filter((entry) => entry[3] !== undefined);
    expect(withOption.map(([kind, , , alternate]) => [kind, alternate?.option])).toEqual([
      ['instance', '--as-actor'],
    ]);
    expect(withOption[0]?.[3]?.index).toBe(actorIndex);
  });
});
