import { NotCloudTrailFileError } from '../../lambda/core/errors';
import { RecordScanner } from '../../lambda/core/reader/cloudtrail-file';
import { JsonSplitter } from '../../lambda/core/reader/json-splitter';
import { Span } from '../../lambda/core/reader/span';
import type { DocumentRules, ScanEvent, ScanOptions } from '../../lambda/core/reader/types';
import { ec2Call } from '../helpers/records';

function pieces(text: string | Buffer, size: number): Buffer[] {
  const data = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

/** Rules of a made-up format whose records are in `items`; logs what the splitter asked. */
function itemsFormat(): DocumentRules & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    valueStart: (c) => asked.push(`value ${String.fromCharCode(c)}`),
    key: (name) => asked.push(`key ${name}`),
    holdsRecords: (key) => key === 'items',
    objectEnd: (whole) => {
      asked.push(`end ${whole ? 'whole' : 'too large'}`);
      return whole;
    },
  };
}

function split(rules: DocumentRules, text: string, size: number, maxHeldBytes = 1024): ScanEvent[] {
  const splitter = new JsonSplitter(rules, { maxRecordBytes: 1024, maxHeldBytes });
  const events: ScanEvent[] = [];
  for (const chunk of pieces(text, size)) splitter.write(chunk, 0, (e) => events.push(e));
  splitter.end();
  return events;
}

const texts = (events: ScanEvent[]) => events.map((e) => (e.kind === 'record' ? e.bytes.toString() : e.kind));

describe('reader: the JSON record splitter and the file rules', () => {
  it.each([1, 3, 1000])('splits the array the file rules name, whatever the chunks (%i bytes)', (size) => {
    const rules = itemsFormat();
    const events = split(rules, '{"Records":[{"a":1}],"items":[{"b":2}, {"c":[3]}]}', size);
    expect(texts(events)).toEqual(['{"b":2}', '{"c":[3]}']);
    expect(rules.asked).toEqual(['value {', 'key Records', 'key items']);
  });

  it('hands a top-level object without records to the rules, held only up to its bound', () => {
    const small = itemsFormat();
    expect(texts(split(small, '{"a":"b"} {"c":"d"}', 2))).toEqual(['{"a":"b"}', '{"c":"d"}']);
    expect(small.asked).toEqual(['value {', 'key a', 'end whole', 'value {', 'key c', 'end whole']);
    const large = itemsFormat();
    expect(split(large, `{"a":"${'x'.repeat(100)}"}`, 10, 50)).toEqual([]);
    expect(large.asked).toEqual(['value {', 'key a', 'end too large']);
  });
});

describe('reader: a CloudTrail file scanned with options', () => {
  function scan(text: Buffer, size: number, options: ScanOptions) {
    const scanner = new RecordScanner(options);
    const events: ScanEvent[] = [];
    for (const chunk of pieces(text, size)) scanner.write(chunk, (e) => events.push(e));
    scanner.end();
    return { events, summary: scanner.summary };
  }

  it('counts the records `keep` turns down and yields the others with their fields', () => {
    const records = [
      ec2Call('StopInstances'),
      ec2Call('PutObject', { eventSource: 's3.amazonaws.com' }),
      ec2Call('DescribeInstances', { readOnly: true }),
    ];
    const body = Buffer.from(JSON.stringify({ Records: records }));
    const { events, summary } = scan(body, 4096, {
      keep: (f) => f.eventSource === 'ec2.amazonaws.com' && f.readOnly !== 'true',
    });
    expect(summary.passed).toBe(2);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'record',
      index: 0,
      fields: { eventSource: 'ec2.amazonaws.com' },
    });
  });

  it('refuses a top-level object without Records that is larger than the standalone bound', () => {
    const body = Buffer.from(JSON.stringify(ec2Call('StopInstances', { userAgent: 'x'.repeat(500) })));
    expect(() => scan(body, 64, { maxStandaloneBytes: 200 })).toThrow(NotCloudTrailFileError);
    expect(() => scan(body, 64, { maxStandaloneBytes: 200 })).toThrow(
      /no "Records" array in a top-level object larger than 200 bytes/,
    );
  });
});

describe('reader: the text of a value across chunks', () => {
  it('is a view of the chunk when the value lies in one', () => {
    const chunk = Buffer.from('xx{"a":1}yy');
    const span = new Span(100);
    span.open(2);
    const text = span.text(chunk, 9);
    expect(text.toString()).toBe('{"a":1}');
    expect(text.buffer).toBe(chunk.buffer);
  });

  it('joins the parts of a value that spans chunks, and drops them past its limit', () => {
    const span = new Span(8);
    span.open(1);
    span.carry(Buffer.from('x{"a":'));
    expect(span.text(Buffer.from('1}z'), 2).toString()).toBe('{"a":1}');
    expect(span.whole).toBe(true);
    span.carry(Buffer.from('1}, "b": 2'));
    expect(span.overflowed).toBe(true);
    expect(span.whole).toBe(false);
    span.close();
    expect(span.start).toBe(-1);
  });
});
