import {
  attachedInterfaces,
  instanceHolders,
  matchTunnels,
  ownGrants,
  partitionGrants,
} from '../../lambda/core/access/tunnels';
import type { IndexedEvent } from '../../lambda/core/event';
import { accessEvent, INSTANCE, launch, tunnel } from '../helpers/access-events';

const ADDRESS = '10.0.1.25';
const LATER_INSTANCE = 'i-0fedcba9876543210';

/**
 * The tunnels matched to INSTANCE, given the event items that gave it addresses (`own`), the items of
 * the addresses' partitions (`partition`: other grants and the tunnels) and the targeted events.
 */
function matched(
  own: readonly IndexedEvent[],
  partition: readonly IndexedEvent[],
  targeted: readonly IndexedEvent[] = own,
): string[] {
  const attached = attachedInterfaces(targeted);
  const holders = instanceHolders(INSTANCE, own, attached);
  const grants = ownGrants(holders, own);
  const others = partitionGrants(ADDRESS, partition, holders);
  const tunnels = partition.filter((e) => e.access?.method === 'instance-connect-endpoint');
  return matchTunnels(grants, others, tunnels).map((t) => t.eventTime);
}

describe('Instance Connect Endpoint tunnels matched to an instance by private address', () => {
  const ours = launch('2024-05-01T10:00:00Z', INSTANCE, ADDRESS);

  it('matches a tunnel to the address after the instance got it', () => {
    const t = tunnel('2024-05-01T11:00:00Z', ADDRESS);
    expect(matched([ours], [ours, t])).toEqual(['2024-05-01T11:00:00Z']);
  });

  it('matches whatever spelling the record has (leading zeros of anonymised octets)', () => {
    const t = tunnel('2024-05-01T11:00:00Z', '010.000.001.025');
    expect(matched([ours], [ours, t])).toEqual(['2024-05-01T11:00:00Z']);
  });

  it('does not match a tunnel before the instance had the address', () => {
    expect(matched([ours], [ours, tunnel('2024-05-01T09:59:59Z', ADDRESS)])).toEqual([]);
  });

  it('stops matching once the address is given to a later instance, and gives its tunnels to that one', () => {
    const reuse = launch('2024-05-03T08:00:00Z', LATER_INSTANCE, ADDRESS);
    const before = tunnel('2024-05-02T12:00:00Z', ADDRESS);
    const after = tunnel('2024-05-03T09:00:00Z', ADDRESS);
    expect(matched([ours], [after, reuse, before, ours])).toEqual(['2024-05-02T12:00:00Z']);
    // from the later instance's side, the same partition: only the tunnel after its launch
    const holders = instanceHolders(LATER_INSTANCE, [reuse], new Map());
    const theirs = matchTunnels(
      ownGrants(holders, [reuse]),
      partitionGrants(ADDRESS, [ours, reuse], holders),
      [before, after],
    );
    expect(theirs.map((t) => t.eventTime)).toEqual(['2024-05-03T09:00:00Z']);
  });

  it('does not match a tunnel to the same address in another account or another region', () => {
    const otherAccount = tunnel('2024-05-01T11:00:00Z', ADDRESS, { accountId: '444455556666' });
    const otherRegion = tunnel('2024-05-01T11:00:00Z', ADDRESS, { awsRegion: 'us-east-1' });
    expect(matched([ours], [ours, otherAccount, otherRegion])).toEqual([]);
  });

  it('counts a failed launch as giving no address', () => {
    const failed = launch('2024-05-01T10:00:00Z', INSTANCE, ADDRESS, {
      errorCode: 'Client.InvalidParameterValue',
    });
    expect(matched([failed], [failed, tunnel('2024-05-01T11:00:00Z', ADDRESS)])).toEqual([]);
  });

  it('counts the addresses of a network interface attached later from the attachment on', () => {
    const eni = 'eni-0aaaabbbbccccdddd';
    const created = accessEvent('CreateNetworkInterface', '2024-05-01T09:00:00Z', {
      resourceIds: [eni, 'subnet-0123456789abcdef0'],
      privateAddresses: [[eni, ADDRESS]],
    });
    const attach = accessEvent('AttachNetworkInterface', '2024-05-01T12:00:00Z', {
      instanceIds: [INSTANCE],
      resourceIds: [eni],
    });
    const early = tunnel('2024-05-01T10:30:00Z', ADDRESS);
    const late = tunnel('2024-05-01T12:30:00Z', ADDRESS);
    expect(matched([created], [created, early, late], [attach])).toEqual(['2024-05-01T12:30:00Z']);
  });

  it('takes the primary network interface of the launch as the instance', () => {
    const eni = 'eni-0aaaabbbbccccdddd';
    const withEni = launch('2024-05-01T10:00:00Z', INSTANCE, ADDRESS, {}, eni);
    expect([...instanceHolders(INSTANCE, [withEni], new Map()).keys()]).toEqual([INSTANCE, eni]);
    expect(matched([withEni], [withEni, tunnel('2024-05-01T11:00:00Z', ADDRESS)])).toEqual([
      '2024-05-01T11:00:00Z',
    ]);
  });
});
