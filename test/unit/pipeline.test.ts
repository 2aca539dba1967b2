import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MalformedLogFileError, NotCloudTrailFileError, StoreWriteError } from '../../lambda/core/errors';
import { dynamoItemSize, keys, type TableItem } from '../../lambda/core/items';
import { type FileStats, processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS, type Settings } from '../../lambda/core/settings';
import { CORPUS, describeWithCorpus, FIXTURES } from '../helpers/corpus';
import { logFilesUnder } from '../helpers/files';
import { ACCOUNT, chunks, ec2Call, keyPush, logFile, newEventId } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

const NOW = Date.UTC(2026, 10, 24);

async function run(
  data: Buffer,
  writer = new MemoryStore(),
  settings: Settings = DEFAULT_SETTINGS,
  seen?: Map<string, string>,
): Promise<FileStats> {
  return processLogFile(
    chunks(data, 4096),
    { source: 'file:///test.json.gz', settings, now: () => NOW, ...(seen ? { seen } : {}) },
    writer,
  );
}

async function runFile(path: string, writer: MemoryStore, seen?: Map<string, string>): Promise<FileStats> {
  return processLogFile(
    createReadStream(path),
    { source: `file://${path}`, settings: DEFAULT_SETTINGS, now: () => NOW, ...(seen ? { seen } : {}) },
    writer,
  );
}

function eventIds(writer: MemoryStore): string[] {
  return writer.events().map((e) => e.eventID as string);
}

