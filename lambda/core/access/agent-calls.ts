/**
 * The routine calls an instance's agents make with the instance's own role credentials, which are not
 * indexed as the instance's activity (CONTRACT "Which records are indexed": a fleet's background
 * chatter must not multiply the table's writes). Everything else an instance session calls is kept:
 * the calls an attacker makes with stolen instance credentials (sts GetCallerIdentity, ec2
 * DescribeInstances, s3, iam, secretsmanager, …) are the point.
 *
 * By `eventSource`, the `eventName`s of the routine calls, or `ALL` for a source whose every call is
 * the agent's own plumbing. One line per source: adding a call is adding a name.
 */
const ALL = '*';

const AGENT_CALLS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries({
    // the SSM agent: registration, heartbeats, associations, inventory, compliance, patching
    'ssm.amazonaws.com': [
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
      // its control and data channels (ssmmessages' API; a real record logs them under ssm too)
      'CreateControlChannel',
      'CreateDataChannel',
      'OpenControlChannel',
      'OpenDataChannel',
    ],
    // the SSM agent's message and session channels: every call
    'ec2messages.amazonaws.com': [ALL],
    'ssmmessages.amazonaws.com': [ALL],
    // the CloudWatch agent: its instance's tags and volumes, its log streams, its metrics
    'ec2.amazonaws.com': ['DescribeTags', 'DescribeVolumes'],
    'logs.amazonaws.com': [
      'CreateLogStream',
      'CreateLogGroup',
      'DescribeLogStreams',
      'DescribeLogGroups',
      'PutRetentionPolicy',
    ],
    'monitoring.amazonaws.com': ['PutMetricData'],
  }).map(([source, names]) => [source, new Set(names)]),
);

/**
 * True for a routine agent call, by its (trimmed) event source and name: not kept when made with an
 * instance's own credentials.
 */
export function isAgentCall(eventSource: string, eventName: string | undefined): boolean {
  const names = AGENT_CALLS.get(eventSource);
  if (!names) return false;
  return names.has(ALL) || (eventName !== undefined && names.has(eventName));
}

/** True for a source some of whose calls are routine agent calls. */
export function isAgentSource(eventSource: string): boolean {
  return AGENT_CALLS.has(eventSource);
}

/** The list itself, for documentation and tests: `[eventSource, eventName or '*']`. */
export function agentCalls(): [string, string][] {
  return [...AGENT_CALLS].flatMap(([source, names]) => [...names].map((n): [string, string] => [source, n]));
}
