import type { AccessFacts } from '../../lambda/core/access/types';
import { extractEvent } from '../../lambda/core/event';
import { buildItems, dynamoItemSize, itemToEvent } from '../../lambda/core/items';
import { ec2Call } from '../helpers/records';

const withAccess = (access: AccessFacts) => {
  const extraction = extractEvent(
    ec2Call('GetPasswordData', { errorCode: 'Client.UnauthorizedOperation' }),
    '{}',
  );
  if (!extraction.ok) throw new Error(extraction.reason);
  return { event: { ...extraction.event, access }, timeMs: extraction.timeMs };
};

describe('access facts on items', () => {
  it('stores facts whose detail is the plain one of their method as the method name, and reads them back whole', () => {
    const { event, timeMs } = withAccess({ method: 'password-data', detail: 'password data' });
    const items = buildItems(event, timeMs);
    for (const item of items) {
      expect(item.access).toBe('password-data');
      expect(itemToEvent(item).access).toEqual({ method: 'password-data', detail: 'password data' });
    }
  });

  it('keeps the whole facts when they say more than the method (a user, a document, a tunnel)', () => {
    const facts: AccessFacts = { method: 'console-output', detail: 'console screenshot' };
    const { event, timeMs } = withAccess(facts);
    const [eventItem, indexItem] = buildItems(event, timeMs);
    expect(eventItem?.access).toEqual(facts);
    expect(itemToEvent(indexItem as Record<string, unknown>).access).toEqual(facts);
    const tunnel: AccessFacts = {
      method: 'instance-connect-endpoint',
      detail: 'tunnel to 10.0.1.1:22 via eice-0123456789abcdef0',
      privateIpAddress: '10.0.1.1',
      remotePort: '22',
    };
    expect(buildItems({ ...event, access: tunnel }, timeMs)[0]?.access).toEqual(tunnel);
  });

  it('makes the stored form about 30 bytes smaller than the facts', () => {
    const { event, timeMs } = withAccess({ method: 'password-data', detail: 'password data' });
    const plain = dynamoItemSize(buildItems(event, timeMs)[0] as Record<string, unknown>);
    const whole = dynamoItemSize({
      ...(buildItems(event, timeMs)[0] as Record<string, unknown>),
      access: { method: 'password-data', detail: 'password data' },
    });
    expect(whole - plain).toBeGreaterThanOrEqual(25);
  });

  it('reads no facts from an unknown method name (an item is data, not code)', () => {
    expect(itemToEvent({ pk: 'EVENT#x', sk: 'EVENT', access: 'rm -rf' }).access).toBeUndefined();
  });
});
