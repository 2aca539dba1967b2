import type { IndexedEvent } from '../event';
import { instanceOfSession } from '../identity';
import { field, type JsonObject, type Mutable, setDefined } from '../json';
import { extractPrivateAddresses } from './addresses';
import { EC2_SOURCE } from './events';
import { accessFactsOf, sessionIdOf } from './facts';
import { extractKeyNames } from './key-names';

/**
 * Sets what an event says of instance access (CONTRACT "Instance access", docs/access.md) on an
 * event being extracted, from its record: the key pair names of an EC2 call, the access facts, the
 * Systems Manager session, the instance whose own credentials made the call, and the private addresses
 * a successful EC2 call gave. Expects the event's other fields (source, name, error code, principal,
 * SSH push) already set.
 */
export function setAccessFields(event: Mutable<IndexedEvent>, record: JsonObject): void {
  const { eventSource, eventName, errorCode } = event;
  const ec2 = eventSource === EC2_SOURCE;
  const keyNames = ec2 ? extractKeyNames(record) : undefined;
  setDefined(event, 'keyNames', keyNames);
  const facts = accessFactsOf(eventSource, eventName, () => ({
    record,
    request: field(record, 'requestParameters'),
    response: field(record, 'responseElements'),
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(event.ssh ? { ssh: event.ssh } : {}),
    ...(keyNames ? { keyNames } : {}),
  }));
  setDefined(event, 'access', facts);
  setDefined(event, 'sessionId', sessionIdOf(eventSource, eventName, record));
  setDefined(event, 'actorInstanceId', instanceOfSession(event.principal));
  if (ec2 && errorCode === undefined)
    setDefined(event, 'privateAddresses', extractPrivateAddresses(eventName, record));
}
