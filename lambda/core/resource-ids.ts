import { field, isObject } from './json';
import { LIMITS } from './limits';

/**
 * EC2 resource IDs found anywhere in the parts of a record that name what the call acted on:
 * `requestParameters`, `responseElements`, `additionalEventData`, `serviceEventDetails`,
 * `resources[]` and `errorMessage` (a denied call names the instance ARN only there).
 * `userIdentity` is not searched: an instance in a session name is the caller, not the target.
 *
 * IDs are `i-`, `vol-`, `snap-`, `ami-` and `sg-` followed by 8 or 17 hex digits in either case
 * (the anonymised corpus mixes case); they are returned in lower case, AWS's own spelling.
 */
export interface ResourceIds {
  readonly instanceIds: string[];
  /** Volume, snapshot, image and security group IDs. */
  readonly resourceIds: string[];
  /** True when more IDs were found than are kept (`LIMITS.instanceIdsPerEvent`, `resourceIdsPerEvent`). */
  readonly truncated: boolean;
}

const ID_PATTERN =
  /(?<![A-Za-z0-9-])(?:i|vol|snap|ami|sg)-(?:[0-9a-fA-F]{17}|[0-9a-fA-F]{8})(?![A-Za-z0-9])/g;
const ID_HINT = /(?:i|vol|snap|ami|sg)-[0-9a-fA-F]/;
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

export function isResourceId(id: string): boolean {
  return /^(?:vol|snap|ami|sg|eni|subnet|vpc|eipalloc|key|lt)-(?:[0-9a-f]{17}|[0-9a-f]{8})$/i.test(id);
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
  const stack: unknown[] = [field(record, 'errorMessage')];
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
