/** The benchmark generator's record mix and the values it draws from (accounts, regions, calls, keys). */

/** Share of each kind of record, in per mille. */
export const MIX = {
  otherService: 612,
  /**
   * Calls made with an instance profile's own credentials (the session named after the instance),
   * most of them its agents' routine calls: as in the real account of the Invictus dataset (23 of its
   * 2,900 records, 21 of them the SSM agent's, 2 of them stolen credentials' GetCallerIdentity and
   * DescribeInstances).
   */
  instanceCredentials: 8,
  ec2ReadOnly: 300,
  ec2ReadOnlyDenied: 20,
  ec2Mutation: 50,
  keyPush: 8,
  ebs: 2,
} as const;

export const ACCOUNT = '123456789012';
export const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
export const OTHER = [
  ['s3.amazonaws.com', 'GetBucketAcl', true],
  ['s3.amazonaws.com', 'PutObject', false],
  ['sts.amazonaws.com', 'AssumeRole', false],
  ['sts.amazonaws.com', 'GetCallerIdentity', true],
  ['kms.amazonaws.com', 'Decrypt', true],
  ['kms.amazonaws.com', 'GenerateDataKey', true],
  ['iam.amazonaws.com', 'ListRoles', true],
  ['ssm.amazonaws.com', 'GetParameter', true],
  ['secretsmanager.amazonaws.com', 'GetSecretValue', true],
  ['logs.amazonaws.com', 'CreateLogStream', false],
  ['lambda.amazonaws.com', 'GetFunction', true],
  ['dynamodb.amazonaws.com', 'DescribeTable', true],
] as const;
/** What an instance's credentials call: its agents' routine calls (not indexed), and one that is. */
export const INSTANCE_CALLS = [
  ['ssm.amazonaws.com', 'UpdateInstanceInformation', false],
  ['ssm.amazonaws.com', 'UpdateInstanceAssociationStatus', false],
  ['ssm.amazonaws.com', 'ListInstanceAssociations', true],
  ['ssm.amazonaws.com', 'GetDocument', true],
  ['ssm.amazonaws.com', 'PutComplianceItems', false],
  ['ssm.amazonaws.com', 'PutInventory', false],
  ['ec2messages.amazonaws.com', 'GetMessages', true],
  ['ssmmessages.amazonaws.com', 'OpenControlChannel', false],
  ['logs.amazonaws.com', 'CreateLogStream', false],
  ['sts.amazonaws.com', 'GetCallerIdentity', true],
] as const;
export const EC2_READS = [
  'DescribeInstances',
  'DescribeSecurityGroups',
  'DescribeVolumes',
  'DescribeSnapshots',
  'DescribeImages',
  'DescribeInstanceStatus',
];
export const EC2_WRITES = [
  'RunInstances',
  'StartInstances',
  'StopInstances',
  'CreateTags',
  'CreateVolume',
  'AttachVolume',
  'ModifyInstanceAttribute',
  'AuthorizeSecurityGroupIngress',
  'TerminateInstances',
];
export const KEYS = [
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOK7/3bK9kWF9n4bSBEiwUqsCuBBfevn//AOfFvRS+zn ops@bastion',
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINnNrCoRSpEDQZ3sx52Hyf5nYGqlGQALWR+d1MdO3Ne4 responder@laptop',
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRu',
];
