/**
 * The settings tables of the docs, rendered from the settings table (lambda/core/settings-table.ts).
 * A generated table stands between two markers,
 *
 *     <!-- settings: stack -->
 *     | setting | default | … |
 *     <!-- /settings -->
 *
 * where `stack` (every CDK context key, docs/deploying.md), `rules` (the rule settings, docs/rules.md)
 * or `options` (the settings options of `ingest` and `backfill`, docs/cli.md) says which table.
 * `npm run docs:settings` rewrites them; `--check` only says which differ (exit code 1).
 * test/unit/settings.test.ts fails when one differs.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SETTING_ROWS, type SettingRow, settingText } from '../lambda/core/settings-table';
import { DocsFormatError, markdownTable } from './docs-markdown';

const code = (text: string): string => `\`${text}\``;

/** A setting's doc line and what it takes. */
function what(row: SettingRow): string {
  return row.parse.takes === undefined ? row.doc : `${row.doc} (${row.parse.takes})`;
}

function defaultCell(row: SettingRow): string {
  const value = settingText(row.default);
  return value === '' ? 'none' : code(value);
}

/** The settings of each kind of table. */
export const SETTINGS_TABLES: Readonly<Record<string, () => string>> = {
  /** Every CDK context key; the pipeline's reach the function as its environment. */
  stack: () =>
    markdownTable(
      ['setting', 'default', 'what it does', "the function's variable"],
      SETTING_ROWS.filter((r) => r.context !== undefined).map((r) => [
        code(r.context ?? ''),
        defaultCell(r),
        what(r),
        r.env === undefined ? '– (the stack)' : code(r.env),
      ]),
    ),
  /** The rule settings: variable, option and context key. */
  rules: () =>
    markdownTable(
      ['setting', 'environment', 'option', 'CDK context', 'default', 'what it does'],
      SETTING_ROWS.filter((r) => r.rule).map((r) => [
        code(r.name),
        code(r.env ?? ''),
        code(r.flag ?? ''),
        code(r.context ?? ''),
        defaultCell(r),
        what(r),
      ]),
    ),
  /** The settings options of `ingest` and `backfill`. */
  options: () =>
    markdownTable(
      ['option', 'environment', 'default', 'what it does'],
      SETTING_ROWS.filter((r) => r.flag !== undefined).map((r) => [
        code(r.flag ?? ''),
        r.env === undefined ? '–' : code(r.env),
        defaultCell(r),
        what(r),
      ]),
    ),
};

const BLOCK = /^(<!-- settings: ([\w-]+) -->\n)([\s\S]*?)^(<!-- \/settings -->)$/gm;

/** `text` with its settings tables rendered afresh. @throws DocsFormatError on an unknown table */
export function renderSettingsDocs(text: string, file: string): string {
  return text.replace(BLOCK, (_match, open: string, kind: string, _body, close: string, offset: number) => {
    const render = SETTINGS_TABLES[kind];
    if (render === undefined)
      throw new DocsFormatError(
        file,
        text.slice(0, offset).split('\n').length,
        `unknown settings table '${kind}' (${Object.keys(SETTINGS_TABLES).join(', ')})`,
      );
    return `${open}${render()}${close}`;
  });
}

/** The kinds of the settings tables of `text`, in order. */
export function settingsTablesOf(text: string): string[] {
  return [...text.matchAll(BLOCK)].map((m) => m[2] ?? '');
}

const ROOT = join(__dirname, '..');

/** The Markdown files that may hold settings tables. */
export function docsFiles(): string[] {
  const docs = join(ROOT, 'docs');
  return readdirSync(docs)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(docs, f));
}

function main(args: readonly string[]): number {
  const check = args.includes('--check');
  const stale: string[] = [];
  for (const file of docsFiles()) {
    const text = readFileSync(file, 'utf8');
    const fresh = renderSettingsDocs(text, relative(ROOT, file));
    if (fresh === text) continue;
    stale.push(relative(ROOT, file));
    if (!check) writeFileSync(file, fresh);
  }
  const verb = check ? 'out of date' : 'rewritten';
  console.error(
    stale.length > 0 ? `docs:settings: ${verb}: ${stale.join(', ')}` : 'docs:settings: up to date',
  );
  return check && stale.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
