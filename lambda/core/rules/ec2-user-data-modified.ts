import { EC2_SOURCE } from '../access/events';
import { successfulEventsNamed } from './applies';
import { detail, shown } from './request-fields';
import { defineRule, fire, PASS } from './rule';

const applies = successfulEventsNamed(EC2_SOURCE, 'ModifyInstanceAttribute');

/**
 * New user data runs as root at the instance's next start: code execution on the instance without
 * logging in. The event's access facts already say it (`user-data-change`), so the verdict is the
 * same on an event read back from the index.
 */
export const ec2UserDataModified = defineRule({
  id: 'ec2-user-data-modified',
  title: "an instance's user data replaced (runs as root at its next start)",
  firesWhen: 'a successful `ModifyInstanceAttribute` of `userData`',
  falsePositives:
    'configuration management or golden-image tooling that rewrites user data of stopped instances',
  severity: 'high',
  attack: 'T1059',
  stratus: 'aws.execution.ec2-user-data',
  family: 'threat',
  appliesTo: applies,
  stateful: false,
  evaluate(event) {
    if (!applies(event) || event.access?.method !== 'user-data-change') return PASS;
    const instance = event.instanceIds[0];
    return fire(
      detail(
        `user data of ${instance ? shown(instance) : '(no instance ID)'} replaced; it runs at the next start`,
      ),
    );
  },
});
