/**
 * `npm run docs:rules`: writes the tables of the rules in docs/rules.md from the rule files
 * (`lambda/core/rules/`, in `RULES` order), one table per family under its heading: each rule's ID,
 * `firesWhen`, severity, ATT&CK technique, `settings` (with their defaults), `falsePositives` and the
 * Stratus Red Team technique it is tested on. `npm run docs:rules -- --check` changes nothing and
 * exits 1 when the tables differ; `test/unit/docs-rules.test.ts` checks the same.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DEFAULT_DETECTION,
  type DetectionSettings,
  RULES,
  type Rule,
  type RuleFamily,
} from '../lambda/core/rules';
import { markdownTable, replaceGenerated } from './docs-markdown';

export const RULES_DOC = resolve(__dirname, '..', 'docs', 'rules.md');
/** The name of the generated section in docs/rules.md. */
export const RULE_TABLE_SECTION = 'rules table (npm run docs:rules)';

/** The heading of each family's table, in the order of the page (a new family needs its heading). */
export const FAMILY_HEADINGS: Readonly<Record<RuleFamily, string>> = {
  'ssh-key': 'SSH key rules',
  threat: 'EC2 and EBS threat rules',
};

export const RULE_TABLE_HEADER = [
  'rule',
  'fires when',
  'severity',
  'ATT&CK',
  'setting',
  'false positives',
  'tested on (Stratus Red Team)',
] as const;

function describeDefault(value: DetectionSettings[keyof DetectionSettings]): string {
  if (typeof value === 'number') return String(value);
  return value.length === 0 ? 'none' : value.map((v) => `\`${v}\``).join(', ');
}

function settingsCell(rule: Rule, defaults: DetectionSettings): string {
  const settings = rule.settings ?? [];
  if (settings.length === 0) return '–';
  return settings.map((s) => `\`${s}\` (default ${describeDefault(defaults[s])})`).join(', ');
}

/** The technique linked to its page on attack.mitre.org (`T1098.004` → techniques/T1098/004/). */
export function attackCell(technique: string): string {
  if (!/^T\d{4}(\.\d{3})?$/.test(technique)) return `\`${technique}\``;
  return `[${technique}](https://attack.mitre.org/techniques/${technique.replace('.', '/')}/)`;
}

/** The Stratus Red Team technique linked to its page, `–` when the rule is tested on none. */
export function stratusCell(technique: string | undefined): string {
  if (!technique) return '–';
  if (!/^[a-z0-9.-]+$/.test(technique)) return `\`${technique}\``;
  return `[\`${technique}\`](https://stratus-red-team.cloud/attack-techniques/AWS/${technique}/)`;
}

/** The Markdown table of some rules, in their order. */
export function ruleTable(
  rules: readonly Rule[] = RULES,
  defaults: DetectionSettings = DEFAULT_DETECTION,
): string {
  return markdownTable(
    RULE_TABLE_HEADER,
    rules.map((r) => [
      `\`${r.id}\``,
      r.firesWhen,
      r.severity,
      attackCell(r.attack),
      settingsCell(r, defaults),
      r.falsePositives,
      stratusCell(r.stratus),
    ]),
  );
}

/** A `###` heading and a table per family that has rules, families in `FAMILY_HEADINGS` order. */
export function ruleTables(
  rules: readonly Rule[] = RULES,
  defaults: DetectionSettings = DEFAULT_DETECTION,
): string {
  return (Object.entries(FAMILY_HEADINGS) as [RuleFamily, string][])
    .map(([family, heading]) => [heading, rules.filter((r) => r.family === family)] as const)
    .filter(([, list]) => list.length > 0)
    .map(([heading, list]) => `### ${heading}\n\n${ruleTable(list, defaults)}`)
    .join('\n');
}

/** docs/rules.md with its rule tables as the rules say. @throws DocsFormatError without the section */
export function withRuleTable(text: string, file = RULES_DOC, tables = ruleTables()): string {
  return replaceGenerated(text, file, RULE_TABLE_SECTION, tables);
}

function main(argv: readonly string[]): number {
  const current = readFileSync(RULES_DOC, 'utf8');
  const wanted = withRuleTable(current);
  if (wanted === current) return 0;
  if (argv.includes('--check')) {
    process.stderr.write(
      `${join('docs', 'rules.md')}: the rule tables differ from the rules: npm run docs:rules\n`,
    );
    return 1;
  }
  writeFileSync(RULES_DOC, wanted);
  process.stdout.write(`${join('docs', 'rules.md')}: rule tables written\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
