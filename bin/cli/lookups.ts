import type { LookupKind } from '../../lambda/core/lookup';

/** One `trailwatch query <kind> <argument>` subcommand. */
export interface CliLookup {
  readonly kind: LookupKind;
  /** The argument, as the help shows it. */
  readonly argument: string;
  readonly description: string;
}

/** The things `trailwatch query` looks up, in the order of its help. */
export const LOOKUPS: readonly CliLookup[] = [
  { kind: 'instance', argument: '<id>', description: 'events for an instance (i-…)' },
  {
    kind: 'user',
    argument: '<who>',
    description:
      'events by a principal: full ARN, IAM user name, role name, role session name, root, or access key ID',
  },
  {
    kind: 'resource',
    argument: '<id>',
    description: 'events for a volume, snapshot, image or security group (vol-, snap-, ami-, sg-)',
  },
  {
    kind: 'key',
    argument: '<fingerprint>',
    description: 'SSH key pushes of one key: SHA256:… fingerprint, or a whole public key',
  },
];
