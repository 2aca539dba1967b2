import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { synth } from '../helpers/synth';

const MODES: [string, Record<string, unknown>][] = [
  ['default settings', {}],
  ['an existing bucket', { 'trailwatch:existingBucketName': 'org-cloudtrail-logs' }],
  [
    'an organization trail with EBS data events, an alarm e-mail and an allow-list',
    {
      'trailwatch:organizationTrail': true,
      'trailwatch:organizationId': 'o-abcdef1234',
      'trailwatch:ebsDataEvents': true,
      'trailwatch:alarmEmail': 'secops@example.com',
      'trailwatch:allowedSshCidrs': '203.0.113.0/24',
    },
  ],
  [
    'compliance-mode Object Lock, a created logs key and a log writer role',
    {
      'trailwatch:objectLockMode': 'compliance',
      'trailwatch:objectLockDays': 400,
      'trailwatch:createLogsKmsKey': true,
      'trailwatch:logWriterPrincipalArns': 'arn:aws:iam::123456789012:role/log-restore',
    },
  ],
  [
    'an existing bucket encrypted with a KMS key',
    {
      'trailwatch:existingBucketName': 'org-cloudtrail-logs',
      'trailwatch:logsKmsKeyArn':
        'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    },
  ],
  [
    'an organization trail of a delegated administrator, with a KMS key and governance-mode Object Lock',
    {
      'trailwatch:organizationTrail': true,
      'trailwatch:organizationId': 'o-abcdef1234',
      'trailwatch:managementAccountId': '111122223333',
      'trailwatch:logsKmsKeyArn':
        'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'trailwatch:objectLockMode': 'governance',
    },
  ],
];

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  it.each(MODES)('has no unacknowledged finding with %s', (_name, context) => {
    expect(() => synth(context, { nag: true })).not.toThrow();
  });

  it('fails the synth on a finding nobody acknowledged (the check can fail)', () => {
    const extend = (stack: Stack): void => void new Queue(stack, 'QueueWithoutDeadLetters');
    expect(() => synth({}, { nag: true, extend })).toThrow(/AwsSolutions-SQS3/);
  });
});

const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const haveCfnLint = cfnLint.status === 0;

(haveCfnLint ? describe : describe.skip)(
  `cfn-lint ${haveCfnLint ? cfnLint.stdout.trim() : '(skipped: the cfn-lint command is not installed)'}`,
  () => {
    it.each(MODES)('finds no error in the template with %s', (_name, context) => {
      const outdir = mkdtempSync(join(tmpdir(), 'trailwatch-cfn-'));
      try {
        synth(context, { outdir }).app.synth();
        const run = spawnSync(
          'cfn-lint',
          ['--format', 'parseable', join(outdir, 'Trailwatch.template.json')],
          { encoding: 'utf8' },
        );
        // exit status is a bit mask: 2 = errors, 4 = warnings, 8 = informational
        const errors = run.stdout.split('\n').filter((l) => /:E\d+:/.test(l));
        expect({ status: run.status ?? -1, errors }).toEqual({ status: (run.status ?? 0) & ~2, errors: [] });
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    });
  },
);