describe('processing a log file', () => {
  it('indexes EC2, EBS and Instance Connect records and skips the rest (CONTRACT: sources)', async () => {
    const wanted = [
      ec2Call('StopInstances'),
      ec2Call('StartSnapshot', { eventSource: 'ebs.amazonaws.com' }),
      keyPush(),
    ];
    const other = [
      ec2Call('PutObject', { eventSource: 's3.amazonaws.com' }),
      ec2Call('GetSecretValue', { eventSource: 'secretsmanager.amazonaws.com' }),
    ];
    const writer = new MemoryStore();
    const stats = await run(logFile([...other, ...wanted]), writer);
    expect(stats).toMatchObject({ status: 'indexed', records: 5, indexed: 3, skipped: 2, rejected: 0 });
    expect(eventIds(writer).sort()).toEqual(wanted.map((r) => r.eventID).sort());
  });

  it('indexes read-only calls only when they failed, or when read-only indexing is on (CONTRACT)', async () => {
    const ok = ec2Call('DescribeInstances', { readOnly: true });
    const denied = ec2Call('DescribeInstances', {
      readOnly: true,
      errorCode: 'Client.UnauthorizedOperation',
    });
    const off = new MemoryStore();
    await run(logFile([ok, denied]), off);
    expect(eventIds(off)).toEqual([denied.eventID]);
    const on = new MemoryStore();
    await run(logFile([ok, denied]), on, { ...DEFAULT_SETTINGS, includeReadOnly: true });
    expect(eventIds(on).sort()).toEqual([ok.eventID, denied.eventID].sort());
  });

  it('trims eventName before comparing it (CONTRACT: "SendSSHPublicKey " exists in the wild)', async () => {
    const writer = new MemoryStore();
    await run(logFile([keyPush({ eventName: 'SendSSHPublicKey ' })]), writer);
    const [event] = writer.events();
    expect(event?.eventName).toBe('SendSSHPublicKey');
    expect(event?.ssh).toMatchObject({ fingerprint: expect.stringMatching(/^SHA256:/), osUser: 'ec2-user' });
  });

  it('accepts unknown fields and newer eventVersions (CONTRACT)', async () => {
    const future = ec2Call('TerminateInstances', {
      eventVersion: '1.99',
      brandNewField: { nested: [1, 2, { deeper: 'x' }] },
      requestParameters: {
        instancesSet: { items: [{ instanceId: 'i-0123456789abcdef0' }] },
        someNewParameter: true,
      },
      userIdentity: {
        type: 'SomeFutureType',
        arn: `arn:aws:iam::${ACCOUNT}:future/thing`,
        accountId: ACCOUNT,
      },
    });
    const writer = new MemoryStore();
    const stats = await run(logFile([future]), writer);
    expect(stats.indexed).toBe(1);
    expect(writer.partition(keys.instance('i-0123456789abcdef0'))).toHaveLength(1);
  });

  it('writes a duplicate (same eventID) once, in one file and across files (CONTRACT)', async () => {
    const a = ec2Call('StopInstances', {
      requestParameters: { instancesSet: { items: [{ instanceId: 'i-0123456789abcdef0' }] } },
    });
    const writer = new MemoryStore();
    const seen = new Map<string, string>();
    const first = await run(logFile([a, a, ec2Call('StartInstances')]), writer, DEFAULT_SETTINGS, seen);
    expect(first).toMatchObject({ indexed: 2, duplicates: 1 });
    const size = writer.items.size;
    const second = await run(logFile([a]), writer, DEFAULT_SETTINGS, seen);
    expect(second).toMatchObject({ indexed: 0, duplicates: 1 });
    // and even without the run's memory, writing it again cannot add an entry: same keys
    await run(logFile([a]), writer);
    expect(writer.items.size).toBe(size);
    expect(writer.partition(keys.instance('i-0123456789abcdef0'))).toHaveLength(1);
  });

  it('gives real duplicate files (the same records gzipped and not; real, Invictus) one entry per event', async () => {
    const base = join(
      FIXTURES,
      'cloudtrail',
      'invictus',
      '218007301253_CloudTrail_us-east-1_20230710T1215Z_YMDRJwtmC82bUwAo.json',
    );
    const writer = new MemoryStore();
    const seen = new Map<string, string>();
    const plain = await runFile(base, writer, seen);
    const size = writer.items.size;
    const gz = await runFile(`${base}.gz`, writer, seen);
    expect(plain.indexed).toBeGreaterThan(10);
    expect(gz).toMatchObject({ indexed: 0, duplicates: plain.indexed });
    expect(writer.items.size).toBe(size);
  });

  it('indexes a denied push whose only instance reference is the ARN in errorMessage (real, Panther)', async () => {
    const writer = new MemoryStore();
    await runFile(join(FIXTURES, 'cloudtrail', 'panther', 'ec2-records-one-per-line.json'), writer);
    const denied = writer.items.get(`${keys.event('3ad527a2-8799-4561-8def-963a6dcdbbb5')}|EVENT`);
    expect(denied).toMatchObject({
      errorCode: 'AccessDenied',
      instanceIds: ['i-abcdef01234567890'],
      eventTime: '2025-01-13T20:46:57Z',
    });
    expect(writer.partition(keys.instance('i-abcdef01234567890')).map((i) => i.eventName)).toEqual([
      'SendSSHPublicKey',
      'SendSSHPublicKey',
    ]);
  });

  it('rejects records without a usable eventTime, with the reason, and indexes the rest (real, Panther)', async () => {
    const writer = new MemoryStore();
    const stats = await runFile(
      join(FIXTURES, 'cloudtrail', 'panther', 'ec2-records-one-per-line.json'),
      writer,
    );
    expect(stats.status).toBe('indexed');
    expect(stats.rejected).toBeGreaterThan(0);
    expect(stats.rejections.every((r) => /eventTime/.test(r.reason))).toBe(true);
    // Panther's test records reuse eventIDs with other content: conflicts, not written
    expect(stats.indexed + stats.skipped + stats.rejected + stats.duplicates + stats.conflicts).toBe(
      stats.records,
    );
  });

  it('gives a record without eventID (old formats) a stable synthetic ID', async () => {
    const old = ec2Call('StopInstances');
    delete old.eventID;
    const w1 = new MemoryStore();
    const w2 = new MemoryStore();
    await run(logFile([old]), w1);
    await run(logFile([old]), w2);
    expect(eventIds(w1)).toEqual(eventIds(w2));
    expect(eventIds(w1)[0]).toMatch(/^synthetic-[0-9a-f]{32}$/);
  });

  it('skips a digest file without error', async () => {
    const digest = { awsAccountId: ACCOUNT, digestStartTime: 'a', digestEndTime: 'b', logFiles: [] };
    const stats = await run(gzipSync(JSON.stringify(digest)));
    expect(stats).toMatchObject({ status: 'skipped', skipReason: 'CloudTrail digest file', records: 0 });
  });

  it('skips Insights records without error', async () => {
    const insight = {
      eventVersion: '1.07',
      eventTime: '2025-03-01T10:00:00Z',
      eventType: 'AwsCloudTrailInsight',
      eventID: newEventId(),
      insightDetails: {},
    };
    const stats = await run(logFile([insight]));
    expect(stats).toMatchObject({ status: 'indexed', records: 1, skipped: 1, rejected: 0 });
  });

  it('fails a file that is JSON but not CloudTrail, naming the reason', async () => {
    const stats = await run(Buffer.from(JSON.stringify({ Type: 'Notification', Message: '{}' })));
    expect(stats.status).toBe('failed');
    expect(stats.error).toBeInstanceOf(NotCloudTrailFileError);
    expect(stats.error?.describe()).toBe(
      'file:///test.json.gz: no "Records" array, and not a CloudTrail record',
    );
  });

  it('keeps what it salvaged from a damaged file and reports the file failed', async () => {
    const a = JSON.stringify(ec2Call('StopInstances'));
    const b = JSON.stringify(ec2Call('StartInstances'));
    const writer = new MemoryStore();
    const stats = await run(Buffer.from(`{"Records":[${a} ${b}]}`), writer);
    expect(stats.status).toBe('failed');
    expect(stats.error).toBeInstanceOf(MalformedLogFileError);
    expect(stats.indexed).toBe(2);
    expect(writer.events()).toHaveLength(2);
  });

  it('fails the file when the writer fails, never reporting it indexed', async () => {
    const failing = new (class extends MemoryStore {
      override async write(): Promise<void> {
        throw new StoreWriteError('gave up writing 5 item(s) after 10 attempts', 'table t');
      }
    })();
    const stats = await processLogFile(
      chunks(logFile([keyPush()])),
      { source: 's3://b/k', settings: DEFAULT_SETTINGS },
      failing,
    );
    expect(stats.status).toBe('failed');
    expect(stats.error).toBeInstanceOf(StoreWriteError);
    expect(stats.items).toBe(0);
  });
});

