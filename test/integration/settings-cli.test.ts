import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';

const STRATUS = join(FIXTURES, 'cloudtrail', 'stratus');
const DENIED = join(STRATUS, 'aws.credential-access.ec2-get-password-data.json');

describe('ingest takes the settings of the table as options and variables', () => {
  let dir: string;
  let stores = 0;
  /** `ingest … --json` into a fresh store, with only these TRAILWATCH_* variables. */
  const ingest = async (args: string[], variables: Record<string, string> = {}) => {
    const env = { ...process.env, TRAILWATCH_DB: undefined, ...variables };
    const r = await cli(['ingest', ...args, '--json', '--db', join(dir, `db${++stores}`)], { env });
    return { ...r, summary: r.code === 2 ? undefined : r.json()[0] };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-settings-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a rule threshold comes from its option, else its variable, else the default', async () => {
    const byDefault = await ingest([STRATUS]);
    expect(byDefault.summary?.findingsByRule).toMatchObject({ 'ssh-key-multi-instance': expect.any(Number) });
    const high = { TRAILWATCH_MULTI_INSTANCE_THRESHOLD: '1000' };
    const fromVariable = await ingest([STRATUS], high);
    expect(fromVariable.summary?.findingsByRule).not.toHaveProperty('ssh-key-multi-instance');
    const fromOption = await ingest([STRATUS, '--multi-instance-threshold', '1000']);
    expect(fromOption.summary?.findingsByRule).toEqual(fromVariable.summary?.findingsByRule);
    const optionWins = await ingest([STRATUS, '--multi-instance-threshold', '2'], high);
    expect(optionWins.summary?.findingsByRule).toEqual(byDefault.summary?.findingsByRule);
  });

  it('--file-item-budget (or TRAILWATCH_FILE_ITEM_BUDGET) bounds the index items of failed calls', async () => {
    const r = await ingest([DENIED, '--file-item-budget', '0']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/: 30 failed call\(s\) beyond the file's item budget: stored without index items/);
    expect((await ingest([DENIED], { TRAILWATCH_FILE_ITEM_BUDGET: '0' })).err).toBe(r.err);
    expect((await ingest([DENIED])).err).toBe('');
  });

  it('a bad value is a usage error naming the variable or the option', async () => {
    const variable = await ingest([STRATUS], { TRAILWATCH_MULTI_PRINCIPAL_THRESHOLD: 'two' });
    expect(variable.code).toBe(2);
    expect(variable.err).toMatch(
      /^trailwatch: TRAILWATCH_MULTI_PRINCIPAL_THRESHOLD: expected a whole number from 2 to 10000, got 'two'/,
    );
    const option = await ingest([STRATUS, '--multi-instance-window', '0']);
    expect(option.code).toBe(2);
    expect(option.err).toMatch(
      /^trailwatch: --multi-instance-window: expected a whole number from 1 to 10080/,
    );
  });
});
