import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { Node } from 'constructs';
import { addSettingsOptions, settingsFromFlags } from '../../bin/cli/settings-options';
import { DEFAULT_DETECTION } from '../../lambda/core/rules/rule';
import { DEFAULT_SETTINGS, pipelineSettings, settingsFromEnv } from '../../lambda/core/settings';
import { SETTINGS_RULES } from '../../lambda/core/settings-rules';
import {
  PIPELINE_SETTING_NAMES,
  SETTING_ROWS,
  SETTINGS,
  STACK_SETTING_NAMES,
  settingDefaults,
  settingText,
} from '../../lambda/core/settings-table';
import { functionEnvironment, readSettings, SettingsError } from '../../lib/settings';
import { renderSettingsDocs, SETTINGS_TABLES, settingsTablesOf } from '../../scripts/settings-docs';
import { cli } from '../helpers/cli';
import { PIPELINE_SAMPLES, SAMPLE_NAMES, sampleTexts, sampleValues } from '../helpers/settings-samples';

const ROOT = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A construct node with this context, recording the keys read. */
function contextNode(context: Record<string, unknown>, keysRead = new Set<string>()): Node {
  return {
    tryGetContext: (key: string) => {
      keysRead.add(key);
      return context[key];
    },
  } as unknown as Node;
}

