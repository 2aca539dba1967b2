/**
 * How a principal reached an instance's operating system or its secrets (CONTRACT "Instance access").
 * The method of an event is decided from the record alone when it is extracted (`AccessFacts` on the
 * event), except `instance-credentials`, which needs other events (where the instance itself is) and is
 * decided when `trailwatch access` reads the index.
 */
export const ACCESS_METHODS = [
  'instance-connect',
  'serial-console',
  'instance-connect-endpoint',
  'ssm-session',
  'ssm-command',
  'launch-key-pair',
  'user-data-change',
  'user-data-read',
  'password-data',
  'console-output',
  'instance-credentials',
] as const;

export type AccessMethod = (typeof ACCESS_METHODS)[number];

/** What an event says of the access it gave (kept on the event and its index items, bounded). */
export interface AccessFacts {
  /** Never `instance-credentials` (decided at query time from the instance's other events). */
  readonly method: Exclude<AccessMethod, 'instance-credentials'>;
  /**
   * One line for people, bounded (`LIMITS.accessDetail`): `ssh as ec2-user`, `document
   * AWS-RunShellScript`, `key pair prod-admin`, `attribute userData`, `by tag targets tag:Env=prod (no
   * instance IDs in the request)`.
   */
  readonly detail: string;
  /** `OpenTunnel`: the private IP address the tunnel went to (matched to an instance at query time). */
  readonly privateIpAddress?: string;
  /** `OpenTunnel`: the remote port. */
  readonly remotePort?: string;
  /** `SendCommand` by targets rather than instance IDs: the targets as logged, bounded. */
  readonly targets?: string;
}

/** A private IP address a call gave to an instance or a network interface (RunInstances, CreateNetworkInterface, …). */
export type PrivateAddress = readonly [resourceId: string, address: string];

/**
 * The detail of a method whose events all say the same (`password data`): such facts are stored as
 * the method's name alone (`storedAccess`), which keeps the items of the cheapest spam there is (a
 * denied `GetPasswordData` anyone can make) about 30 bytes smaller.
 */
export const PLAIN_DETAIL: Readonly<Partial<Record<AccessMethod, string>>> = {
  'password-data': 'password data',
  'user-data-read': 'attribute userData',
  'user-data-change': 'user data changed',
  'console-output': 'console output',
};

/** Access facts as items hold them: the method's name when the detail is its plain one, else the facts. */
export function storedAccess(facts: AccessFacts): AccessFacts | string {
  const keys = Object.keys(facts);
  return keys.length === 2 && PLAIN_DETAIL[facts.method] === facts.detail ? facts.method : facts;
}

/** Access facts from an item (`storedAccess`'s form, or the full facts), undefined when absent. */
export function accessOfItem(value: unknown): AccessFacts | undefined {
  if (typeof value === 'string') {
    const detail = PLAIN_DETAIL[value as AccessMethod];
    return detail === undefined ? undefined : { method: value as AccessFacts['method'], detail };
  }
  return typeof value === 'object' && value !== null ? (value as AccessFacts) : undefined;
}
