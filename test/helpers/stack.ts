import type { Template } from 'aws-cdk-lib/assertions';
import { synth } from './synth';

export type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }
>;

export function only(template: Template, type: string): { id: string; props: Record<string, unknown> } {
  const found = Object.entries(template.findResources(type) as Resources);
  expect(found).toHaveLength(1);
  const [id, r] = found[0] as [string, Resources[string]];
  return { id, props: r.Properties ?? {} };
}

export function logicalId(
  template: Template,
  type: string,
  predicate: (props: Record<string, unknown>) => boolean = () => true,
): string {
  const found = Object.entries(template.findResources(type) as Resources).filter(([, r]) =>
    predicate(r.Properties ?? {}),
  );
  expect(found).toHaveLength(1);
  return (found[0] as [string, unknown])[0];
}

/** The stack with default settings (a new trail and bucket), and the logical ids its tests look at. */
export function defaultStack() {
  const { template } = synth();
  const bucket = logicalId(template, 'AWS::S3::Bucket', (p) => p.VersioningConfiguration !== undefined);
  const trail = only(template, 'AWS::CloudTrail::Trail');
  const fnId = logicalId(template, 'AWS::Lambda::Function', (p) => p.Runtime === 'nodejs22.x');
  const tableId = logicalId(template, 'AWS::DynamoDB::Table');
  const queueId = logicalId(template, 'AWS::SQS::Queue', (p) => p.RedrivePolicy !== undefined);
  const dlqId = logicalId(template, 'AWS::SQS::Queue', (p) => p.RedrivePolicy === undefined);
  const topicId = logicalId(template, 'AWS::SNS::Topic');
  const trailArn = {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:us-east-1:123456789012:trail/Trailwatch-trail'],
    ],
  };
  return { template, bucket, trail, fnId, tableId, queueId, dlqId, topicId, trailArn };
}
