import { EC2_SOURCE } from '../access/events';
import { field } from '../json';
import { successfulEventsNamed } from './applies';
import { detail, itemsOf, named, scalar } from './request-fields';
import { defineRule, fire, PASS } from './rule';

const applies = successfulEventsNamed(EC2_SOURCE, 'DeleteFlowLogs');

/**
 * The flow log IDs of a DeleteFlowLogs request: `DeleteFlowLogsRequest.FlowLogId` is one
 * `{"content": "fl-…", "tag": 1}`, or a list of them when several are deleted at once.
 */
function flowLogIds(request: unknown): string[] {
  const ids: string[] = [];
  for (const entry of itemsOf(field(field(request, 'DeleteFlowLogsRequest'), 'FlowLogId'))) {
    const id = scalar(entry, 'content');
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

export const ec2FlowLogsDeleted = defineRule({
  id: 'ec2-flow-logs-deleted',
  title: 'VPC flow logs deleted (network traffic no longer recorded)',
  firesWhen: 'a successful `DeleteFlowLogs`',
  falsePositives:
    'tearing down a VPC or an environment (`terraform destroy`); moving flow logs to another destination',
  severity: 'medium',
  attack: 'T1562.008',
  stratus: 'aws.defense-evasion.vpc-remove-flow-logs',
  family: 'threat',
  appliesTo: applies,
  stateful: false,
  evaluate(event, { request }) {
    if (!applies(event)) return PASS;
    const ids = flowLogIds(request);
    return fire(detail(ids.length > 0 ? `flow logs ${named(ids)} deleted` : 'flow logs deleted'));
  },
});
