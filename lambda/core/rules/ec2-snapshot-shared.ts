import { EC2_SOURCE } from '../access/events';
import { successfulEventsNamed } from './applies';
import { detail, scalar, shown } from './request-fields';
import { defineRule, fire, PASS } from './rule';
import { describeGrants, grantsAdded, shares } from './sharing';

const applies = successfulEventsNamed(EC2_SOURCE, 'ModifySnapshotAttribute');

/** A snapshot given to another account or to everyone: its data can be copied out of the account. */
export const ec2SnapshotShared = defineRule({
  id: 'ec2-snapshot-shared',
  title: "an EBS snapshot's create-volume permission given to another account or made public",
  firesWhen:
    'a successful `ModifySnapshotAttribute` adds `createVolumePermission` for `group: all` or an account other than the recipient account',
  falsePositives: 'backups copied to a dedicated backup or disaster-recovery account; sharing with a vendor',
  severity: 'high',
  attack: 'T1537',
  stratus: 'aws.exfiltration.ec2-share-ebs-snapshot',
  family: 'threat',
  appliesTo: applies,
  stateful: false,
  evaluate(event, { request }) {
    if (!applies(event)) return PASS;
    const grants = grantsAdded(request, 'createVolumePermission', event.accountId);
    if (!shares(grants)) return PASS;
    const snapshot = scalar(request, 'snapshotId');
    return fire(detail(`snapshot ${snapshot ? shown(snapshot) : '(no ID)'} ${describeGrants(grants)}`));
  },
});
