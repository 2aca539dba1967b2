import { createMetrics, PowertoolsMetricsSink } from '../../lambda/powertools-metrics';

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
  it('emits SuspiciousSshKeys at once: by Rule, and with no dimension, in namespace Trailwatch', () => {
    const sink = new PowertoolsMetricsSink(createMetrics());
    const docs = captureEmf(() => sink.finding('ssh-weak-key'));
    expect(docs).toHaveLength(2);
    const [byRule, total] = docs as [Emf, Emf];
    expect(byRule._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Trailwatch',
        Dimensions: [['Rule']],
        Metrics: [{ Name: 'SuspiciousSshKeys', Unit: 'Count' }],
      },
    ]);
    expect(byRule).toMatchObject({ Rule: 'ssh-weak-key', SuspiciousSshKeys: 1 });
    expect(total._aws.CloudWatchMetrics[0]?.Dimensions.flat()).toEqual([]);
    expect(total).toMatchObject({ SuspiciousSshKeys: 1 });
    expect(total).not.toHaveProperty('service');
    expect(total).not.toHaveProperty('Rule');
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
