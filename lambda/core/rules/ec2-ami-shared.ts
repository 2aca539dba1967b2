import { EC2_SOURCE } from '../access/events';
import { successfulEventsNamed } from './applies';
import { detail, scalar, shown } from './request-fields';
import { defineRule, fire, PASS } from './rule';
import { describeGrants, grantsAdded, shares } from './sharing';

const applies = successfulEventsNamed(EC2_SOURCE, 'ModifyImageAttribute');

/**
 * An image given to another account, an organization or everyone: whoever launches it reads its
 * volumes. Only the `launchPermission` attribute is read (a request changing the description names
 * another `attributeType` and no `launchPermission`).
 */
export const ec2AmiShared = defineRule({
  id: 'ec2-ami-shared',
  title: "an AMI's launch permission given to another account or made public",
  firesWhen:
    'a successful `ModifyImageAttribute` adds `launchPermission` for `group: all`, an account other than the recipient account, an organization or an OU',
  falsePositives:
    'golden-image pipelines sharing images with workload accounts or the organization; Marketplace publishing',
  severity: 'high',
  attack: 'T1537',
  stratus: 'aws.exfiltration.ec2-share-ami',
  family: 'threat',
  appliesTo: applies,
  stateful: false,
  evaluate(event, { request }) {
    if (!applies(event)) return PASS;
    const grants = grantsAdded(request, 'launchPermission', event.accountId);
    if (!shares(grants)) return PASS;
    const image = scalar(request, 'imageId');
    return fire(detail(`image ${image ? shown(image) : '(no ID)'} ${describeGrants(grants)}`));
  },
});
