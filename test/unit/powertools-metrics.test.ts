import { findingMetricsOf } from '../../lambda/core/metrics';
import { defineRule, PASS, RULES, type RuleId } from '../../lambda/core/rules';
import { createMetrics, PowertoolsMetricsSink } from '../../lambda/powertools-metrics';

/** A rule of the threat family, defined here (the rule pack's come and go). */
const threat = defineRule({
  id: 'ec2-throwaway',
  title: 'a threat rule built in this test',
  firesWhen: 'never',
  falsePositives: 'none',
  severity: 'high',
  attack: 'T1537',
  family: 'threat',
  appliesTo: () => false,
  stateful: false,
  evaluate: () => PASS,
});

interface Emf {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** EMF documents Powertools writes to stdout while `fn` runs. */
function captureEmf(fn: () => void): Emf[] {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return lines
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Emf);
}

describe('metrics in CloudWatch Embedded Metric Format (Powertools)', () => {
  it('emits Findings and SuspiciousSshKeys of an SSH key rule at once: by Rule, and with no dimension, in namespace Trailwatch', () => {
    const sink = new PowertoolsMetricsSink(createMetrics());
    const docs = captureEmf(() => sink.finding('ssh-weak-key'));
    expect(docs).toHaveLength(2);
    const [byRule, total] = docs as [Emf, Emf];
    expect(byRule._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Trailwatch',
        Dimensions: [['Rule']],
        Metrics: [
          { Name: 'Findings', Unit: 'Count' },
          { Name: 'SuspiciousSshKeys', Unit: 'Count' },
        ],
      },
    ]);
    expect(byRule).toMatchObject({ Rule: 'ssh-weak-key', Findings: 1, SuspiciousSshKeys: 1 });
    expect(total._aws.CloudWatchMetrics[0]?.Dimensions.flat()).toEqual([]);
    expect(total._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).toEqual([
      'Findings',
      'SuspiciousSshKeys',
    ]);
    expect(total).toMatchObject({ Findings: 1, SuspiciousSshKeys: 1 });
    expect(total).not.toHaveProperty('service');
    expect(total).not.toHaveProperty('Rule');
  });

  it('counts a rule of another family in Findings only (by Rule and in total), whatever rule comes before or after', () => {
    const rules = [...RULES, threat];
    const sink = new PowertoolsMetricsSink(createMetrics(), rules);
    const docs = captureEmf(() => {
      sink.finding('ssh-serial-console');
      sink.finding('ec2-throwaway' as RuleId);
      sink.finding('ssh-serial-console');
    });
    expect(docs).toHaveLength(6);
    const [, , byRule, total] = docs as Emf[];
    expect(byRule?._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'Trailwatch', Dimensions: [['Rule']], Metrics: [{ Name: 'Findings', Unit: 'Count' }] },
    ]);
    expect(byRule).toMatchObject({ Rule: 'ec2-throwaway', Findings: 1 });
    expect(byRule).not.toHaveProperty('SuspiciousSshKeys');
    expect(total?._aws.CloudWatchMetrics[0]?.Dimensions.flat()).toEqual([]);
    expect(total).toMatchObject({ Findings: 1 });
    expect(total).not.toHaveProperty('SuspiciousSshKeys');
    expect(total).not.toHaveProperty('Rule');
    // the next SSH key finding carries its own rule, not the threat rule's
    expect(docs[4]).toMatchObject({ Rule: 'ssh-serial-console', Findings: 1, SuspiciousSshKeys: 1 });
    expect(docs[5]).not.toHaveProperty('Rule');
  });

  it('names the metrics of every rule of RULES by its family: Findings for all, SuspiciousSshKeys for ssh-key', () => {
    for (const rule of RULES)
      expect(findingMetricsOf(rule.id)).toEqual(
        rule.family === 'ssh-key' ? ['Findings', 'SuspiciousSshKeys'] : ['Findings'],
      );
    expect(findingMetricsOf('no-such-rule')).toEqual(['Findings']);
  });

  it('buffers the operational metrics with no dimension until published', () => {
    const metrics = createMetrics();
    const sink = new PowertoolsMetricsSink(metrics);
    const buffered = captureEmf(() => {
      sink.count('FilesProcessed', 1);
      sink.count('RecordsRead', 120);
      sink.count('RecordsRead', 30);
      sink.count('EventsIndexed', 7);
      sink.count('SshKeyPushes', 2);
    });
    expect(buffered).toEqual([]);
    const [doc] = captureEmf(() => metrics.publishStoredMetrics());
    expect(doc?._aws.CloudWatchMetrics[0]?.Namespace).toBe('Trailwatch');
    expect(doc?._aws.CloudWatchMetrics[0]?.Dimensions.flat()).toEqual([]);
    expect(doc).toMatchObject({
      FilesProcessed: 1,
      RecordsRead: [120, 30],
      EventsIndexed: 7,
      SshKeyPushes: 2,
    });
  });
});
