import { OutOfTimeError, UsageError } from '../../lambda/core/errors';
import type { OperationalMetric } from '../../lambda/core/metrics';
import { type ObjectReader, processNotification } from '../../lambda/core/notification';
import { processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { type TimeBudget, timeBudgetFromEnv } from '../../lambda/core/time-budget';
import { chunks, ec2Call, keyPush, logFile } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

const NOW = Date.UTC(2026, 10, 24);

interface CountingMetrics {
  readonly counts: Partial<Record<OperationalMetric, number>>;
  readonly findings: string[];
  count(name: OperationalMetric, value: number): void;
  finding(rule: string): void;
}

function countingMetrics(): CountingMetrics {
  const counts: Partial<Record<OperationalMetric, number>> = {};
  const findings: string[] = [];
  return {
    counts,
    findings,
    count: (name, value) => {
      counts[name] = (counts[name] ?? 0) + value;
    },
    finding: (rule) => {
      findings.push(rule);
    },
  };
}

/** A budget whose clock drops by `stepMs` each time it is read. */
function ticking(startMs: number, stepMs: number, reserveMs: number, marginMs: number): TimeBudget {
  let left = startMs;
  return {
    remainingMs: () => {
      const now = left;
      left -= stepMs;
      return now;
    },
    startReserveMs: reserveMs,
    stopMarginMs: marginMs,
  };
}

/** 2,000 stopped instances and two pushes of one key to two instances (a multi-instance finding). */
function bigFile(): Buffer {
  // not compressed: read in 16 KB chunks, the budget is checked 16 KB at a time
  const records = [];
  for (let i = 0; i < 2000; i++) {
    const id = `i-${i.toString(16).padStart(17, '0')}`;
    records.push(
      ec2Call('StopInstances', {
        eventTime: `2025-03-01T10:${String(i % 60).padStart(2, '0')}:00Z`,
        requestParameters: { instancesSet: { items: [{ instanceId: id }] } },
      }),
    );
  }
  records.push(keyPush({ eventTime: '2025-03-01T10:00:00Z' }, { instanceId: 'i-0aaaaaaaaaaaaaaa1' }));
  records.push(keyPush({ eventTime: '2025-03-01T10:05:00Z' }, { instanceId: 'i-0aaaaaaaaaaaaaaa2' }));
  return logFile(records, false);
}

describe('time budget settings', () => {
  it('defaults to a 60 s start reserve and a 15 s stop margin', () => {
    const b = timeBudgetFromEnv(() => 300_000, {});
    expect([b.startReserveMs, b.stopMarginMs]).toEqual([60_000, 15_000]);
  });

  it('never keeps back more than half the invocation (reserve) or a quarter (margin)', () => {
    const b = timeBudgetFromEnv(() => 20_000, {});
    expect([b.startReserveMs, b.stopMarginMs]).toEqual([10_000, 5_000]);
  });

  it('reads TRAILWATCH_START_RESERVE_SECONDS and TRAILWATCH_STOP_MARGIN_SECONDS', () => {
    const b = timeBudgetFromEnv(() => 900_000, {
      TRAILWATCH_START_RESERVE_SECONDS: '120',
      TRAILWATCH_STOP_MARGIN_SECONDS: '20',
    });
    expect([b.startReserveMs, b.stopMarginMs]).toEqual([120_000, 20_000]);
  });

  it('rejects invalid values naming the variable', () => {
    expect(() => timeBudgetFromEnv(() => 1, { TRAILWATCH_START_RESERVE_SECONDS: 'soon' })).toThrow(
      expect.objectContaining({ name: 'UsageError', source: 'TRAILWATCH_START_RESERVE_SECONDS' }),
    );
    expect(() =>
      timeBudgetFromEnv(() => 1, {
        TRAILWATCH_START_RESERVE_SECONDS: '10',
        TRAILWATCH_STOP_MARGIN_SECONDS: '30',
      }),
    ).toThrow(UsageError);
  });
});

describe('running out of time', () => {
  const reader = (files: Record<string, Buffer>): ObjectReader & { reads: string[] } => {
    const reads: string[] = [];
    return {
      reads,
      read: async (_bucket, key) => {
        reads.push(key);
        const body = files[key];
        if (!body) throw new Error(`no ${key}`);
        return chunks(body, 16 * 1024);
      },
    };
  };
  const key = (n: number): string =>
    `AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/111122223333_CloudTrail_us-east-1_20250301T1000Z_${n}.json.gz`;
  const notification = (...keys: string[]): string =>
    JSON.stringify({
      Records: keys.map((k) => ({
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'b' }, object: { key: k, size: 10 } },
      })),
    });

  it('does not start a file with less than the reserve left: not read, deferred, the message fails', async () => {
    const files = {
      [key(1)]: logFile([ec2Call('StopInstances')]),
      [key(2)]: logFile([ec2Call('StopInstances')]),
    };
    const r = reader(files);
    const metrics = countingMetrics();
    const budget: TimeBudget = { remainingMs: () => 29_000, startReserveMs: 30_000, stopMarginMs: 5_000 };
    const store = new MemoryStore();
    await expect(
      processNotification(notification(key(1), key(2)), {
        logLocation: { bucket: 'b', keyPrefix: '' },
        reader: r,
        store,
        settings: DEFAULT_SETTINGS,
        metrics,
        budget,
      }),
    ).rejects.toThrow(
      /2 of 2 file\(s\) failed: .*not started: 29\.0 s of the invocation left, less than the 30\.0 s kept in reserve/,
    );
    expect(r.reads).toEqual([]);
    expect(store.items.size).toBe(0);
    expect(metrics.counts).toEqual({ FilesDeferred: 2 });
  });

  it('abandons a file part-way when the margin is reached, and a redelivery completes it exactly', async () => {
    const file = bigFile();
    const store = new MemoryStore();
    const metrics = countingMetrics();
    // the budget is read once per chunk and runs out seven chunks in
    const stats = await processLogFile(
      chunks(file, 16 * 1024),
      {
        source: 's3://b/k',
        settings: DEFAULT_SETTINGS,
        now: () => NOW,
        metrics,
        budget: ticking(10_000, 1_000, 30_000, 5_000),
      },
      store,
    );
    expect(stats.status).toBe('failed');
    expect(stats.error).toBeInstanceOf(OutOfTimeError);
    expect(stats.error?.describe()).toMatch(/^s3:\/\/b\/k: stopped part-way: 4\.0 s of the invocation left/);
    expect(stats.indexed).toBeGreaterThan(0);
    expect(stats.indexed).toBeLessThan(2002);
    // the SSH key rules did not run on a partial view
    expect(metrics.findings).toEqual([]);
    expect(metrics.counts.FilesDeferred).toBe(1);
    expect(metrics.counts.FilesFailed).toBeUndefined();

    // the redelivery
    const again = await processLogFile(
      chunks(file, 16 * 1024),
      { source: 's3://b/k', settings: DEFAULT_SETTINGS, now: () => NOW, metrics },
      store,
    );
    expect(again.status).toBe('indexed');
    const clean = new MemoryStore();
    const cleanMetrics = countingMetrics();
    await processLogFile(
      chunks(file),
      { source: 's3://b/k', settings: DEFAULT_SETTINGS, now: () => NOW, metrics: cleanMetrics },
      clean,
    );
    expect(store.items).toEqual(clean.items);
    // each finding once: none from the abandoned attempt, all of them from the redelivery
    expect(cleanMetrics.findings.length).toBeGreaterThan(0);
    expect(metrics.findings.sort()).toEqual(cleanMetrics.findings.sort());
  });
});
