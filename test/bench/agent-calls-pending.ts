import type { Principal } from '../../lambda/core/identity';

/*
 * TEMPORARY (issue 12, part D): a local copy of what part A adds to the product, so the agent
 * chatter measurement can run before the merge. At the merge the lead replaces the imports of this
 * file with the product's own:
 *
 * - `isRoutineAgentCall` → `lambda/core/access/agent-calls.ts` (the routine calls not kept);
 * - `instanceOfSession` → `lambda/core/identity.ts` `instanceOfSession(principal)`;
 *
 * and deletes this file. The measurement itself never asks this file whether a call is kept: "after"
 * is whatever the pipeline (`processLogFile`) keeps. This list only labels the generated calls, for
 * the counts the measurement reports and the test's "after keeps no routine call".
 */

/** The routine calls of the SSM agent and the CloudWatch agent (design decision 1), by eventSource. */
const ROUTINE_AGENT_CALLS: ReadonlyMap<string, ReadonlySet<string> | 'all'> = new Map<
  string,
  ReadonlySet<string> | 'all'
>([
  [
    'ssm.amazonaws.com',
    new Set([
      'UpdateInstanceInformation',
      'ListInstanceAssociations',
      'DescribeAssociation',
      'GetDocument',
      'DescribeDocument',
      'UpdateInstanceAssociationStatus',
      'PutInventory',
      'PutComplianceItems',
      'GetManifest',
      'ListAssociations',
      'GetDeployablePatchSnapshotForInstance',
    ]),
  ],
  ['ec2messages.amazonaws.com', 'all'],
  ['ssmmessages.amazonaws.com', 'all'],
  ['ec2.amazonaws.com', new Set(['DescribeTags', 'DescribeVolumes'])],
  [
    'logs.amazonaws.com',
    new Set([
      'CreateLogStream',
      'CreateLogGroup',
      'DescribeLogStreams',
      'DescribeLogGroups',
      'PutRetentionPolicy',
    ]),
  ],
  ['monitoring.amazonaws.com', new Set(['PutMetricData'])],
]);

/** TEMPORARY copy: a routine call of the SSM or CloudWatch agent, by eventSource and eventName. */
export function isRoutineAgentCall(eventSource: string, eventName: string): boolean {
  const names = ROUTINE_AGENT_CALLS.get(eventSource);
  return names === 'all' || (names?.has(eventName) ?? false);
}

const INSTANCE_SESSION = /^arn:[^:]+:sts::[^:]*:assumed-role\/[^/]+\/(i-(?:[0-9a-f]{8}|[0-9a-f]{17}))$/i;

/**
 * TEMPORARY copy: the instance whose own credentials made a call (an `AssumedRole` session named
 * exactly like an instance ID), lower case, or undefined.
 */
export function instanceOfSession(principal: Principal): string | undefined {
  if (principal.type !== 'AssumedRole' || principal.arn === undefined) return undefined;
  return INSTANCE_SESSION.exec(principal.arn)?.[1]?.toLowerCase();
}
