import { UsageError } from '../../lambda/core/errors';
import type { OperationalMetric } from '../../lambda/core/metrics';
import {
  type LogLocation,
  logLocationFromEnv,
  normalizeKeyPrefix,
  type ObjectReader,
  processNotification,
} from '../../lambda/core/notification';
import { classifyKey, skipReason } from '../../lambda/core/s3-key';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { ec2Call, logFile } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

/**
 * The function reads the objects of its log bucket only, under the trail's key prefix, and only
 * CloudTrail log files there: anything else a message announces is acknowledged without being read.
 */

const DAY = 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/';
const FILE = '111122223333_CloudTrail_us-east-1_20250301T1000Z_AbCdEfGhIjKlMnOp.json.gz';
const CONFIG_KEY =
  'AWSLogs/111122223333/Config/us-east-1/2025/3/1/ConfigHistory/111122223333_Config_us-east-1_ConfigHistory_AWS::EC2::Instance_20250301T100000Z_20250301T110000Z_1.json.gz';

/** Reads from a map of objects and remembers what it was asked for. */
function reader(objects: Record<string, Buffer>): ObjectReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read: async (bucket, key) => {
      reads.push(`${bucket}/${key}`);
      const body = objects[`${bucket}/${key}`];
      if (!body) throw new Error(`no object ${bucket}/${key}`);
      return (async function* () {
        yield body;
      })();
    },
  };
}

function message(...objects: { bucket: string; key: string }[]): string {
  return JSON.stringify({
    Records: objects.map((o) => ({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: o.bucket }, object: { key: o.key, size: 100 } },
    })),
  });
}

async function run(body: string, location: LogLocation, objects: Record<string, Buffer>) {
  const r = reader(objects);
  const counts: Partial<Record<OperationalMetric, number>> = {};
  const warnings: Record<string, unknown>[] = [];
  const skipped: Record<string, unknown>[] = [];
  const outcomes = await processNotification(body, {
    logLocation: location,
    reader: r,
    store: new MemoryStore(),
    settings: DEFAULT_SETTINGS,
    metrics: {
      count: (name, value) => {
        counts[name] = (counts[name] ?? 0) + value;
      },
      finding: () => undefined,
    },
    log: {
      info: (m, a) => {
        if (m === 'skipped') skipped.push(a ?? {});
      },
      warn: (m, a) => {
        if (m === 'object refused') warnings.push(a ?? {});
      },
      error: () => undefined,
    },
  });
  return { outcomes, reads: r.reads, counts, warnings, skipped };
}

describe('which announced objects the function reads', () => {
  const logs: LogLocation = { bucket: 'trail-logs', keyPrefix: '' };

  it('refuses an object of another bucket: not read, counted in ObjectsRefused, logged; the rest of the message goes on', async () => {
    const body = message(
      { bucket: 'someone-elses', key: DAY + FILE },
      { bucket: 'trail-logs', key: DAY + FILE },
    );
    const r = await run(body, logs, { [`trail-logs/${DAY}${FILE}`]: logFile([ec2Call('StopInstances')]) });
    expect(r.reads).toEqual([`trail-logs/${DAY}${FILE}`]);
    expect(r.outcomes.map((o) => o.kind)).toEqual(['refused', 'log']);
    expect(r.counts.ObjectsRefused).toBe(1);
    expect(r.counts.FilesProcessed).toBe(1);
    expect(r.warnings).toEqual([
      {
        source: `s3://someone-elses/${DAY}${FILE}`,
        reason: 'bucket "someone-elses" is not the log bucket trail-logs',
      },
    ]);
  });

  it("refuses keys outside the trail's key prefix, and log keys under another prefix inside it", async () => {
    const prefixed: LogLocation = { bucket: 'trail-logs', keyPrefix: 'org-trail/' };
    const body = message(
      { bucket: 'trail-logs', key: DAY + FILE },
      { bucket: 'trail-logs', key: `org-trail/nested/${DAY}${FILE}` },
      { bucket: 'trail-logs', key: `org-trail/${DAY}${FILE}` },
    );
    const r = await run(body, prefixed, {
      [`trail-logs/org-trail/${DAY}${FILE}`]: logFile([ec2Call('StopInstances')]),
    });
    expect(r.outcomes.map((o) => o.kind)).toEqual(['refused', 'refused', 'log']);
    expect(r.reads).toEqual([`trail-logs/org-trail/${DAY}${FILE}`]);
    expect(r.warnings.map((w) => w.reason)).toEqual([
      'key outside the log key prefix "org-trail/"',
      'key outside the log key prefix "org-trail/"',
    ]);
  });

  it("skips AWS Config's files (and other non-CloudTrail .json.gz keys) without reading them", async () => {
    expect(classifyKey(CONFIG_KEY, 100)).toBe('not-cloudtrail');
    expect(classifyKey('AWSLogs/111122223333/elasticloadbalancing/us-east-1/x.json.gz', 100)).toBe(
      'not-cloudtrail',
    );
    const r = await run(message({ bucket: 'trail-logs', key: CONFIG_KEY }), logs, {});
    expect(r.reads).toEqual([]);
    expect(r.outcomes.map((o) => o.kind)).toEqual(['not-cloudtrail']);
    expect(r.skipped).toEqual([
      { source: `s3://trail-logs/${CONFIG_KEY}`, reason: skipReason('not-cloudtrail') },
    ]);
    expect(skipReason('not-cloudtrail')).toMatch(/^not a CloudTrail log file key/);
  });

  it('the log location comes from TRAILWATCH_LOG_BUCKET and TRAILWATCH_LOG_KEY_PREFIX; the bucket is required', () => {
    expect(logLocationFromEnv({ TRAILWATCH_LOG_BUCKET: 'b' })).toEqual({ bucket: 'b', keyPrefix: '' });
    expect(logLocationFromEnv({ TRAILWATCH_LOG_BUCKET: 'b', TRAILWATCH_LOG_KEY_PREFIX: 'ct' })).toEqual({
      bucket: 'b',
      keyPrefix: 'ct/',
    });
    expect(() => logLocationFromEnv({})).toThrow(UsageError);
    expect(() => logLocationFromEnv({ TRAILWATCH_LOG_BUCKET: ' ' })).toThrow(
      expect.objectContaining({
        source: 'TRAILWATCH_LOG_BUCKET',
        message: expect.stringMatching(/^is not set/),
      }),
    );
    expect(normalizeKeyPrefix('a/b/', 'p')).toBe('a/b/');
    expect(normalizeKeyPrefix('', 'p')).toBe('');
    expect(() => normalizeKeyPrefix('/abs', 'TRAILWATCH_LOG_KEY_PREFIX')).toThrow(
      expect.objectContaining({ source: 'TRAILWATCH_LOG_KEY_PREFIX' }),
    );
  });
});
