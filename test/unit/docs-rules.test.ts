import { readFileSync } from 'node:fs';
import { DEFAULT_DETECTION, defineRule, PASS, RULES } from '../../lambda/core/rules';
import { DocsFormatError, replaceGenerated } from '../../scripts/docs-markdown';
import {
  attackCell,
  FAMILY_HEADINGS,
  RULE_TABLE_HEADER,
  RULE_TABLE_SECTION,
  RULES_DOC,
  ruleTable,
  ruleTables,
  stratusCell,
  withRuleTable,
} from '../../scripts/docs-rules';

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

const threat = defineRule({
  id: 'ec2-throwaway',
  title: 'a threat rule built in this test',
  firesWhen: 'an image is shared',
  settings: ['adminPorts'],
  falsePositives: 'none',
  severity: 'high',
  attack: 'T1537',
  stratus: 'aws.exfiltration.ec2-share-ami',
  family: 'threat',
  appliesTo: () => true,
  stateful: false,
  evaluate: () => PASS,
});

/** The rule IDs of a table's rows, in order. */
const rowIds = (table: string): (string | undefined)[] =>
  table
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((r) => /^\| `([^`]+)`/.exec(r)?.[1]);

describe('the rule tables of docs/rules.md', () => {
  it('are the tables the rule files give (npm run docs:rules writes them)', () => {
    const text = readFileSync(RULES_DOC, 'utf8');
    expect(withRuleTable(text)).toBe(text);
  });

  it('have a row per rule of RULES, in order, with its severity, technique, settings and their defaults, and Stratus technique', () => {
    expect(rowIds(ruleTables())).toEqual(RULES.map((r) => r.id));
    const row = ruleTable()
      .split('\n')
      .find((r) => r.startsWith('| `ssh-key-multi-instance`'));
    expect(row).toBe(
      '| `ssh-key-multi-instance` | the same key reaches 2 or more distinct instances within 60 minutes (successful pushes only) | high | ' +
        '[T1021.004](https://attack.mitre.org/techniques/T1021/004/) | `multiInstanceWindowMinutes` (default 60), `multiInstanceThreshold` (default 2) | ' +
        'an operator or script working through a fleet with one key | ' +
        '[`aws.lateral-movement.ec2-instance-connect`](https://stratus-red-team.cloud/attack-techniques/AWS/aws.lateral-movement.ec2-instance-connect/) |',
    );
    expect(ruleTable().split('\n')[0]).toBe(`| ${RULE_TABLE_HEADER.join(' | ')} |`);
  });

  it('gets the row of a new rule from its entry alone', () => {
    const table = ruleTable([...RULES, throwaway], { ...DEFAULT_DETECTION, multiPrincipalThreshold: 7 });
    expect(table.split('\n').at(-2)).toBe(
      '| `ssh-throwaway` | a push names more than `multiPrincipalThreshold` \\| pipe | low | ' +
        '[T1098.004](https://attack.mitre.org/techniques/T1098/004/) | ' +
        '`multiPrincipalThreshold` (default 7), `privilegedOsUsers` (default `root`), `allowedSshCidrs` (default none) | every push | – |',
    );
    const text = readFileSync(RULES_DOC, 'utf8');
    expect(withRuleTable(text, RULES_DOC, ruleTables([...RULES, throwaway]))).not.toBe(text);
  });

  it('groups the rules by family, a heading and a table each, SSH key rules first; a family without rules has none', () => {
    const tables = ruleTables([threat, ...RULES, throwaway]);
    const headings = tables.split('\n').filter((l) => l.startsWith('### '));
    expect(headings).toEqual(['### SSH key rules', '### EC2 and EBS threat rules']);
    const [ssh, threats] = tables.split('### EC2 and EBS threat rules') as [string, string];
    expect(rowIds(ssh)).toEqual([
      ...RULES.filter((r) => r.family === 'ssh-key').map((r) => r.id),
      'ssh-throwaway',
    ]);
    expect(rowIds(threats)).toEqual([
      'ec2-throwaway',
      ...RULES.filter((r) => r.family === 'threat').map((r) => r.id),
    ]);
    expect(threats).toContain(
      '| high | [T1537](https://attack.mitre.org/techniques/T1537/) | `adminPorts` (default `22`, `3389`) | none | ' +
        '[`aws.exfiltration.ec2-share-ami`](https://stratus-red-team.cloud/attack-techniques/AWS/aws.exfiltration.ec2-share-ami/) |',
    );
    expect(ruleTables([throwaway])).not.toContain(FAMILY_HEADINGS.threat);
  });

  it('links techniques only when they have the expected shape', () => {
    expect(attackCell('T1021')).toBe('[T1021](https://attack.mitre.org/techniques/T1021/)');
    expect(attackCell('TA0001 (tactic)')).toBe('`TA0001 (tactic)`');
    expect(stratusCell(undefined)).toBe('–');
    expect(stratusCell('aws.x/../y')).toBe('`aws.x/../y`');
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
    expect(readFileSync(RULES_DOC, 'utf8')).toContain(
      `<!-- generated: ${RULE_TABLE_SECTION} -->\n### SSH key rules\n\n| rule |`,
    );
  });
});
