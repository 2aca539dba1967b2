import { ORG_ID } from './settings-parsers';
import { contextKey, type StackSettingName, type StackSettingValues } from './settings-table';

/**
 * The rules across the stack's settings (./settings-table.ts), next to the table: each reads a few
 * settings, after each was read on its own, and names the first in its error (lib/settings.ts turns
 * it into a SettingsError naming the context key).
 */

/** A rule across settings: `problem` says what is wrong with the values, or nothing. */
export interface SettingsRule {
  /** The settings it reads; an error names the first. */
  readonly settings: readonly [StackSettingName, ...StackSettingName[]];
  readonly problem: (values: StackSettingValues) => string | undefined;
}

const ctx = contextKey;

/** `name` (set when `isSet`) configures the bucket the stack creates, so not an existing one. */
function ownBucketOnly(
  name: StackSettingName,
  what: string,
  isSet: (v: StackSettingValues) => boolean,
): SettingsRule {
  return {
    settings: [name, 'existingBucketName'],
    problem: (v) =>
      isSet(v) && v.existingBucketName !== undefined
        ? `${what} applies to the bucket this stack creates, but with ${ctx('existingBucketName')} it creates none; remove one of the two`
        : undefined,
  };
}

/** The rules across the stack's settings, checked in this order after each setting is read. */
export const SETTINGS_RULES: readonly SettingsRule[] = [
  {
    settings: ['organizationTrail', 'existingBucketName'],
    problem: (v) =>
      v.organizationTrail && v.existingBucketName !== undefined
        ? `an organization trail is created by this stack, but with ${ctx('existingBucketName')} no trail is created; remove one of the two`
        : undefined,
  },
  {
    settings: ['organizationId', 'organizationTrail'],
    problem: ({ organizationTrail, organizationId: id }) =>
      organizationTrail && (id === undefined || !ORG_ID.test(id))
        ? `an organization trail needs the organization ID (o- and 10 to 32 lower-case letters or digits) for its bucket policy, got ${id === undefined ? 'nothing' : `'${id}'`}`
        : undefined,
  },
  {
    settings: ['managementAccountId', 'organizationTrail'],
    problem: (v) =>
      v.managementAccountId !== undefined && !v.organizationTrail
        ? `it names the management account of an organization trail; set ${ctx('organizationTrail')}=true or remove it`
        : undefined,
  },
  ownBucketOnly('logWriterPrincipalArns', 'it', (v) => v.logWriterPrincipalArns.length > 0),
  ownBucketOnly('objectLockMode', 'S3 Object Lock', (v) => v.objectLockMode !== undefined),
  ownBucketOnly('createLogsKmsKey', 'a key for the trail this stack creates', (v) => v.createLogsKmsKey),
  {
    settings: ['createLogsKmsKey', 'logsKmsKeyArn'],
    problem: (v) =>
      v.createLogsKmsKey && v.logsKmsKeyArn !== undefined
        ? `the stack would create a key, but ${ctx('logsKmsKeyArn')} names one; remove one of the two`
        : undefined,
  },
  {
    settings: ['logKeyPrefix', 'existingBucketName'],
    problem: (v) =>
      v.logKeyPrefix !== '' && v.existingBucketName === undefined
        ? `the trail this stack creates writes under AWSLogs/ at the top of its bucket; a key prefix describes an existing trail's bucket (${ctx('existingBucketName')})`
        : undefined,
  },
];

/** The first rule the values break: the setting to name and the problem. */
export function brokenSettingsRule(
  values: StackSettingValues,
): { name: StackSettingName; problem: string } | undefined {
  for (const rule of SETTINGS_RULES) {
    const problem = rule.problem(values);
    if (problem !== undefined) return { name: rule.settings[0], problem };
  }
  return undefined;
}
