import { field, isObject } from './json';
import { LIMITS } from './limits';

/**
 * EC2 resource IDs found anywhere in the parts of a record that name what the call acted on:
 * `requestParameters`, `responseElements`, `additionalEventData`, `serviceEventDetails`,
 * `resources[]` and `errorMessage` (a denied call names the instance ARN only there).
 * `userIdentity` is not searched: an instance in a session name is the caller, not the target.
 *
 * IDs are an instance's `i-` and the resource kinds of `RESOURCE_KINDS` (`vol-`, `snap-`, `ami-`,
 * `sg-`, `eni-`, `subnet-`, `vpc-`, `eipalloc-`, `key-`, `lt-`) followed by 8 or 17 hex digits in either
 * case (the anonymised corpus mixes case); they are returned in lower case, AWS's own spelling. In
 * `errorMessage`, an ID that is the session name of an assumed-role ARN is the caller (an instance's
 * own credentials were denied), not a target, and is not taken.
 */
export interface ResourceIds {
  readonly instanceIds: string[];
  /**
   * Volume, snapshot, image, security group, network interface, subnet, VPC, Elastic IP allocation,
   * key pair and launch template IDs.
   */
  readonly resourceIds: string[];
  /** True when more IDs were found than are kept (`LIMITS.instanceIdsPerEvent`, `resourceIdsPerEvent`). */
  readonly truncated: boolean;
}

/**
 * The prefixes of the other resource IDs (`RESOURCE#`), each followed by 8 or 17 hex digits: volume,
 * snapshot, image, security group, network interface, subnet, VPC, Elastic IP allocation, key pair
 * and launch template.
 */
export const RESOURCE_KINDS = [
  'vol',
  'snap',
  'ami',
  'sg',
  'eni',
  'subnet',
  'vpc',
  'eipalloc',
  'key',
  'lt',
] as const;
const KINDS = `(?:i|${RESOURCE_KINDS.join('|')})`;
const ID_PATTERN = new RegExp(
  `(?<![A-Za-z0-9-])${KINDS}-(?:[0-9a-fA-F]{17}|[0-9a-fA-F]{8})(?![A-Za-z0-9])`,
  'g',
);
/** A cheap necessary condition for ID_PATTERN: a prefix's last letter, a dash, a hex digit. */
const ID_HINT = new RegExp(
  `[${[...new Set(['i', ...RESOURCE_KINDS].map((k) => k.slice(-1)))].join('')}]-[0-9a-fA-F]`,
);
const RESOURCE_ID = new RegExp(`^(?:${RESOURCE_KINDS.join('|')})-(?:[0-9a-f]{17}|[0-9a-f]{8})$`, 'i');
/** The session name of an assumed-role ARN inside an error message (`…assumed-role/Role/i-0abc… is not`). */
const SESSION_IN_MESSAGE = /assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+/g;
const SEARCHED_FIELDS = [
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'serviceEventDetails',
  'resources',
];
/** Values visited per record: bounds the work an adversarial record can cause. */
const MAX_NODES = 200_000;

export function isInstanceId(id: string): boolean {
  return /^i-(?:[0-9a-f]{17}|[0-9a-f]{8})$/i.test(id);
}

/**
 * An instance ID as a request names one in a field that holds nothing else (`instanceId`,
 * `instanceIds`, an SSM `target`): `i-` and 8 to 17 letters or digits. Real IDs are hex
 * (`isInstanceId`); the anonymised Stratus Red Team records name others (`i-i2jnm5swa59p4fxg`), which
 * are taken from those fields only (never from free text) and accepted by the lookups.
 */
export function isNamedInstanceId(id: string): boolean {
  return /^i-[0-9a-z]{8,17}$/i.test(id);
}

export function isResourceId(id: string): boolean {
  return RESOURCE_ID.test(id);
}

/** The error message without the session names of the assumed-role ARNs it quotes (the caller's). */
function withoutCallerSessions(message: unknown): unknown {
  return typeof message === 'string' && message.includes('assumed-role/')
    ? message.replace(SESSION_IN_MESSAGE, 'assumed-role/…')
    : message;
}

export function extractResourceIds(record: unknown): ResourceIds {
  const instances = new Set<string>();
  const others = new Set<string>();
  let truncated = false;

  const scan = (s: string): void => {
    if (!ID_HINT.test(s)) return;
    for (const m of s.matchAll(ID_PATTERN)) {
      const id = m[0].toLowerCase();
      const isInstance = id.startsWith('i-');
      const set = isInstance ? instances : others;
      if (set.size >= (isInstance ? LIMITS.instanceIdsPerEvent : LIMITS.resourceIdsPerEvent)) {
        if (!set.has(id)) truncated = true;
        continue;
      }
      set.add(id);
    }
  };

  // depth-first, in document order: requestParameters first, errorMessage last
  const stack: unknown[] = [withoutCallerSessions(field(record, 'errorMessage'))];
  for (let i = SEARCHED_FIELDS.length - 1; i >= 0; i--)
    stack.push(field(record, SEARCHED_FIELDS[i] as string));
  let visited = 0;
  while (stack.length > 0 && visited < MAX_NODES) {
    const v = stack.pop();
    visited++;
    if (typeof v === 'string') scan(v);
    else if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    else if (isObject(v)) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        scan(key);
        stack.push(v[key]);
      }
    }
  }
  if (stack.length > 0) truncated = true;
  return { instanceIds: [...instances], resourceIds: [...others], truncated };
}
