import type { IndexedEvent } from '../event';
import { instanceOfSession } from '../identity';
import { field, type JsonObject, type Mutable, setDefined } from '../json';
import { LIMITS } from '../limits';
import { isInstanceId, isNamedInstanceId } from '../resource-ids';
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
  if (facts) event.instanceIds = withNamedTargets(event.instanceIds, field(record, 'requestParameters'));
  setDefined(event, 'sessionId', sessionIdOf(eventSource, eventName, record));
  setDefined(event, 'actorInstanceId', instanceOfSession(event.principal));
  if (ec2 && errorCode === undefined)
    setDefined(event, 'privateAddresses', extractPrivateAddresses(eventName, record));
}

/**
 * The instance IDs of an access event with the ones its request names in a field that holds only an
 * instance ID (`instanceId`, `instanceIds`, `target`) and the scan did not take (not hex: the
 * anonymised Stratus records), lower case, within `LIMITS.instanceIdsPerEvent`.
 */
function withNamedTargets(found: readonly string[], request: unknown): readonly string[] {
  const named = [
    field(request, 'instanceId'),
    field(request, 'target'),
    field(request, 'instanceIds'),
  ].flat();
  let out: string[] | undefined;
  for (const value of named) {
    if (typeof value !== 'string' || isInstanceId(value) || !isNamedInstanceId(value)) continue;
    const id = value.toLowerCase();
    if (found.includes(id) || out?.includes(id)) continue;
    if ((out ?? found).length >= LIMITS.instanceIdsPerEvent) break;
    out ??= [...found];
    out.push(id);
  }
  return out ?? found;
}
