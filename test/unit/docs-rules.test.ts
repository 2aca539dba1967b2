import { readFileSync } from 'node:fs';
import { DEFAULT_DETECTION, defineRule, PASS, RULES } from '../../lambda/core/rules';
import { DocsFormatError, replaceGenerated } from '../../scripts/docs-markdown';
import { RULE_TABLE_SECTION, RULES_DOC, ruleTable, withRuleTable } from '../../scripts/docs-rules';

const throwaway = defineRule({
  id: 'ssh-throwaway',
  title: 'a rule built in this test',
  firesWhen: 'a push names more than `multiPrincipalThreshold` | pipe',
  settings: ['multiPrincipalThreshold', 'privilegedOsUsers', 'allowedSshCidrs'],
  falsePositives: 'every push',
  severity: 'low',
  attack: 'T1098.004',
  family: 'ssh-key',
  appliesTo: () => true,
  stateful: false,
  evaluate: () => PASS,
});

describe('the rule table of docs/rules.md', () => {
  it('is the table the rule files give (npm run docs:rules writes it)', () => {
    const text = readFileSync(RULES_DOC, 'utf8');
    expect(withRuleTable(text)).toBe(text);
  });

  it('has a row per rule of RULES, in order, with its settings and their defaults', () => {
    const rows = ruleTable().split('\n').slice(2, -1);
    expect(rows.map((r) => /^\| `([^`]+)`/.exec(r)?.[1])).toEqual(RULES.map((r) => r.id));
    expect(rows.find((r) => r.startsWith('| `ssh-key-multi-instance`'))).toContain(
      '`multiInstanceWindowMinutes` (default 60), `multiInstanceThreshold` (default 2)',
    );
  });

  it('gets the row of a new rule from its entry alone', () => {
    const table = ruleTable([...RULES, throwaway], { ...DEFAULT_DETECTION, multiPrincipalThreshold: 7 });
    expect(table.split('\n').at(-2)).toBe(
      '| `ssh-throwaway` | a push names more than `multiPrincipalThreshold` \\| pipe | ' +
        '`multiPrincipalThreshold` (default 7), `privilegedOsUsers` (default `root`), `allowedSshCidrs` (default none) | every push |',
    );
    const text = readFileSync(RULES_DOC, 'utf8');
    expect(withRuleTable(text, RULES_DOC, table)).not.toBe(text);
  });
});

describe('generated sections', () => {
  const doc = (body: string) => `# Title\n\n<!-- generated: t -->\n${body}<!-- /generated -->\n\nAfter.\n`;

  it('replaces the body between the markers and nothing else', () => {
    expect(replaceGenerated(doc('old\n'), 'x.md', 't', 'new\nlines\n')).toBe(doc('new\nlines\n'));
  });

  it('names the file and the section when the markers are missing, repeated or not closed', () => {
    expect(() => replaceGenerated('# Title\n', 'x.md', 't', '')).toThrow(DocsFormatError);
    expect(() => replaceGenerated('# Title\n', 'x.md', 't', '')).toThrow(
      /^x\.md:0: no section <!-- generated: t -->/,
    );
    expect(() => replaceGenerated(doc('a\n') + doc('b\n'), 'x.md', 't', '')).toThrow(/x\.md:3: .*twice/);
    expect(() => replaceGenerated('\n<!-- generated: t -->\nold\n', 'x.md', 't', '')).toThrow(
      /x\.md:2: .*not closed/,
    );
  });

  it('finds the rule table section in docs/rules.md', () => {
    expect(readFileSync(RULES_DOC, 'utf8')).toContain(`<!-- generated: ${RULE_TABLE_SECTION} -->\n| rule |`);
  });
});
