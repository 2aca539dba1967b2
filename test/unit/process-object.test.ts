import { InputReadError, OutOfTimeError, StoreWriteError } from '../../lambda/core/errors';
import { fileFolderPartition } from '../../lambda/core/file-markers';
import type { TableItem } from '../../lambda/core/items';
import { type LogFile, processObject, s3LogFile } from '../../lambda/core/process-object';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { chunks, ec2Call, logFile } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

const NOW = Date.UTC(2026, 0, 15);
const KEY =
  'AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/15/111122223333_CloudTrail_us-east-1_x.json.gz';

/** An S3 log file read from memory, counting reads. */
function s3File(body: Buffer | undefined): { file: LogFile; reads: string[] } {
  const reads: string[] = [];
  const reader = {
    read: async (bucket: string, key: string) => {
      reads.push(`${bucket}/${key}`);
      if (!body)
        throw new InputReadError('object not found (deleted before it was read?)', `s3://${bucket}/${key}`);
      return chunks(body);
    },
  };
  return {
    file: s3LogFile(reader, { bucket: 'b', key: KEY, size: body?.length ?? 0 }, DEFAULT_SETTINGS),
    reads,
  };
}

function markers(store: MemoryStore): TableItem[] {
  return store.partition(fileFolderPartition('b', KEY));
}

describe('processing one log file, however it came (processObject)', () => {
  it('reads, indexes, and marks an S3 object done once all its items are stored', async () => {
    const store = new MemoryStore();
    const { file } = s3File(logFile([ec2Call('StopInstances'), ec2Call('StartInstances')]));
    const { stats, error } = await processObject(file, { store, settings: DEFAULT_SETTINGS, now: () => NOW });
    expect(error).toBeUndefined();
    expect(stats).toMatchObject({ source: `s3://b/${KEY}`, status: 'indexed', records: 2, indexed: 2 });
    expect(markers(store)).toEqual([
      expect.objectContaining({
        kind: 'file',
        records: 2,
        indexed: 2,
        processedAt: new Date(NOW).toISOString(),
      }),
    ]);
  });

  it('writes no marker for a file that failed, nor for a local file (no marker yet)', async () => {
    const truncated = logFile([ec2Call('StopInstances')]).subarray(0, 30);
    const store = new MemoryStore();
    const failed = await processObject(s3File(truncated).file, { store, settings: DEFAULT_SETTINGS });
    expect(failed.stats?.status).toBe('failed');
    expect(failed.error).toBeUndefined();
    expect(markers(store)).toEqual([]);

    const local: LogFile = {
      source: 'file:///x.json.gz',
      open: async () => chunks(logFile([ec2Call('StopInstances')])),
    };
    const { stats } = await processObject(local, { store, settings: DEFAULT_SETTINGS });
    expect(stats?.indexed).toBe(1);
    expect([...store.items.values()].filter((i) => i.kind === 'file')).toEqual([]);
  });

  it('does not read a file when time is short; names the object when it cannot be read; closes what it opened', async () => {
    const late = s3File(logFile([ec2Call('StopInstances')]));
    const budget = { remainingMs: () => 10_000, startReserveMs: 30_000, stopMarginMs: 5_000 };
    const deferred = await processObject(late.file, {
      store: new MemoryStore(),
      settings: DEFAULT_SETTINGS,
      budget,
    });
    expect(deferred.error).toBeInstanceOf(OutOfTimeError);
    expect(deferred.stats).toBeUndefined();
    expect(late.reads).toEqual([]);

    let closed = 0;
    const gone = s3File(undefined).file;
    const unreadable = await processObject(
      { ...gone, close: () => closed++ },
      { store: new MemoryStore(), settings: DEFAULT_SETTINGS },
    );
    expect(unreadable.error?.describe()).toBe(
      `s3://b/${KEY}: object not found (deleted before it was read?)`,
    );
    expect(closed).toBe(1);
  });

  it('a marker that cannot be written fails the file, its account kept', async () => {
    const store = new MemoryStore();
    store.putItem = async () => {
      throw new StoreWriteError('gave up writing 1 item(s) after 10 attempts', 'table t');
    };
    const { stats, error } = await processObject(s3File(logFile([ec2Call('StopInstances')])).file, {
      store,
      settings: DEFAULT_SETTINGS,
    });
    expect(stats?.indexed).toBe(1);
    expect(error?.describe()).toBe(`s3://b/${KEY}: table t: gave up writing 1 item(s) after 10 attempts`);
  });
});
