import { InvalidS3KeyError } from '../../lambda/core/errors';
import { classifyKey, decodeEventKey, parseLogKey } from '../../lambda/core/s3-key';

const LOG =
  'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/111122223333_CloudTrail_us-east-1_20250301T1000Z_AbCdEfGhIjKlMnOp.json.gz';

describe('S3 key rules', () => {
  it.each([
    [LOG, undefined, 'log'],
    ['prefix/AWSLogs/o-abcdef1234/111122223333/CloudTrail/eu-west-1/2025/03/01/x.json.gz', 1234, 'log'],
    [
      'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/03/01/x_CloudTrail-Digest_us-east-1_t.json.gz',
      900,
      'digest',
    ],
    ['AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2025/03/01/x.json.gz', 900, 'insight'],
    ['AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/', 0, 'folder'],
    ['AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/empty.json.gz', 0, 'folder'],
    ['AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/notes.txt', 10, 'other'],
    ['AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/x.json', 10, 'other'],
  ])('classifies %s (size %s) as %s', (key, size, kind) => {
    expect(classifyKey(key, size)).toBe(kind);
  });

  it('decodes keys as S3 event notifications encode them: %XX escapes and + for a space', () => {
    expect(decodeEventKey('AWSLogs/my+trail/a%2Bb/%C3%A9t%C3%A9.json.gz')).toBe(
      'AWSLogs/my trail/a+b/été.json.gz',
    );
  });

  it('rejects malformed URL encoding with a named error that quotes the key', () => {
    expect(() => decodeEventKey('AWSLogs/%E0%A4%A.json.gz')).toThrow(InvalidS3KeyError);
    try {
      decodeEventKey('bad%zz');
    } catch (error) {
      expect((error as InvalidS3KeyError).describe()).toMatch(
        /^bad%zz: object key in the S3 event is not valid URL encoding/,
      );
    }
  });

  it('parses the parts of single-account and organization log keys', () => {
    expect(parseLogKey(LOG)).toEqual({
      prefix: '',
      accountId: '111122223333',
      region: 'us-east-1',
      date: '2025-03-01',
      fileName: '111122223333_CloudTrail_us-east-1_20250301T1000Z_AbCdEfGhIjKlMnOp.json.gz',
    });
    expect(
      parseLogKey('trails/AWSLogs/o-abcdef1234/444455556666/CloudTrail/eu-west-1/2024/12/31/f.json.gz'),
    ).toMatchObject({
      prefix: 'trails/',
      organizationId: 'o-abcdef1234',
      accountId: '444455556666',
      region: 'eu-west-1',
      date: '2024-12-31',
    });
    expect(parseLogKey('random/key.json.gz')).toBeUndefined();
  });
});