describe('the real corpus', () => {
  it('indexes every fixture file, with items about 1 KB typical and far below 400 KB at most', async () => {
    const writer = new MemoryStore();
    const seen = new Map<string, string>();
    for (const file of logFilesUnder(join(FIXTURES, 'cloudtrail'))) {
      const stats = await runFile(file, writer, seen);
      expect({ file, status: stats.status }).toEqual({ file, status: 'indexed' });
    }
    const sizes = [...writer.items.values()].map((i: TableItem) => dynamoItemSize(i)).sort((a, b) => a - b);
    expect(sizes.length).toBeGreaterThan(500);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThanOrEqual(1024);
    expect(sizes[sizes.length - 1]).toBeLessThan(16 * 1024);
  });

  describeWithCorpus('Elastic and AWS documentation records (read from ../shared, not copied)', () => {
    it('reads the documentation SendSSHPublicKey: trailing space, SSHKey.publicKey shape, placeholder instance ID', async () => {
      const writer = new MemoryStore();
      await runFile(
        join(CORPUS, 'awsdocs', 'records', 'amazon-ec2-user-guide__monitor-with-cloudtrail__L104.json'),
        writer,
      );
      const [event] = writer.events();
      expect(event).toMatchObject({
        eventName: 'SendSSHPublicKey',
        ssh: { osUser: 'ec2-user', keyValid: false, keyType: 'INVALID' },
      });
      // not hex, but named by the request's instanceId: taken from that field (isNamedInstanceId)
      expect(event?.instanceIds).toEqual(['i-0123456789example']);
    });

    it('reads the Elastic SendSSHPublicKey whose key ends with a comment and a newline', async () => {
      const writer = new MemoryStore();
      await runFile(
        join(
          CORPUS,
          'elastic-integrations',
          'delivery',
          '000000000_CloudTrail_us-east-1_20241008T0905Z_fNq3Gy7vvDfdtkwX.json.gz',
        ),
        writer,
      );
      const push = writer.events().find((e) => e.eventID === 'c085aaa6-3b7e-48c2-b430-fb821ae9e073');
      expect(push?.ssh).toMatchObject({
        fingerprint: 'SHA256:0DSmEaqM4EblXprHI0ZbaIRSROz+Ww7FGC0zUzRwIq4',
        keyComment: 'romulo@Elastics-Macbook-Pro.local',
      });
    });
  });
});
