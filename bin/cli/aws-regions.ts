import { UsageError } from '../../lambda/core/errors';

/**
 * The AWS Regions a CloudTrail region folder can name, for `backfill --region`: a typo there would
 * otherwise prune every folder away and find nothing, silently.
 *
 * A name must have the form of a region name (`eu-west-1`, `us-gov-east-1`, `cn-north-1`); one of
 * a partition listed here must be one of its regions. Partitions not listed (the isolated ones:
 * `us-iso-…`, `us-isob-…`, `eu-isoe-…`, the European Sovereign Cloud) are taken on their form alone.
 * A Region opened after this list was written: add it here (one line).
 */
const KNOWN_REGIONS: Readonly<Record<string, readonly string[]>> = {
  // https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
  aws: [
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-south-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-6',
    'ap-southeast-7',
    'ca-central-1',
    'ca-west-1',
    'eu-central-1',
    'eu-central-2',
    'eu-north-1',
    'eu-south-1',
    'eu-south-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'il-central-1',
    'me-central-1',
    'me-south-1',
    'mx-central-1',
    'sa-east-1',
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
};

/** `<area>[-<qualifier>]-<direction>-<number>`, as every Region name is (`eusc-de-east-1` too). */
const REGION_FORM =
  /^[a-z]{2,4}(-[a-z]{2,4})?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;

/** The partition of a region name of the right form, when it is one listed above. */
function listedPartition(region: string): string | undefined {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  // two letters, a direction, a number: the commercial partition; others (`us-iso-…`) are not listed
  return /^[a-z]{2}-[a-z]+-\d+$/.test(region) ? 'aws' : undefined;
}

/** @throws UsageError naming `option` unless `region` is a Region name (a known one, where known) */
export function checkRegionName(region: string, option: string): void {
  if (!REGION_FORM.test(region))
    throw new UsageError(
      `'${region}' is not an AWS Region name (like eu-west-1, us-gov-west-1, cn-north-1)`,
      option,
    );
  const partition = listedPartition(region);
  const known = partition ? KNOWN_REGIONS[partition] : undefined;
  if (known && !known.includes(region))
    throw new UsageError(
      `unknown AWS Region '${region}'; the Regions of partition ${partition} are: ${known.join(', ')}`,
      option,
    );
}
