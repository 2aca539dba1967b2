import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { itemToEvent, keys } from '../../lambda/core/items';
import { FIXTURES } from '../helpers/corpus';
import { findingMetrics as findings, invoke, s3Notification, s3TestEvent, sqsEvent } from '../helpers/lambda';
import { useLocalFunction } from '../helpers/local-function';
import { ec2Call, keyPush, logFile } from '../helpers/records';

const BUCKET = 'trail-bucket';
const PREFIX = 'AWSLogs/572910899909/CloudTrail/eu-south-1/2024/08/01/';
const EIC_FILE = '572910899909_CloudTrail_eu-south-1r_20240801T1320Z_RzIh4L8JH4Q4jM8E.json.gz';

describe('the ingest function (real handler) on dynalite and s3rver', () => {
  const fn = useLocalFunction([BUCKET], { TRAILWATCH_RETENTION_DAYS: '30' }, (started) =>
    started.s3.put(
      BUCKET,
      PREFIX + EIC_FILE,
      readFileSync(join(FIXTURES, 'cloudtrail', 'stratus', EIC_FILE)),
    ),
  );

  it('indexes an announced log file and reports no failure', async () => {
    const { response, emf, logs } = await invoke(
      fn.handler,
      sqsEvent(s3Notification(BUCKET, { key: PREFIX + EIC_FILE })),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    const { items } = await fn.store.query(keys.instance('i-fdb357cb7e99ad973'));
    expect(items.map(itemToEvent)).toEqual([
      expect.objectContaining({ eventName: 'SendSSHPublicKey', findings: ['ssh-key-multi-instance'] }),
    ]);
    const event = await fn.store.getEvent('0968cbec-f8df-43f3-94ba-b451aad083ed');
    expect(event?.source).toBe(`s3://${BUCKET}/${PREFIX}${EIC_FILE}`);
    expect(findings(emf).sort()).toEqual([
      '(all)',
      '(all)',
      '(all)',
      'ssh-key-multi-instance',
      'ssh-key-multi-instance',
      'ssh-key-multi-instance',
    ]);
    expect(emf.find((d) => d.FilesProcessed !== undefined)).toMatchObject({
      FilesProcessed: 1,
      RecordsRead: 3,
      EventsIndexed: 3,
      SshKeyPushes: 3,
    });
    expect(logs.find((l) => l.message === 'file indexed')).toMatchObject({
      level: 'INFO',
      source: `s3://${BUCKET}/${PREFIX}${EIC_FILE}`,
      indexed: 3,
    });
  });

  it('a second delivery of the same file changes nothing (but the TTL) and emits no finding metric', async () => {
    // the TTL counts from the latest write: a redelivery a second later moves it by a second
    const withoutTtl = (items: Record<string, unknown>[]): Record<string, unknown>[] =>
      items.map(({ expiresAt: _ttl, ...rest }) => rest);
    const before = withoutTtl(
      (await fn.store.query(keys.sshKey('SHA256:xq6092IJhV+0W2wifL9mSmJHQoMb2h2KFNrpk4YEAW8'))).items,
    );
    const { response, emf } = await invoke(
      fn.handler,
      sqsEvent(s3Notification(BUCKET, { key: PREFIX + EIC_FILE })),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(findings(emf)).toEqual([]);
    expect(
      withoutTtl(
        (await fn.store.query(keys.sshKey('SHA256:xq6092IJhV+0W2wifL9mSmJHQoMb2h2KFNrpk4YEAW8'))).items,
      ),
    ).toEqual(before);
  });

  it('acknowledges the s3:TestEvent S3 sends when notifications are set up', async () => {
    const { response } = await invoke(fn.handler, sqsEvent(s3TestEvent(BUCKET)));
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('skips digests, Insights files and folder markers without error', async () => {
    const { response } = await invoke(
      fn.handler,
      sqsEvent(
        s3Notification(
          BUCKET,
          { key: 'AWSLogs/1/CloudTrail-Digest/us-east-1/2025/03/01/x.json.gz' },
          { key: 'AWSLogs/1/CloudTrail-Insight/us-east-1/2025/03/01/x.json.gz' },
          { key: 'AWSLogs/1/CloudTrail/us-east-1/2025/03/01/', size: 0 },
        ),
      ),
    );
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('fails only the messages that failed (partial batch response); the others are indexed', async () => {
    const key =
      'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/111122223333_CloudTrail_us-east-1_20250301T1000Z_a b+c.json.gz';
    const push = keyPush({ eventTime: '2025-03-01T10:00:00Z' }, { instanceId: 'i-0abcabcabcabcabc1' });
    await fn.s3.put(BUCKET, key, logFile([push, ec2Call('StopInstances')]));
    const event = sqsEvent(
      s3Notification(BUCKET, { key }),
      '{"not":"an S3 event"}',
      s3Notification(BUCKET, { key: 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/deleted.json.gz' }),
    );
    const { response, logs } = await invoke(fn.handler, event);
    const failed = response.batchItemFailures.map((f) => f.itemIdentifier);
    expect(failed.sort()).toEqual([event.Records[1]?.messageId, event.Records[2]?.messageId].sort());
    expect((await fn.store.query(keys.instance('i-0abcabcabcabcabc1'))).items).toHaveLength(1);
    const errors = logs.filter((l) => l.level === 'ERROR').map((l) => String(l.error));
    expect(errors).toEqual(
      expect.arrayContaining([
        'message is not an S3 event notification',
        expect.stringMatching(/deleted\.json\.gz: object not found \(deleted before it was read\?\)/),
      ]),
    );
  });
});
