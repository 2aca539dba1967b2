import { EC2_SOURCE } from '../access/events';
import { successfulEventsNamed } from './applies';
import { detail, shown } from './request-fields';
import { defineRule, fire, PASS } from './rule';

const applies = successfulEventsNamed(EC2_SOURCE, 'DisableEbsEncryptionByDefault');

/**
 * Volumes created from now on in the region are not encrypted unless asked for. ATT&CK has no
 * technique for weakening encryption at rest; T1562 (Impair Defenses: modifying components of the
 * environment that hinder or prevent attacks, preventative controls included) fits best. T1486 (Data
 * Encrypted for Impact) is the opposite act, and no sub-technique of T1562 names storage settings.
 */
export const ebsEncryptionDisabled = defineRule({
  id: 'ebs-encryption-disabled',
  title: 'EBS encryption by default disabled (new volumes unencrypted)',
  firesWhen: 'a successful `DisableEbsEncryptionByDefault`',
  falsePositives: 'a workload needing unencrypted volumes (rare); tests of account baselines',
  severity: 'medium',
  attack: 'T1562',
  family: 'threat',
  appliesTo: applies,
  stateful: false,
  evaluate(event) {
    if (!applies(event)) return PASS;
    return fire(
      detail(
        `EBS encryption by default disabled in ${event.awsRegion ? shown(event.awsRegion) : 'the region'}`,
      ),
    );
  },
});