describe('the settings table', () => {
  it.each(SETTING_ROWS.map((r) => [r.name, r]))('%s: names follow where it applies', (name, row) => {
    // pipeline: variable, option and context key; stack: context key only; CLI: option only
    expect(row.env).toBe(row.applies === 'pipeline' ? `TRAILWATCH_${snake(name)}` : undefined);
    expect(row.context).toBe(row.applies === 'cli' ? undefined : `trailwatch:${name}`);
    if (row.applies === 'stack') expect(row.flag).toBeUndefined();
    else expect(kebab(name).startsWith(row.flag?.split(' ')[0]?.slice(2) ?? '?')).toBe(true);
    expect(row.doc).toMatch(/^[^\n|]{10,}$/);
  });

  it('is pure data and parsers: lambda/core/settings*.ts import neither the AWS SDK nor the CDK', () => {
    const files = readdirSync(join(ROOT, 'lambda/core')).filter((f) => /^settings.*\.ts$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files)
      expect([f, read(`lambda/core/${f}`).match(/from '(@aws-sdk\/|aws-cdk-lib|constructs)/)]).toEqual([
        f,
        null,
      ]);
  });

  it('names every variable, option and context key once', () => {
    for (const field of ['name', 'env', 'flag', 'context'] as const) {
      const values = SETTING_ROWS.map((r) => r[field]).filter((v) => v !== undefined);
      expect(new Set(values).size).toBe(values.length);
    }
  });

  it('reads each default back from its text (as the stack writes it into the environment)', () => {
    for (const row of SETTING_ROWS) {
      const text = settingText(row.default);
      if (text !== '') expect([row.name, row.parse(text, row.name)]).toEqual([row.name, row.default]);
    }
  });

  it('gives the rules their defaults: DEFAULT_SETTINGS.detection is DEFAULT_DETECTION', () => {
    expect(DEFAULT_SETTINGS.detection).toEqual(DEFAULT_DETECTION);
    expect(settingsFromEnv({})).toEqual(DEFAULT_SETTINGS);
  });

  it('names only settings of the table in the rules across settings', () => {
    for (const rule of SETTINGS_RULES)
      for (const name of rule.settings) expect(STACK_SETTING_NAMES).toContain(name);
    // each holds for the defaults
    const defaults = settingDefaults(STACK_SETTING_NAMES);
    expect(SETTINGS_RULES.map((r) => r.problem(defaults))).toEqual(SETTINGS_RULES.map(() => undefined));
  });

  it('knows every trailwatch: key of cdk.json', () => {
    const keys = Object.keys(JSON.parse(read('cdk.json')).context).filter((k) => k.startsWith('trailwatch:'));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(SETTING_ROWS.map((r) => r.context)).toContain(key);
  });
});

describe("the stack's context keys come from the table", () => {
  it('readSettings reads the context key of every pipeline and stack setting, and no other', () => {
    const keysRead = new Set<string>();
    const settings = readSettings(contextNode({}, keysRead));
    const expected = SETTING_ROWS.flatMap((r) => (r.context === undefined ? [] : [r.context]));
    expect([...keysRead].sort()).toEqual([...expected].sort());
    expect(settings).toEqual(settingDefaults(STACK_SETTING_NAMES));
  });

  it('reads every pipeline setting through its parser (-c trailwatch:<name>=…)', () => {
    const context = Object.fromEntries(SAMPLE_NAMES.map((n) => [`trailwatch:${n}`, PIPELINE_SAMPLES[n][0]]));
    expect(readSettings(contextNode(context))).toMatchObject(sampleValues());
    expect(() => readSettings(contextNode({ 'trailwatch:multiPrincipalThreshold': 'many' }))).toThrow(
      new SettingsError(
        'trailwatch:multiPrincipalThreshold',
        "expected a whole number from 2 to 10000, got 'many'",
      ),
    );
  });

  it('gives the function every pipeline setting as its variable, read back as the same settings', () => {
    const defaults = functionEnvironment(settingDefaults(STACK_SETTING_NAMES));
    expect(Object.keys(defaults).sort()).toEqual(PIPELINE_SETTING_NAMES.map((n) => SETTINGS[n].env).sort());
    expect(settingsFromEnv(defaults)).toEqual(DEFAULT_SETTINGS);
    const given = functionEnvironment({ ...settingDefaults(STACK_SETTING_NAMES), ...sampleValues() });
    expect(settingsFromEnv(given)).toEqual(pipelineSettings(sampleValues()));
  });
});

describe('the settings options of the CLI come from the table', () => {
  it.each(['ingest', 'backfill'])(
    '%s takes an option for every pipeline and CLI setting',
    async (command) => {
      const help = (await cli([command, '--help'])).out;
      const flags = SETTING_ROWS.flatMap((r) => (r.flag === undefined ? [] : [r.flag]));
      expect(flags).toHaveLength(SETTING_ROWS.filter((r) => r.applies !== 'stack').length);
      // each its own term: a description beside it, or under it
      const terms = help.split('\n').map((line) => line.trim().split('  ')[0]);
      for (const flag of flags) expect(terms).toContain(flag);
    },
  );

  const parse = (args: readonly string[]): object =>
    addSettingsOptions(new Command().exitOverride()).parse(args, { from: 'user' }).opts();
  const flagArgs = (texts: Record<string, string>): string[] =>
    SAMPLE_NAMES.flatMap((n) => {
      const flag = SETTINGS[n].flag?.split(' ') ?? [];
      return flag.length === 1 ? [flag[0] as string] : [flag[0] as string, texts[n] as string];
    });
  const envOf = (texts: Record<string, string>): NodeJS.ProcessEnv =>
    Object.fromEntries(SAMPLE_NAMES.map((n) => [SETTINGS[n].env, texts[n]]));

  it('reads each option, else its variable, else the default', () => {
    const samples = pipelineSettings(sampleValues());
    expect(settingsFromFlags(parse([]), {})).toEqual(DEFAULT_SETTINGS);
    expect(settingsFromFlags(parse(flagArgs(sampleTexts())), {})).toEqual(samples);
    expect(settingsFromFlags(parse([]), envOf(sampleTexts()))).toEqual(samples);
    const env = { TRAILWATCH_MULTI_INSTANCE_THRESHOLD: '7', TRAILWATCH_RETENTION_DAYS: '9' };
    expect(settingsFromFlags(parse(['--multi-instance-threshold', '3']), env)).toMatchObject({
      retentionDays: 9,
      detection: { multiInstanceThreshold: 3 },
    });
  });

  it('names the option or the variable of a bad value', () => {
    expect(() => settingsFromFlags(parse(['--file-item-budget', 'lots']), {})).toThrow(
      expect.objectContaining({ name: 'UsageError', source: '--file-item-budget' }),
    );
    expect(() => settingsFromFlags(parse([]), { TRAILWATCH_MULTI_INSTANCE_WINDOW_MINUTES: '0' })).toThrow(
      expect.objectContaining({
        name: 'UsageError',
        source: 'TRAILWATCH_MULTI_INSTANCE_WINDOW_MINUTES',
        message: "expected a whole number from 1 to 10080, got '0'",
      }),
    );
  });
});

describe('the settings tables of the docs come from the table', () => {
  const docs = { stack: 'docs/deploying.md', rules: 'docs/rules.md', options: 'docs/cli.md' };

  it.each(Object.entries(docs))('%s: %s holds it as npm run docs:settings writes it', (kind, path) => {
    const text = read(path);
    expect(settingsTablesOf(text)).toEqual([kind]);
    expect(renderSettingsDocs(text, path)).toBe(text);
  });

  it('has a row for every setting where it applies', () => {
    const rowOf = (path: string, first: string): boolean => read(path).includes(`\n| \`${first}\` |`);
    for (const row of SETTING_ROWS) {
      if (row.context !== undefined)
        expect([row.context, rowOf(docs.stack, row.context)]).toEqual([row.context, true]);
      if (row.flag !== undefined) expect([row.flag, rowOf(docs.options, row.flag)]).toEqual([row.flag, true]);
      if (row.rule) expect([row.name, rowOf(docs.rules, row.name)]).toEqual([row.name, true]);
    }
  });

  it('fails on a table that disagrees, and names an unknown table with its file and line', () => {
    const text = read(docs.rules);
    const drifted = text.replace('| `60` |', '| `90` |');
    expect(drifted).not.toBe(text);
    expect(renderSettingsDocs(drifted, docs.rules)).toBe(text);
    expect(() => renderSettingsDocs('a\n<!-- settings: colours -->\n<!-- /settings -->\n', 'x.md')).toThrow(
      `x.md:2: unknown settings table 'colours' (${Object.keys(SETTINGS_TABLES).join(', ')})`,
    );
  });
});
