import { field, isObject } from '../json';
import { bound, LIMITS } from '../limits';

/**
 * The EC2 key pair names a call names: every `keyName` (and `KeyName`, as launch templates write it)
 * in `requestParameters` and `responseElements`, in document order (the request first), exact case
 * (key pair names are case-sensitive), deduplicated, at most `LIMITS.keyNamesPerEvent` of
 * `LIMITS.keyName` characters each. RunInstances (its request and each started instance),
 * ImportKeyPair, CreateKeyPair, DeleteKeyPair, a DescribeKeyPairs naming keys in its `keySet`,
 * CreateLaunchTemplate, … The caller takes them from EC2 events only.
 */

/** Values visited per record: bounds the work an adversarial record can cause. */
const MAX_NODES = 50_000;

function isKeyNameKey(key: string): boolean {
  return key.length === 7 && (key === 'keyName' || key === 'KeyName');
}

export function extractKeyNames(record: unknown): string[] | undefined {
  const names: string[] = [];
  const stack: unknown[] = [field(record, 'responseElements'), field(record, 'requestParameters')];
  let visited = 0;
  while (stack.length > 0 && visited < MAX_NODES && names.length < LIMITS.keyNamesPerEvent) {
    const v = stack.pop();
    visited++;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    } else if (isObject(v)) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        const value = v[key];
        if (isKeyNameKey(key)) add(names, value);
        else if (typeof value === 'object' && value !== null) stack.push(value);
      }
    }
  }
  return names.length > 0 ? names : undefined;
}

function add(names: string[], value: unknown): void {
  if (typeof value !== 'string') return;
  const name = bound(value.trim(), LIMITS.keyName);
  if (name !== '' && !names.includes(name) && names.length < LIMITS.keyNamesPerEvent) names.push(name);
}
