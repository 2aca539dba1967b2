import { endsLikeInstanceSession, mayHideSession, TopFieldReader } from '../../lambda/core/reader/top-fields';
import { readLogRecords } from '../../lambda/core/record-stream';
import { chunks } from '../helpers/records';

/** The fields the splitter reads from each record of `records` (JSON texts), in one chunk or in `size`-byte ones. */
async function fieldsOf(records: string[], size?: number): Promise<unknown[]> {
  const text = Buffer.from(`{"Records":[${records.join(',')}]}`);
  const out: unknown[] = [];
  for await (const r of readLogRecords(chunks(text, size ?? text.length)))
    if (r.kind === 'record') out.push(r.fields);
  return out;
}

const string = (s: string): [Buffer, number, number] => {
  const b = Buffer.from(JSON.stringify(s));
  return [b, 0, b.length - 1];
};

describe('reader: eventName and the instance session, from the raw bytes', () => {
  it('reads eventName as a top-level field, not a nested one', async () => {
    const [fields] = await fieldsOf([
      '{"eventName":"StartSession","requestParameters":{"eventName":"x"},"eventSource":"ssm.amazonaws.com"}',
    ]);
    expect(fields).toEqual({
      eventName: 'StartSession',
      eventSource: 'ssm.amazonaws.com',
      eventSourceIsString: true,
    });
  });

  it('skips eventName when the source read before it does not need it, and reads it otherwise', async () => {
    const wanted = (source: string): boolean => source === 'ssm.amazonaws.com';
    const read = (text: string) => {
      const reader = new TopFieldReader(wanted);
      const chunk = Buffer.from(text);
      reader.begin();
      for (let i = chunk.indexOf(0x22); i >= 0 && i < chunk.length; ) {
        const close = chunk.indexOf(0x22, i + 1);
        const next = reader.readAt(chunk, i, close);
        i = chunk.indexOf(0x22, next);
      }
      return reader.take();
    };
    expect(read('{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}')).toEqual({
      eventSource: 's3.amazonaws.com',
      eventSourceIsString: true,
    });
    expect(read('{"eventSource":" ssm.amazonaws.com","eventName":"StartSession"}')).toMatchObject({
      eventName: 'StartSession',
    });
    expect(read('{"eventName":"GetObject","eventSource":"s3.amazonaws.com"}')).toMatchObject({
      eventName: 'GetObject',
    });
  });

  it('marks a record whose userIdentity.arn is an assumed-role session named like an instance', async () => {
    const arn = (session: string) =>
      `{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/r/${session}"},"eventSource":"sts.amazonaws.com"}`;
    const [instance, mixedCase, short, admin, user] = await fieldsOf([
      arn('i-0123456789abcdef0'),
      arn('i-786a3A8B5C0d92eF4'),
      arn('i-0a1b2c3d'),
      arn('i-1234abcd-admin'),
      '{"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/i-0123456789abcdef0"}}',
    ]);
    expect(instance).toMatchObject({ instanceSession: true });
    expect(mixedCase).toMatchObject({ instanceSession: true });
    expect(short).toMatchObject({ instanceSession: true });
    expect(admin).not.toHaveProperty('instanceSession');
    expect(user).not.toHaveProperty('instanceSession');
  });

  it('gives up on a record whose second-level string is cut by a chunk boundary (it may be the ARN)', async () => {
    const record =
      '{"eventSource":"sts.amazonaws.com","userIdentity":{"arn":"arn:aws:sts::1:assumed-role/r/i-0123456789abcdef0"}}';
    const cut = record.indexOf('assumed-role') + '{"Records":['.length;
    const [fields] = await fieldsOf([record], cut);
    expect(fields).toBeUndefined();
  });

  it('endsLikeInstanceSession: the session at the end of the string, before trailing white space', () => {
    expect(endsLikeInstanceSession(...string('arn:aws:sts::1:assumed-role/r/i-0123456789abcdef0'))).toBe(
      true,
    );
    expect(
      endsLikeInstanceSession(...string('arn:aws:sts::1:assumed-role/r/i-0123456789abcdef0 \u00a0')),
    ).toBe(true);
    expect(endsLikeInstanceSession(...string('arn:aws:ec2:us-east-1:1:instance/i-0123456789abcdef0'))).toBe(
      false,
    );
    expect(endsLikeInstanceSession(...string('arn:aws:sts::1:assumed-role/r/i-0123456789abcdef'))).toBe(
      false,
    );
    expect(endsLikeInstanceSession(...string('i-0123456789abcdef0'))).toBe(false);
  });

  it('mayHideSession: an escape other than \\" and \\\\ anywhere in the record', () => {
    expect(mayHideSession(Buffer.from('{"a":"say \\"hi\\" C:\\\\x"}'))).toBe(false);
    expect(mayHideSession(Buffer.from('{"a":"a\\/b"}'))).toBe(true);
    expect(mayHideSession(Buffer.from('{"a":"\\u0069"}'))).toBe(true);
    expect(mayHideSession(Buffer.from('{"a":"x\\t"}'))).toBe(true);
    // an escaped backslash followed by a u is not an escape of u
    expect(mayHideSession(Buffer.from('{"a":"\\\\u"}'))).toBe(false);
  });
});
