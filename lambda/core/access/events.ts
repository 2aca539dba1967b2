import { field, text } from '../json';

/**
 * The instance access events indexed whatever their `readOnly` flag, successful or not (CONTRACT
 * "Which records are indexed"), by source. Shared by the selection (select.ts) and the access facts
 * (facts.ts), so the two cannot disagree.
 */
export const SSM_SOURCE = 'ssm.amazonaws.com';
export const EC2_SOURCE = 'ec2.amazonaws.com';

/** Systems Manager sessions and commands. */
export const SSM_ACCESS_EVENTS: ReadonlySet<string> = new Set([
  'StartSession',
  'ResumeSession',
  'TerminateSession',
  'SendCommand',
]);

/** The EC2 reads of an instance's secrets, indexed even when they succeed. */
export const EC2_SENSITIVE_READS: ReadonlySet<string> = new Set([
  'GetPasswordData',
  'GetConsoleOutput',
  'GetConsoleScreenshot',
]);

/** The EC2 read indexed only for one attribute (`userData`; `instanceType` and the others are not). */
export const DESCRIBE_INSTANCE_ATTRIBUTE = 'DescribeInstanceAttribute';

export const USER_DATA = 'userData';

/** `requestParameters.attribute` is `userData`. */
export function namesUserDataAttribute(record: unknown): boolean {
  return text(field(record, 'requestParameters'), 'attribute') === USER_DATA;
}
