import { doneFiles, fileFolderPartition, fileMarkerItem, isDone } from '../../lambda/core/file-markers';
import { encodeEventKey, objectCreatedMessage, parseNotification } from '../../lambda/core/notification';
import { emptyStats } from '../../lambda/core/pipeline';
import { decodeEventKey } from '../../lambda/core/s3-key';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';

const KEY =
  'AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-1/2025/03/01/111122223333_CloudTrail_us-east-1_20250301T1000Z_a.json.gz';

describe('file markers', () => {
  const stats = { ...emptyStats(`s3://b/${KEY}`), records: 10, indexed: 3 };

  it('one partition per delivery folder, the file name as sort key', () => {
    const item = fileMarkerItem(
      { bucket: 'b', key: KEY, size: 99 },
      stats,
      DEFAULT_SETTINGS,
      Date.UTC(2025, 2, 1),
    );
    expect(item).toEqual({
      pk: `FILES#b/${KEY.slice(0, KEY.lastIndexOf('/') + 1)}`,
      sk: '111122223333_CloudTrail_us-east-1_20250301T1000Z_a.json.gz',
      kind: 'file',
      size: 99,
      records: 10,
      indexed: 3,
      includeReadOnly: false,
      processedAt: '2025-03-01T00:00:00.000Z',
      // the TTL of the items written at the same time: 365 days (the default retention) later
      expiresAt: Date.UTC(2025, 2, 1) / 1000 + 365 * 86_400,
    });
    expect(fileFolderPartition('b', KEY)).toBe(item.pk);
  });

  it('a file is done when marked with the same size (or no size known)', () => {
    const marked = [
      fileMarkerItem({ bucket: 'b', key: KEY, size: 99 }, stats, DEFAULT_SETTINGS, 0),
      fileMarkerItem({ bucket: 'b', key: KEY.replace('_a.', '_b.') }, stats, DEFAULT_SETTINGS, 0),
    ];
    const done = doneFiles(marked, DEFAULT_SETTINGS);
    expect(isDone(done, KEY, 99)).toBe(true);
    expect(isDone(done, KEY, 100)).toBe(false); // rewritten since: process again
    expect(isDone(done, KEY.replace('_a.', '_b.'), 5)).toBe(true);
    expect(isDone(done, KEY.replace('_a.', '_c.'), 5)).toBe(false);
  });

  it('a file indexed without read-only calls is not done for a run that wants them', () => {
    const marked = [fileMarkerItem({ bucket: 'b', key: KEY, size: 1 }, stats, DEFAULT_SETTINGS, 0)];
    expect(isDone(doneFiles(marked, { ...DEFAULT_SETTINGS, includeReadOnly: true }), KEY, 1)).toBe(false);
    const withReadOnly = [
      fileMarkerItem(
        { bucket: 'b', key: KEY, size: 1 },
        stats,
        { ...DEFAULT_SETTINGS, includeReadOnly: true },
        0,
      ),
    ];
    expect(isDone(doneFiles(withReadOnly, DEFAULT_SETTINGS), KEY, 1)).toBe(true);
  });
});

describe('announcing an existing file as S3 would', () => {
  it.each([KEY, 'AWSLogs/1/a b+c/é ü %41.json.gz'])(
    'the message parses back to the same object: %s',
    (key) => {
      const body = objectCreatedMessage('bucket', { key, size: 7 }, Date.UTC(2025, 0, 1));
      expect(parseNotification(body)).toEqual({
        kind: 'objects',
        objects: [{ bucket: 'bucket', key, size: 7 }],
      });
      expect(decodeEventKey(encodeEventKey(key))).toBe(key);
    },
  );

  it('encodes keys as S3 event notifications do: / kept, space as +, + as %2B', () => {
    expect(encodeEventKey('a b+c/d')).toBe('a+b%2Bc/d');
  });
});
