import { checkRegionName } from '../../bin/cli/aws-regions';
import { UsageError } from '../../lambda/core/errors';

describe('backfill --region: a Region name, and a known one where the partition is listed', () => {
  it.each([
    'us-east-1',
    'eu-west-3',
    'ap-southeast-7',
    'il-central-1',
    'mx-central-1',
    'cn-northwest-1',
    'us-gov-west-1',
    // partitions not listed: their form is enough
    'us-iso-east-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
    'eusc-de-east-1',
  ])('takes %s', (region) => {
    expect(() => checkRegionName(region, '--region')).not.toThrow();
  });

  it.each([
    ['eu-nowhere-9', /^--region: 'eu-nowhere-9' is not an AWS Region name \(like eu-west-1/],
    ['EU-WEST-1', /is not an AWS Region name/],
    ['eu-west', /is not an AWS Region name/],
    ['us-east-1a', /is not an AWS Region name/],
    [
      'eu-west-9',
      /^--region: unknown AWS Region 'eu-west-9'; the Regions of partition aws are: af-south-1, /,
    ],
    [
      'cn-south-1',
      /unknown AWS Region 'cn-south-1'; the Regions of partition aws-cn are: cn-north-1, cn-northwest-1$/,
    ],
    ['us-gov-north-1', /partition aws-us-gov are: us-gov-east-1, us-gov-west-1$/],
  ])('refuses %s with a usage error naming it', (region, message) => {
    let error: unknown;
    try {
      checkRegionName(region, '--region');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).describe()).toMatch(message);
  });
});
