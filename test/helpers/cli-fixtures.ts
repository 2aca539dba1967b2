import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from './corpus';
import { assumedRole, ec2Call, keyPush, logFile, rootUser } from './records';

/** What the CLI tests ingest: the CloudTrail fixtures and a hand-written delivery file. */

export const CLOUDTRAIL = join(FIXTURES, 'cloudtrail');
export const STRATUS_KEY = 'SHA256:xq6092IJhV+0W2wifL9mSmJHQoMb2h2KFNrpk4YEAW8';
export const EVENT_FIELDS = [
  'eventID',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'accountId',
  'readOnly',
  'instanceIds',
  'resourceIds',
  'principal',
  'sourceIPAddress',
  'userAgent',
  'findings',
];

/** Writes `handwritten.json.gz` into `dir`: a root user's call, an assumed-role session and a key push. */
export function writeHandwritten(dir: string): void {
  writeFileSync(
    join(dir, 'handwritten.json.gz'),
    logFile([
      ec2Call('CreateSnapshot', {
        userIdentity: rootUser(),
        eventTime: '2025-03-01T10:00:00Z',
        requestParameters: { volumeId: 'vol-0a1b2c3d4e5f60718' },
      }),
      ec2Call('TerminateInstances', {
        userIdentity: assumedRole('Deployer', 'alice@example.com'),
        eventTime: '2025-03-02T10:00:00Z',
        requestParameters: { instancesSet: { items: [{ instanceId: 'i-0123456789abcdef0' }] } },
      }),
      keyPush({ eventTime: '2025-03-03T10:00:00Z' }),
    ]),
  );
}
