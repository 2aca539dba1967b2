import fc from 'fast-check';
import { type FileStats, processLogFile } from '../../lambda/core/pipeline';
import { type RecordText, readLogRecordBatches, type TopFields } from '../../lambda/core/record-stream';
import { preselect } from '../../lambda/core/select';
import { DEFAULT_SETTINGS, type Settings } from '../../lambda/core/settings';
import { stratusRecords } from '../helpers/fixture-records';
import { assumedRole, chunks, ec2Call, iamUser } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

/**
 * The fast path (records skipped from their raw text) against parsing every record, for what issue 12
 * added to the selection: Systems Manager sessions and commands, the sensitive EC2 reads, and the calls
 * made with an instance's own credentials (found in the bytes of `userIdentity.arn`), with the agents'
 * routine calls skipped unparsed. Same items, same counts, whatever the chunking and the spelling.
 */

const NOW = Date.UTC(2026, 10, 24);

interface Outcome {
  items: MemoryStore['items'];
  stats: Omit<FileStats, 'rejections' | 'error' | 'source'> & { error?: string };
}

async function run(text: Buffer, size: number, preselect: boolean, settings: Settings): Promise<Outcome> {
  const store = new MemoryStore();
  const ctx = { source: 's3://b/k', settings, now: () => NOW, preselect };
  const {
    rejections: _r,
    error,
    source: _s,
    ...stats
  } = await processLogFile(chunks(text, size), ctx, store);
  return { items: store.items, stats: { ...stats, ...(error ? { error: error.message } : {}) } };
}

async function expectSame(
  text: Buffer,
  size: number,
  settings: Settings = DEFAULT_SETTINGS,
): Promise<Outcome> {
  const fast = await run(text, size, true, settings);
  const plain = await run(text, size, false, settings);
  expect(fast.items).toEqual(plain.items);
  expect(fast.stats).toEqual(plain.stats);
  return fast;
}

const file = (records: readonly (string | object)[]): Buffer =>
  Buffer.from(
    `{"Records":[${records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join(',')}]}`,
  );

const SSM = 'ssm.amazonaws.com';
const INSTANCE = assumedRole('web-role', 'i-0123456789abcdef0');

/** One record of each new path, and of each near miss. */
const MIX = [
  ec2Call('StartSession', { eventSource: SSM, requestParameters: { target: 'i-0123456789abcdef0' } }),
  ec2Call('TerminateSession', { eventSource: SSM, requestParameters: { sessionId: 'alice-0123' } }),
  ec2Call('SendCommand', { eventSource: SSM, readOnly: true, errorCode: 'AccessDenied' }),
  ec2Call('GetCommandInvocation', { eventSource: SSM, readOnly: true }),
  ec2Call('DescribeInstanceInformation', { eventSource: SSM, readOnly: true }),
  ec2Call('GetPasswordData', { readOnly: true, requestParameters: { instanceId: 'i-0123456789abcdef0' } }),
  ec2Call('GetConsoleScreenshot', { readOnly: true }),
  ec2Call('DescribeInstanceAttribute', { readOnly: true, requestParameters: { attribute: 'userData' } }),
  ec2Call('DescribeInstanceAttribute', { readOnly: true, requestParameters: { attribute: 'instanceType' } }),
  ec2Call('GetCallerIdentity', { eventSource: 'sts.amazonaws.com', readOnly: true, userIdentity: INSTANCE }),
  ec2Call('DescribeInstances', { readOnly: true, userIdentity: INSTANCE }),
  ec2Call('DescribeTags', { readOnly: true, userIdentity: INSTANCE }),
  ec2Call('UpdateInstanceInformation', { eventSource: SSM, userIdentity: INSTANCE }),
  ec2Call('GetMessages', {
    eventSource: 'ec2messages.amazonaws.com',
    readOnly: true,
    userIdentity: INSTANCE,
  }),
  ec2Call('GetCallerIdentity', {
    eventSource: 'sts.amazonaws.com',
    readOnly: true,
    userIdentity: assumedRole('web-role', 'i-1234abcd-admin'),
  }),
  ec2Call('GetObject', { eventSource: 's3.amazonaws.com', readOnly: true, userIdentity: iamUser() }),
];

