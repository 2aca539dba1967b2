import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { SettingsError } from '../../lib/settings';
import { EXISTING, MODES } from '../helpers/delivery';
import { synth } from '../helpers/synth';

/** The settings of delivery (key prefix, queue senders), and cdk-nag and cfn-lint on the modes guardrails.test.ts does not synthesize. */

describe('settings of delivery', () => {
  it.each([
    ['o-abc123defg', 'o-abc123defg/'],
    ['o-abc123defg/', 'o-abc123defg/'],
    ["control_tower/logs.v2/(eu)-x!'/", "control_tower/logs.v2/(eu)-x!'/"],
  ])('normalizes trailwatch:logKeyPrefix %j to %j', (value, prefix) => {
    const { template } = synth({
      'trailwatch:existingBucketName': EXISTING,
      'trailwatch:logKeyPrefix': value,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TRAILWATCH_LOG_KEY_PREFIX: prefix }) },
    });
  });

  it.each([
    [{ 'trailwatch:logKeyPrefix': '/o-abc' }, /^trailwatch:logKeyPrefix: '\/o-abc' starts with a slash/],
    [
      { 'trailwatch:logKeyPrefix': 'logs/*' },
      /^trailwatch:logKeyPrefix: 'logs\/\*' is not a trail key prefix/,
    ],
    [{ 'trailwatch:logKeyPrefix': 'a//b' }, /^trailwatch:logKeyPrefix: 'a\/\/b' is not a trail key prefix/],
    [
      { 'trailwatch:logKeyPrefix': 'ct/AWSLogs' },
      /^trailwatch:logKeyPrefix: 'ct\/AWSLogs' ends with AWSLogs\//,
    ],
    [
      { 'trailwatch:logKeyPrefix': 'x'.repeat(201) },
      /^trailwatch:logKeyPrefix: 'x+' is not a trail key prefix/,
    ],
  ])('rejects %j with the reason', (context, message) => {
    const run = (): unknown => synth({ 'trailwatch:existingBucketName': EXISTING, ...context });
    expect(run).toThrow(SettingsError);
    expect(run).toThrow(message);
  });

  it('rejects a key prefix for the bucket the stack creates (its trail writes at the top)', () => {
    expect(() => synth({ 'trailwatch:logKeyPrefix': 'ct/' })).toThrow(
      /^trailwatch:logKeyPrefix: the trail this stack creates writes under AWSLogs\/ at the top of its bucket/,
    );
  });

  it.each([
    [
      'arn:aws:sts::123456789012:assumed-role/Backfill/alice',
      /^trailwatch:queueSenderArns: 'arn:aws:sts::123456789012:assumed-role\/Backfill\/alice' is a session; give its role/,
    ],
    [
      'backfill',
      /^trailwatch:queueSenderArns: 'backfill' is not the ARN of an IAM role, IAM user or account root user/,
    ],
    [
      'arn:aws:iam::*:role/backfill',
      /^trailwatch:queueSenderArns: 'arn:aws:iam::\*:role\/backfill' is not the ARN of an IAM role/,
    ],
    [
      'arn:aws:s3:::bucket',
      /^trailwatch:queueSenderArns: 'arn:aws:s3:::bucket' is not the ARN of an IAM role/,
    ],
  ])('rejects the sender %j with the reason', (value, message) => {
    const run = (): unknown => synth({ 'trailwatch:queueSenderArns': value });
    expect(run).toThrow(SettingsError);
    expect(run).toThrow(message);
  });

  it('takes role paths, account roots and wildcards in role names as senders', () => {
    const senders = [
      'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_SecOps_*',
      'arn:aws:iam::210987654321:root',
      'arn:aws-us-gov:iam::123456789012:user/ops/bob',
    ];
    const { template } = synth({ 'trailwatch:queueSenderArns': senders.join(',') });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenySendExceptLogDelivery',
            Condition: Match.objectLike({ ArnNotLike: { 'aws:PrincipalArn': senders } }),
          }),
        ]),
      },
    });
  });
});

const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;

// the modes test/infra/guardrails.test.ts does not synthesize: backfill senders, a key prefix
describe.each(MODES.filter((m) => m.senders.length > 0))('guardrails with $name', (mode) => {
  it('has no unacknowledged cdk-nag finding (AwsSolutions and Serverless)', () => {
    expect(() => synth(mode.context, { nag: true })).not.toThrow();
  });

  (cfnLint ? it : it.skip)(
    `cfn-lint finds no error${cfnLint ? '' : ' (skipped: the cfn-lint command is not installed)'}`,
    () => {
      const outdir = mkdtempSync(join(tmpdir(), 'trailwatch-cfn-'));
      try {
        synth(mode.context, { outdir }).app.synth();
        const run = spawnSync(
          'cfn-lint',
          ['--format', 'parseable', join(outdir, 'Trailwatch.template.json')],
          {
            encoding: 'utf8',
          },
        );
        const errors = run.stdout.split('\n').filter((l) => /:E\d+:/.test(l));
        expect({ errorBit: (run.status ?? -1) & 2, errors }).toEqual({ errorBit: 0, errors: [] });
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    },
  );
});
