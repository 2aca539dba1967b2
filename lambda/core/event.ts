import { createHash } from 'node:crypto';
import { setAccessFields } from './access/extract';
import type { AccessFacts, PrivateAddress } from './access/types';
import { extractPrincipal, type Principal } from './identity';
import { field, type JsonObject, type Mutable, setDefined, text } from './json';
import { bound, boundOpt, LIMITS } from './limits';
import { extractResourceIds, type ResourceIds } from './resource-ids';
import { isReadOnly } from './select';
import { extractSshPush, type SshPush } from './ssh';
import { formatTime, parseTime } from './time';

/**
 * The summary of one indexed event: what every query returns and what the rules look at.
 * Field names follow CONTRACT's `--json` event lines.
 */
export interface IndexedEvent {
  readonly eventID: string;
  /** ISO 8601, UTC. */
  readonly eventTime: string;
  readonly eventSource: string;
  /** Trimmed (`"SendSSHPublicKey "` exists in the wild). */
  readonly eventName: string;
  readonly eventType?: string;
  readonly awsRegion?: string;
  /** The recipient account (`recipientAccountId`, else the principal's account). */
  readonly accountId?: string;
  readonly readOnly: boolean;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly instanceIds: readonly string[];
  /**
   * Other resource IDs: volume, snapshot, image, security group, network interface, subnet, VPC,
   * Elastic IP allocation, key pair and launch template IDs.
   */
  readonly resourceIds: readonly string[];
  /** More IDs were referenced than are kept. */
  readonly idsTruncated?: boolean;
  readonly principal: Principal;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  /** For EC2 Instance Connect key pushes. */
  readonly ssh?: SshPush;
  /** EC2 key pair names the call names (`keyName` of RunInstances, ImportKeyPair, …), bounded. */
  readonly keyNames?: readonly string[];
  /** How the event reached an instance (CONTRACT "Instance access"), when it is an access path. */
  readonly access?: AccessFacts;
  /** The Systems Manager session of a StartSession, ResumeSession or TerminateSession. */
  readonly sessionId?: string;
  /**
   * The instance whose own role credentials made the call (an assumed-role session whose session
   * name is the instance ID): the event is that instance's activity, not something done to it.
   */
  readonly actorInstanceId?: string;
  /**
   * Private IP addresses the call gave to instances or network interfaces (RunInstances,
   * CreateNetworkInterface, …), bounded; kept on the event item only (used to match an `OpenTunnel`'s
   * address to an instance).
   */
  readonly privateAddresses?: readonly PrivateAddress[];
  /** Rule IDs of the findings on this event. */
  readonly findings: readonly string[];
  /** Where the record came from: `s3://bucket/key` or `file:///path`. */
  readonly source?: string;
}

export type Extraction =
  | { readonly ok: true; readonly event: IndexedEvent; readonly timeMs: number }
  | { readonly ok: false; readonly reason: string };

/** ID of a record without `eventID` (old formats): derived from its text, so re-ingesting is harmless. */
export function syntheticEventId(raw: string | Buffer): string {
  return `synthetic-${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
}

/** An eventID usable as a key: real ones are 36-character UUIDs; absurd ones are hashed. */
function keyableEventId(id: string): string {
  if (id.length <= LIMITS.eventId) return id;
  return `hashed-${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

/**
 * A read-only or failed call keeps at most `LIMITS.idsPerReadOnlyOrFailedCall` IDs, instances first
 * (each kept ID is an index item: a denied call naming a thousand IDs must not make a thousand).
 */
function capIdsOfReadOnlyOrFailed(ids: ResourceIds, readOnlyOrFailed: boolean): ResourceIds {
  const max = LIMITS.idsPerReadOnlyOrFailedCall;
  if (!readOnlyOrFailed || ids.instanceIds.length + ids.resourceIds.length <= max) return ids;
  const instanceIds = ids.instanceIds.slice(0, max);
  return {
    instanceIds,
    resourceIds: ids.resourceIds.slice(0, max - instanceIds.length),
    truncated: true,
  };
}

/**
 * Extracts the summary of a selected record. Never throws; a record that cannot be indexed
 * (no usable `eventTime`) is returned with the reason.
 */
export function extractEvent(record: JsonObject, raw: string | Buffer, source?: string): Extraction {
  const timeMs = parseTime(field(record, 'eventTime'));
  if (timeMs === undefined) {
    const t = field(record, 'eventTime');
    return {
      ok: false,
      reason: t === undefined ? 'missing eventTime' : `invalid eventTime ${JSON.stringify(t).slice(0, 60)}`,
    };
  }
  const rawId = text(record, 'eventID');
  const eventID = rawId ? keyableEventId(rawId) : syntheticEventId(raw);
  const eventName = bound(text(record, 'eventName') ?? '(none)', LIMITS.eventName);
  const principal = extractPrincipal(field(record, 'userIdentity'));
  const readOnly = isReadOnly(record);
  const errorCode = boundOpt(text(record, 'errorCode'), LIMITS.errorCode);
  const ids = capIdsOfReadOnlyOrFailed(extractResourceIds(record), readOnly || errorCode !== undefined);
  const ssh = extractSshPush(eventName, record);

  // built by assignment, optional fields only when present: this runs for every indexed event
  const event: Mutable<IndexedEvent> = {
    eventID,
    eventTime: formatTime(timeMs),
    eventSource: bound(text(record, 'eventSource') ?? '', LIMITS.eventSource),
    eventName,
    readOnly,
    instanceIds: ids.instanceIds,
    resourceIds: ids.resourceIds,
    principal,
    findings: [],
  };
  setDefined(event, 'eventType', boundOpt(text(record, 'eventType'), LIMITS.name));
  setDefined(event, 'awsRegion', boundOpt(text(record, 'awsRegion'), LIMITS.region));
  setDefined(
    event,
    'accountId',
    boundOpt(text(record, 'recipientAccountId') ?? principal.accountId, LIMITS.accountId),
  );
  setDefined(event, 'errorCode', errorCode);
  setDefined(event, 'errorMessage', boundOpt(text(record, 'errorMessage'), LIMITS.errorMessage));
  if (ids.truncated) event.idsTruncated = true;
  setDefined(event, 'sourceIPAddress', boundOpt(text(record, 'sourceIPAddress'), LIMITS.sourceIp));
  setDefined(event, 'userAgent', boundOpt(text(record, 'userAgent'), LIMITS.userAgent));
  setDefined(event, 'ssh', ssh);
  setAccessFields(event, record);
  setDefined(event, 'source', boundOpt(source, LIMITS.source));
  return { ok: true, event, timeMs };
}