describe('the fast path agrees with parsing every record on the instance access records', () => {
  it('on a file of every new path and near miss, whatever the chunking, read-only indexing off and on', async () => {
    const text = file(MIX);
    for (const size of [1, 7, 97, 4096]) {
      const off = await expectSame(text, size);
      expect(off.stats.indexed).toBe(8);
      expect(off.stats.skipped).toBe(8);
      await expectSame(text, size, { ...DEFAULT_SETTINGS, includeReadOnly: true });
    }
  });

  it('skips the near misses and the agents routine calls unparsed: the reader emits only what is indexed', async () => {
    const keep = (fields: TopFields, raw: RecordText): boolean =>
      preselect(fields, DEFAULT_SETTINGS, raw) !== 'skip';
    const names: string[] = [];
    const text = file(MIX);
    // one chunk: a record whose fields a chunk boundary cuts is emitted, to be parsed
    for await (const batch of readLogRecordBatches(chunks(text, text.length), { keep }))
      for (const raw of batch)
        if (raw.kind === 'record') names.push(JSON.parse(raw.bytes.toString()).eventName);
    expect(names).toEqual([
      'StartSession',
      'TerminateSession',
      'SendCommand',
      'GetPasswordData',
      'GetConsoleScreenshot',
      'DescribeInstanceAttribute',
      // of instanceType: the attribute is read from the parse
      'DescribeInstanceAttribute',
      'GetCallerIdentity',
      'DescribeInstances',
    ]);
  });

  it('on the real detonations of sessions, commands and stolen instance credentials, pretty-printed as published', async () => {
    for (const name of [
      'aws.execution.ssm-start-session.json',
      'aws.execution.ssm-send-command.json',
      'aws.credential-access.ec2-steal-instance-credentials.json',
      'aws.discovery.ec2-download-user-data.json',
    ]) {
      const text = Buffer.from(JSON.stringify({ Records: stratusRecords(name) }, null, 3));
      for (const size of [61, 65_536]) await expectSame(text, size);
    }
  });

  /** The session name of an ARN as raw JSON text: instance IDs spelt every way the parse reads alike, and near misses. */
  const session = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'i-0123456789abcdef0',
        'i-0A1b2C3d',
        'I-0a1b2c3d',
        'i-0123456789abcdef0 ',
        'i-0a1b2c3d  ',
        'i-0123456789abcdef0\\t',
        'i-0123456789abcdef0\\n',
        'i-0123456789abcdef0\\u00a0',
        'i-0123456789abcdef0\u00a0',
        'i-0123456789abcdef0\u2003',
        'i\\u002d0123456789abcdef0',
        '\\u0069-0a1b2c3d',
        'i-0a1b2c3\\u0064',
        'i-0a1b2c3\\u0044',
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'i-0123456789abcdef',
        'i-0123456789abcdef01',
        'i-1234abcd-admin',
        'i-xyz01234',
        'alice@example.com',
        'i-0123456789abcdef0\u00e9',
        'i-0a1b2c3d\\b',
        'x/i-0a1b2c3d',
      ),
    },
  );
  const arnText = fc
    .record({
      prefix: fc.constantFrom('arn:aws:sts::111122223333:', ' arn:aws-us-gov:sts::1:', 'arn:aws:iam::1:'),
      kind: fc.constantFrom('assumed-role/', 'assumed\\u002drole/', 'assumed-role\\/', 'role/'),
      role: fc.constantFrom('web-role', 'we\\"b', 'we\\\\b', 'a\\/b', ''),
      session,
      pad: fc.oneof(
        { weight: 5, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: fc.constant('x'.repeat(520)) },
      ),
    })
    .map((a) => `"${a.prefix}${a.kind}${a.pad}${a.role}/${a.session}"`);
  /** `userIdentity` as raw text: mostly an assumed-role object, sometimes not what it seems. */
  const identity = fc
    .record({
      type: fc.constantFrom('"AssumedRole"', '" AssumedRole "', '"IAMUser"', '7'),
      arn: fc.oneof(
        { weight: 6, arbitrary: arnText },
        { weight: 1, arbitrary: fc.constantFrom('7', 'null', '{"a":"assumed-role/r/i-0123456789abcdef0"}') },
      ),
      ws: fc.constantFrom('', ' ', '\n   '),
      shape: fc.oneof(
        { weight: 6, arbitrary: fc.constant('object') },
        { weight: 1, arbitrary: fc.constantFrom('string', 'twice', 'nested') },
      ),
    })
    .map((u) => {
      const obj = `{${u.ws}"type":${u.ws}${u.type},${u.ws}"arn":${u.ws}${u.arn}${u.ws}}`;
      if (u.shape === 'string') return u.arn;
      // JSON.parse keeps the last of a repeated key
      if (u.shape === 'twice') return `${obj},"userIdentity":{"type":"IAMUser"}`;
      if (u.shape === 'nested') return `{"sessionContext":${obj}}`;
      return obj;
    });
  const call = fc.constantFrom<[string, string, string]>(
    ['"sts.amazonaws.com"', '"GetCallerIdentity"', 'true'],
    ['"s3.amazonaws.com"', '"ListBuckets"', 'true'],
    ['"ec2.amazonaws.com"', '"DescribeInstances"', 'true'],
    ['"ec2.amazonaws.com"', '"DescribeTags"', 'true'],
    ['"ec2.amazonaws.com"', '"DescribeInstanceAttribute"', '"true"'],
    ['"ec2.amazonaws.com"', '"GetConsoleOutput "', 'true'],
    ['"ebs.amazonaws.com"', '"GetPasswordData"', 'true'],
    ['"ssm.amazonaws.com"', '"UpdateInstanceInformation"', 'false'],
    ['"ssm.amazonaws.com"', '" SendCommand "', 'false'],
    ['"ssm.amazonaws.com"', '"Start\\u0053ession"', 'false'],
    ['"ssm.amazonaws.com"', '"GetParameter"', 'true'],
    ['" ssm.amazonaws.com"', '"TerminateSession"', 'false'],
    ['"ec2messages.amazonaws.com"', '"GetMessages"', 'true'],
    ['"logs.amazonaws.com"', '"CreateLogStream"', 'false'],
    ['"sts.amazonaws.com"', '7', 'true'],
    ['"sts.amazonaws.com"', 'null', 'true'],
  );
  const record = fc
    .record({
      identity,
      call,
      errorCode: fc.option(fc.constantFrom('"AccessDenied"', '""'), { nil: undefined }),
      attribute: fc.constantFrom('"userData"', '"instanceType"', '" userData "'),
      identityFirst: fc.boolean(),
      nameFirst: fc.boolean(),
    })
    .map((r) => {
      const [source, name, readOnly] = r.call;
      const parts = [
        '"eventVersion":"1.09"',
        '"eventTime":"2025-03-01T10:00:00Z"',
        ...(r.nameFirst
          ? [`"eventName":${name}`, `"eventSource":${source}`]
          : [`"eventSource":${source}`, `"eventName":${name}`]),
        `"readOnly":${readOnly}`,
        `"requestParameters":{"instanceId":"i-0fedcba9876543210","attribute":${r.attribute}}`,
        '"eventID":"00000000-0000-4000-8000-00000000ffff"',
      ];
      if (r.errorCode) parts.push(`"errorCode":${r.errorCode}`);
      const ui = `"userIdentity":${r.identity}`;
      return `{${(r.identityFirst ? [ui, ...parts] : [...parts, ui]).join(',')}}`;
    });

  it('on fuzzed records: sessions named like instances or nearly, escapes, white space, any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 97 }),
        async (records, size) => {
          // distinct event IDs: records are compared item by item
          const text = file(records.map((r, k) => r.replace('ffff', k.toString(16).padStart(4, '0'))));
          await expectSame(text, size);
          await expectSame(text, text.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
