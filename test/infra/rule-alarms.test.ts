import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { defineRule, PASS, RULES, SEVERITIES } from '../../lambda/core/rules';
import {
  findingMetric,
  findingWidgets,
  ruleAlarmDescription,
  ruleAlarmName,
  ruleAlarms,
} from '../../lib/constructs/rule-alarms';
import { bySid, one, statements } from '../helpers/delivery';
import { defaultStack, only } from '../helpers/stack';

/** The rule alarms and the findings dashboard follow from RULES: each rule's id, severity, title, technique. */

const throwaway = defineRule({
  id: 'ec2-throwaway',
  title: 'a snapshot handed to a stranger',
  firesWhen: 'never',
  falsePositives: 'none',
  severity: 'high',
  attack: 'T1537',
  stratus: 'aws.exfiltration.ec2-share-ebs-snapshot',
  family: 'threat',
  appliesTo: () => false,
  stateful: false,
  evaluate: () => PASS,
});

describe('the rule alarms of the stack', () => {
  const { template, tableId, topicId } = defaultStack();
  const alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<
    string,
    { Properties: Record<string, unknown> }
  >;
  const byName = new Map(Object.values(alarms).map((a) => [a.Properties.AlarmName, a.Properties]));

  it('names each alarm after its rule and severity, and describes what fired and the command that lists it, with the deployed table', () => {
    for (const rule of RULES) {
      const props = byName.get(`trailwatch ${rule.id} (${rule.severity})`);
      expect(props).toBeDefined();
      const description = JSON.stringify(props?.AlarmDescription);
      for (const text of [
        `${rule.severity[0]?.toUpperCase()}${rule.severity.slice(1)} severity: ${rule.title}`,
        `rule ${rule.id}`,
        `MITRE ATT&CK ${rule.attack}`,
        `trailwatch findings --rule ${rule.id} --table `,
      ])
        expect(description).toContain(text);
      expect(props?.AlarmDescription).toEqual({ 'Fn::Join': ['', [expect.any(String), { Ref: tableId }]] });
      expect(props).toMatchObject({ MetricName: 'Findings', AlarmActions: [{ Ref: topicId }] });
    }
  });

  it('counts one alarm per rule and four operational alarms, all named in the topic and key policies', () => {
    expect(Object.keys(alarms)).toHaveLength(RULES.length + 4);
    const [, topicPolicy] = one(template, 'AWS::SNS::TopicPolicy');
    const arns = bySid(statements(topicPolicy.PolicyDocument), 'CloudWatchAlarmsPublish').Condition
      ?.ArnLike?.['aws:SourceArn'] as unknown[];
    expect(arns).toHaveLength(RULES.length + 4);
    for (const rule of RULES)
      expect(JSON.stringify(arns)).toContain(`:alarm:trailwatch ${rule.id} (${rule.severity})`);
  });

  it('shows a graph per severity with its rules, the findings by severity with the total, and the SSH key findings', () => {
    const body = JSON.stringify(only(template, 'AWS::CloudWatch::Dashboard').props.DashboardBody);
    for (const severity of SEVERITIES) {
      const rules = RULES.filter((r) => r.severity === severity);
      if (rules.length === 0) continue;
      const title = `${severity[0]?.toUpperCase()}${severity.slice(1)} severity findings by rule`;
      expect(body).toContain(title);
      expect(body).toContain(`SUM([${rules.map((_, i) => `${severity}${i}`).join(',')}])`);
    }
    for (const rule of RULES) expect(body).toContain(`\\"Rule\\",\\"${rule.id}\\"`);
    for (const text of ['Findings by severity', 'findings (all rules)', 'SuspiciousSshKeys', 'SshKeyPushes'])
      expect(body).toContain(text);
  });
});

describe('a rule added to RULES later', () => {
  const stack = new Stack();
  const rules = [...RULES, throwaway];
  ruleAlarms(stack, undefined, rules);
  const dashboard = new Dashboard(stack, 'Dashboard');
  for (const row of findingWidgets({ sshKeyPushes: findingMetric('Findings') }, rules))
    dashboard.addWidgets(...row);
  const template = Template.fromStack(stack);

  it('gets its alarm on Findings by Rule (Sum >= 1 over 5 minutes, missing data not breaching)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'trailwatch ec2-throwaway (high)',
      AlarmDescription:
        'High severity: a snapshot handed to a stranger (rule ec2-throwaway, MITRE ATT&CK T1537). List its findings: trailwatch findings --rule ec2-throwaway --table <TableName>',
      Namespace: 'Trailwatch',
      MetricName: 'Findings',
      Dimensions: [{ Name: 'Rule', Value: 'ec2-throwaway' }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(rules.length);
  });

  it('gets its line on its severity graph and its part of the severity sum', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardBody: Match.anyValue(),
    });
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    const high = rules.filter((r) => r.severity === 'high');
    expect(high.at(-1)).toBe(throwaway);
    expect(body).toContain(`SUM([${high.map((_, i) => `high${i}`).join(',')}])`);
    expect(body).toContain('\\"Rule\\",\\"ec2-throwaway\\"');
  });
});

describe('alarm names and descriptions', () => {
  it('stay within CloudWatch limits (255 and 1,024 characters), however long a title', () => {
    for (const rule of [...RULES, { ...throwaway, title: 'x'.repeat(5000) }]) {
      expect(ruleAlarmName(rule).length).toBeLessThanOrEqual(255);
      expect(
        ruleAlarmDescription(rule, 'Trailwatch-EventsTable1A2B3C4D-0123456789ABC').length,
      ).toBeLessThanOrEqual(1024);
    }
  });

  it('hold no character that is a wildcard in the policies ArnLike condition', () => {
    for (const rule of RULES) expect(ruleAlarmName(rule)).not.toMatch(/[*?]/);
  });
});
