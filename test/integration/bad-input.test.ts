import { dynamoItemSize, itemToEvent, keys } from '../../lambda/core/items';
import { LIMITS } from '../../lambda/core/limits';
import { announce, BUCKET, i, logKey, stop } from '../helpers/bad-input';
import { CASES } from '../helpers/bad-input-cases';
import { invoke, type LogDocument, metricSum, sqsEvent } from '../helpers/lambda';
import { useLocalFunction } from '../helpers/local-function';
import { logFile } from '../helpers/records';

/** The bad-input matrix (test/helpers/bad-input-cases.ts) run on the real handler. */

describe('bad-input matrix: the real handler on dynalite and s3rver', () => {
  const fn = useLocalFunction([BUCKET]);

  const instancesIndexed = async (id: string): Promise<number> =>
    (await fn.store.query(keys.instance(id))).items.length;

  it(`has at least 20 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CASES.map((c, k) => [c.name, c, k] as const))('%s', async (_name, c, k) => {
    const { objects, body } = c.setup();
    for (const [key, bytes] of Object.entries(objects ?? {})) await fn.s3.put(BUCKET, key, bytes);
    const control = `i-c0${k.toString(16).padStart(15, '0')}`;
    const controlKey = logKey(`control-${k}`);
    await fn.s3.put(BUCKET, controlKey, logFile([stop(control)]));
    const event = sqsEvent(body, announce(controlKey));
    const [caseId, controlId] = event.Records.map((r) => r.messageId);

    const { response, emf, logs } = await invoke(fn.handler, event);
    const failed = response.batchItemFailures.map((f) => f.itemIdentifier);
    // the other message of the batch always goes through
    expect(failed).not.toContain(controlId);
    expect(await instancesIndexed(control)).toBe(1);

    const errors = logs.filter((l: LogDocument) => l.level === 'ERROR');
    const o = c.outcome;
    switch (o.kind) {
      case 'failed':
        expect(failed).toEqual([caseId]);
        expect(errors.map((l) => String(l.error))).toEqual(
          expect.arrayContaining([expect.stringMatching(o.error)]),
        );
        for (const id of o.salvaged ?? []) expect(await instancesIndexed(id)).toBeGreaterThan(0);
        break;
      case 'indexed':
        expect(failed).toEqual([]);
        expect(errors).toEqual([]);
        for (const id of o.instances) expect(await instancesIndexed(id)).toBe(1);
        expect(metricSum(emf, 'RecordsRejected')).toBe(0);
        break;
      case 'salvaged': {
        expect(failed).toEqual([]);
        for (const id of o.instances) expect(await instancesIndexed(id)).toBe(1);
        expect(metricSum(emf, 'RecordsRejected')).toBe(o.rejected);
        const warning = logs.find((l) => l.message === 'file indexed with rejected records');
        expect(String(warning?.source)).toMatch(/^s3:\/\/trail-bucket\/AWSLogs\//);
        expect(JSON.stringify(warning?.rejections)).toMatch(o.reason);
        break;
      }
      case 'skipped':
        expect(failed).toEqual([]);
        expect(logs.find((l) => l.message === 'skipped' && o.reason.test(String(l.reason)))).toBeDefined();
        break;
      case 'acknowledged':
        expect(failed).toEqual([]);
        expect(errors).toEqual([]);
        break;
      case 'refused':
        expect(failed).toEqual([]);
        expect(errors).toEqual([]);
        expect(
          logs.find((l) => l.message === 'object refused' && o.reason.test(String(l.reason))),
        ).toBeDefined();
        expect(metricSum(emf, 'ObjectsRefused')).toBe(1);
        break;
    }
  });

  it('keeps the items of 300 KB values within their bounds, truncation marked', async () => {
    const [index] = (await fn.store.query(keys.instance(i.big))).items;
    expect(index).toBeDefined();
    expect(dynamoItemSize(index as Record<string, unknown>)).toBeLessThanOrEqual(LIMITS.indexItemBytes);
    const item = await fn.store.getEvent(itemToEvent(index as Record<string, unknown>).eventID);
    expect(item).toBeDefined();
    expect(dynamoItemSize(item as Record<string, unknown>)).toBeLessThanOrEqual(LIMITS.eventItemBytes);
    const event = itemToEvent(item as Record<string, unknown>);
    expect(event.userAgent).toMatch(/…\[truncated \d+ chars\]$/);
    expect(event.errorMessage?.length).toBeLessThanOrEqual(LIMITS.errorMessage);
    expect(event.sourceIPAddress?.length).toBeLessThanOrEqual(LIMITS.sourceIp);
  });

  it('a record without eventID keeps the same derived ID when delivered again', async () => {
    const [first] = (await fn.store.query(keys.instance(i.noEventId))).items.map(itemToEvent);
    expect(first?.eventID).toMatch(/^synthetic-[0-9a-f]{32}$/);
  });

  it('decodes URL-encoded keys: the event points to the object with its real name', async () => {
    const [e] = (await fn.store.query(keys.instance(i.spaces))).items.map(itemToEvent);
    const item = await fn.store.getEvent(e?.eventID ?? '');
    expect(item?.source).toBe(`s3://${BUCKET}/${logKey('a b+c é ü')}`);
  });

  it('__proto__ keys neither polluted prototypes nor changed the event', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const [e] = (await fn.store.query(keys.instance(i.proto))).items.map(itemToEvent);
    expect(e?.eventSource).toBe('ec2.amazonaws.com');
    expect(Object.keys(e ?? {})).not.toContain('polluted');
  });
});
