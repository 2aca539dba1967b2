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
