import { TopFieldReader, type TopFields } from '../../lambda/core/reader/top-fields';

/**
 * Reads the top-level fields of one record's text the way the splitter does: every top-level
 * string is offered to the reader, which returns where scanning goes on.
 */
function readFields(text: string): TopFields | undefined {
  const chunk = Buffer.from(text, 'utf8');
  const reader = new TopFieldReader();
  reader.begin();
  let depth = 0;
  let i = 0;
  while (i < chunk.length && reader.fields) {
    const c = chunk[i] as number;
    if (c === 0x7b || c === 0x5b) depth++;
    if (c === 0x7d || c === 0x5d) depth--;
    if (c !== 0x22) {
      i++;
      continue;
    }
    let q = chunk.indexOf(0x22, i + 1);
    while (chunk[q - 1] === 0x5c) q = chunk.indexOf(0x22, q + 1);
    i = depth === 1 ? reader.readAt(chunk, i, q) : q + 1;
  }
  return reader.take();
}

describe('reader: top-field preselection', () => {
  it('reads the selection fields of a record from its raw text', () => {
    const fields = readFields(
      '{"eventVersion":"1.08","eventSource":"ec2.amazonaws.com","eventName":"StopInstances",' +
        '"readOnly":false,"eventType":"AwsApiCall","errorCode":"Client.UnauthorizedOperation"}',
    );
    expect(fields).toEqual({
      eventSource: 'ec2.amazonaws.com',
      eventSourceIsString: true,
      eventName: 'StopInstances',
      readOnly: 'false',
      eventType: 'AwsApiCall',
      errorCode: 'Client.UnauthorizedOperation',
      errorCodeIsString: true,
    });
  });

  it('gives a literal or the first byte of a container for a value that is not a string', () => {
    expect(readFields('{"readOnly" : true , "eventSource":{"a":1},"errorCode":[1],"eventType":12}')).toEqual({
      readOnly: 'true',
      eventSource: '{',
      errorCode: '[',
      eventType: '12',
    });
  });

  it('ignores keys of nested objects and strings that are values', () => {
    expect(
      readFields('{"userIdentity":{"eventSource":"x"},"awsRegion":"eventType","readOnly":true}'),
    ).toEqual({ readOnly: 'true' });
  });

  it('decodes a value that is not ASCII as UTF-8', () => {
    expect(readFields('{"eventType":"Événement"}')).toEqual({ eventType: 'Événement' });
  });

  it.each([
    ['an escaped value', '{"eventSource":"ec2.amazonaws\\u002ecom"}'],
    ['a key given twice (JSON.parse keeps the last)', '{"readOnly":true,"readOnly":false}'],
    ['a value longer than any real one', `{"eventSource":"${'x'.repeat(300)}"}`],
    ['a value cut by the end of the chunk', '{"eventSource":"ec2.amaz'],
    ['a key whose value is cut by the end of the chunk', '{"readOnly":'],
  ])('leaves the record to the parse for %s', (_name, text) => {
    expect(readFields(text)).toBeUndefined();
  });

  it('starts afresh for each record', () => {
    const reader = new TopFieldReader();
    expect(reader.take()).toBeUndefined();
    reader.begin();
    const chunk = Buffer.from('{"readOnly":true}');
    reader.readAt(chunk, 1, 10);
    expect(reader.take()).toEqual({ readOnly: 'true' });
    reader.begin();
    expect(reader.take()).toEqual({});
  });
});
