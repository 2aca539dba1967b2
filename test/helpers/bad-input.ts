import { gzipSync } from 'node:zlib';
import { s3Notification } from './lambda';
import { ec2Call, type Rec } from './records';

/** The bad-input matrix's bucket, keys, records, fresh instance IDs and message bodies. */

export const BUCKET = 'trail-bucket';
export const DAY = 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/';
export const logKey = (name: string): string =>
  `${DAY}111122223333_CloudTrail_us-east-1_20250301T1000Z_${name}.json.gz`;

/** A record that names its own instance, so the case can look it up. */
export function stop(instanceId: string, overrides: Rec = {}): Rec {
  return ec2Call('StopInstances', {
    requestParameters: { instancesSet: { items: [{ instanceId }] } },
    ...overrides,
  });
}

let n = 0;
/** A fresh instance ID per case. */
export function instance(): string {
  n++;
  return `i-${n.toString(16).padStart(17, '0')}`;
}

export type Outcome =
  | { kind: 'indexed'; instances: string[] }
  | { kind: 'salvaged'; instances: string[]; rejected: number; reason: RegExp }
  | { kind: 'skipped'; reason: RegExp }
  | { kind: 'acknowledged' }
  | { kind: 'refused'; reason: RegExp }
  | { kind: 'failed'; error: RegExp; salvaged?: string[] };

export interface Case {
  readonly name: string;
  /** Objects to put first, then the message body that announces them. */
  readonly setup: () => { objects?: Record<string, Buffer>; body: string };
  readonly outcome: Outcome;
}

export const i = {
  notGzip: instance(),
  truncated: instance(),
  notObject: instance(),
  noEventId: instance(),
  noTime: instance(),
  noSource: instance(),
  big: instance(),
  utf8: instance(),
  bom: instance(),
  spaces: instance(),
  plain: instance(),
  damaged: instance(),
  two: instance(),
  sns: instance(),
  ctSns: instance(),
  eventBridge: instance(),
  eventBridgeDeleted: instance(),
  proto: instance(),
};

export const big = 'x'.repeat(300 * 1024);
export const gzipText = (text: string | Buffer): Buffer => gzipSync(text);
export const announce = (key: string, size?: number): string =>
  s3Notification(BUCKET, { key, ...(size !== undefined ? { size } : {}) });
export const oneFile = (name: string, body: Buffer): { objects: Record<string, Buffer>; body: string } => ({
  objects: { [logKey(name)]: body },
  body: announce(logKey(name)),
});
export const fileError = (name: string, reason: string): RegExp =>
  new RegExp(`s3://${BUCKET}/${logKey(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${reason}`);

/** The event S3 sends to EventBridge, as the stack's rule forwards it to the queue (no transformer). */
export function eventBridgeEvent(detailType: string, bucket: string, key: string): string {
  return JSON.stringify({
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': detailType,
    source: 'aws.s3',
    account: '111122223333',
    time: '2025-03-01T10:05:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size: 1024, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '00617F08299329D189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: 'cloudtrail.amazonaws.com',
      reason: 'PutObject',
    },
  });
}
