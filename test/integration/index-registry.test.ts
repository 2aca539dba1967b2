/**
 * A new index is one entry of `INDEXES`: this test adds a throwaway index of events by account ID
 * (built here, not shipped) to the registry, ingests real records through the pipeline into
 * dynalite, and reads the new partitions through `trailwatch query account` — with no other change.
 */
import { join } from 'node:path';
import { lookupPartition } from '../../lambda/core/lookup';
import { cli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';
import { type LocalDynamo, startDynalite, storeAt } from '../helpers/dynalite';
import { dumpTable, type Item } from '../helpers/table-dump';

jest.mock('../../lambda/core/indexes', () => {
  const shipped = jest.requireActual<typeof import('../../lambda/core/indexes')>('../../lambda/core/indexes');
  const { UsageError } =
    jest.requireActual<typeof import('../../lambda/core/errors')>('../../lambda/core/errors');
  const accountIndex = shipped.defineIndex({
    kind: 'account',
    prefix: 'ACCOUNT#',
    valuesOf: (event) => (event.accountId ? [event.accountId] : shipped.NO_VALUES),
    lookup: {
      argument: '<account>',
      description: 'events in an AWS account (12 digits)',
      examples: [['events in one account', '844015365555']],
      valueOf(id, typed) {
        if (/^\d{12}$/.test(id)) return id;
        throw new UsageError(`'${typed}' is not an account ID (12 digits)`, 'account');
      },
    },
  });
  return { ...shipped, INDEXES: [...shipped.INDEXES, accountIndex] };
});

const STRATUS = join(FIXTURES, 'cloudtrail', 'stratus');
/** The account of most Stratus records, and the one of its serial console pushes. */
const BUSY = '457448411975';
const PUSHED = '844015365555';

describe('an index added to the registry by one entry (events by account)', () => {
  let dynamo: LocalDynamo;
  let tableName: string;
  let table: Map<string, Item>;
  const where = () => ['--table', tableName, '--endpoint', dynamo.endpoint];

  beforeAll(async () => {
    dynamo = await startDynalite();
    tableName = (await storeAt(dynamo.endpoint)).tableName;
    const ingest = await cli(['ingest', STRATUS, ...where(), '--json']);
    expect(ingest.err).toBe('');
    expect(ingest.code).toBe(0);
    table = await dumpTable(dynamo.endpoint, tableName);
  });
  afterAll(() => dynamo.close());

  const idOf = (item: Item): string => String(item.pk).slice('EVENT#'.length);
  const eventsOf = (account: string): Item[] =>
    [...table.values()].filter(
      (i) => String(i.pk).startsWith('EVENT#') && i.sk === 'EVENT' && i.accountId === account,
    );

  it('writes an index item of the new kind for every event of each account, carrying its findings', () => {
    const accounts = new Set([...table.values()].map((i) => i.accountId).filter((a) => a !== undefined));
    expect(accounts.size).toBeGreaterThanOrEqual(4);
    let marked = 0;
    for (const account of accounts) {
      const events = eventsOf(String(account));
      const indexItems = [...table.values()].filter((i) => i.pk === `ACCOUNT#${account}`);
      expect(indexItems.map((i) => String(i.sk).split('#')[1]).sort()).toEqual(events.map(idOf).sort());
      for (const item of indexItems) expect(item.kind).toBe('account');
      // recordFinding marks every index item of the event, the new ones too
      for (const e of events.filter((x) => x.findings !== undefined)) {
        expect(indexItems.find((i) => String(i.sk).endsWith(`#${idOf(e)}`))?.findings).toEqual(e.findings);
        marked++;
      }
    }
    expect(marked).toBeGreaterThanOrEqual(5);
  });

  it('answers `trailwatch query account`, newest first, with the findings', async () => {
    const r = await cli(['query', 'account', ` ${BUSY} `, ...where(), '--json', '--limit', '1000']);
    expect(r.code).toBe(0);
    const events = r.json<{ eventID: string; eventTime: string; accountId: string }>();
    expect(events.map((e) => e.eventID).sort()).toEqual(eventsOf(BUSY).map(idOf).sort());
    expect(events.length).toBeGreaterThanOrEqual(20);
    expect(events.every((e) => e.accountId === BUSY)).toBe(true);
    const times = events.map((e) => e.eventTime);
    expect(times).toEqual([...times].sort().reverse());

    const pushes = (await cli(['query', 'account', PUSHED, ...where(), '--json'])).json<{
      findings: string[];
    }>();
    expect(pushes.filter((e) => e.findings.includes('ssh-serial-console'))).toHaveLength(3);
  });

  it("checks the argument with the entry's own rule", async () => {
    expect(lookupPartition('account' as never, BUSY)).toBe(`ACCOUNT#${BUSY}`);
    const bad = await cli(['query', 'account', 'i-0123456789abcdef0', ...where()]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe("trailwatch: account: 'i-0123456789abcdef0' is not an account ID (12 digits)");
  });

  it('lists the new subcommand in the help of `trailwatch query`, after the shipped ones', async () => {
    const help = await cli(['query', '--help']);
    expect(help.out).toMatch(
      /key \[options\] <fingerprint>[\s\S]*\n\s+account \[options\] <account>\s+events in an AWS account \(12 digits\)/,
    );
  });
});
