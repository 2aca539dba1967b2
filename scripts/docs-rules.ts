/**
 * `npm run docs:rules`: writes the table of the rules in docs/rules.md from the rule files
 * (`lambda/core/rules/`, in `RULES` order): each rule's ID, `firesWhen`, `settings` (with their
 * defaults) and `falsePositives`. `npm run docs:rules -- --check` changes nothing and exits 1 when
 * the table differs; `test/unit/docs-rules.test.ts` checks the same.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_DETECTION, type DetectionSettings, RULES, type Rule } from '../lambda/core/rules';
import { markdownTable, replaceGenerated } from './docs-markdown';

export const RULES_DOC = resolve(__dirname, '..', 'docs', 'rules.md');
/** The name of the generated section in docs/rules.md. */
export const RULE_TABLE_SECTION = 'rules table (npm run docs:rules)';

function describeDefault(value: DetectionSettings[keyof DetectionSettings]): string {
  if (typeof value === 'number') return String(value);
  return value.length === 0 ? 'none' : value.map((v) => `\`${v}\``).join(', ');
}

function settingsCell(rule: Rule, defaults: DetectionSettings): string {
  const settings = rule.settings ?? [];
  if (settings.length === 0) return '–';
  return settings.map((s) => `\`${s}\` (default ${describeDefault(defaults[s])})`).join(', ');
}

/** The Markdown table of the rules. */
export function ruleTable(
  rules: readonly Rule[] = RULES,
  defaults: DetectionSettings = DEFAULT_DETECTION,
): string {
  return markdownTable(
    ['rule', 'fires when', 'setting', 'false positives'],
    rules.map((r) => [`\`${r.id}\``, r.firesWhen, settingsCell(r, defaults), r.falsePositives]),
  );
}

/** docs/rules.md with its rule table as the rules say. @throws DocsFormatError without the section */
export function withRuleTable(text: string, file = RULES_DOC, table = ruleTable()): string {
  return replaceGenerated(text, file, RULE_TABLE_SECTION, table);
}

function main(argv: readonly string[]): number {
  const current = readFileSync(RULES_DOC, 'utf8');
  const wanted = withRuleTable(current);
  if (wanted === current) return 0;
  if (argv.includes('--check')) {
    process.stderr.write(
      `${join('docs', 'rules.md')}: the rule table differs from the rules: npm run docs:rules\n`,
    );
    return 1;
  }
  writeFileSync(RULES_DOC, wanted);
  process.stdout.write(`${join('docs', 'rules.md')}: rule table written\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
