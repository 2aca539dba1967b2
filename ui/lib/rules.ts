/**
 * The rule IDs, offered by the findings filter (any other text can be typed). A copy of the registry's
 * `RULE_IDS` (lambda/core/rules/) that keeps the rules' code out of the bundle; test/unit/ui-page-lib.test.ts
 * fails when they differ.
 */
export const RULES: readonly string[] = [
  'ssh-root-identity',
  'ssh-root-os-user',
  'ssh-weak-key',
  'ssh-invalid-key',
  'ssh-push-denied',
  'ssh-serial-console',
  'ssh-key-multi-instance',
  'ssh-key-multi-principal',
  'ssh-source-ip',
  'ssh-cross-account',
  'ec2-snapshot-shared',
  'ec2-ami-shared',
  'ec2-sg-open-to-world',
  'ec2-user-data-modified',
  'ec2-user-data-read',
  'ec2-password-data',
  'ebs-encryption-disabled',
  'ec2-serial-console-enabled',
  'ec2-flow-logs-deleted',
  'ec2-unusual-instance-type',
  'ec2-key-pair-imported',
  'ec2-instance-credentials-elsewhere',
  'ssm-command-many-instances',
];
