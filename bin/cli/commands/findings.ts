import { UsageError } from '../../../lambda/core/errors';
import { type FindingLine, findingOnInstance } from '../../../lambda/core/findings';
import { keys } from '../../../lambda/core/items';
import { isNamedInstanceId } from '../../../lambda/core/resource-ids';
import { isRuleId, RULE_IDS, RULES, SEVERITIES, type Severity } from '../../../lambda/core/rules';
import type { CliCommand } from '../command';
import { readFindings } from '../findings-reader';
import { EXIT, type Io } from '../io';
import { addListOptions, type ListFlags } from '../listing';
import { inRange, timeRange, withStore } from '../options';
import { clean, FINDING_COLUMNS, printList } from '../output';

/**
 * `trailwatch findings`: the findings of every rule, newest first; of one rule (`--rule`), of the
 * rules of one severity (`--severity`: exactly that severity), about one instance (`--instance`: its
 * first instance, or any the event names). The filters combine.
 */
export const findingsCommand: CliCommand = {
  name: 'findings',
  description: 'findings of every rule, newest first',
  examples: [
    ['what fired in the last 24 hours', 'findings --since 24h'],
    ['the high-severity ones only', 'findings --severity high'],
    ['one rule, about one instance', 'findings --rule ssh-key-multi-instance --instance i-9d2abff1798c34950'],
    ['every column in full (fingerprints, event IDs, principal ARNs)', 'findings --limit 20 --wide'],
  ],
  register(command, { io, run }) {
    addListOptions(
      command
        .option('--rule <id>', `only this rule (${RULE_IDS.join(', ')})`)
        .option('--severity <level>', `only findings of this severity, exactly (${SEVERITIES.join(', ')})`)
        .option('--instance <id>', 'only findings about this instance (i-…)'),
    ).action((flags: FindingsFlags) => run(() => runFindings(flags, io)));
  },
};

interface FindingsFlags extends ListFlags {
  rule?: string;
  severity?: string;
  instance?: string;
}

interface FindingsFilter {
  readonly rule?: string;
  readonly severity?: Severity;
  readonly instance?: string;
}

/** The filters of the flags. @throws UsageError naming the option */
export function findingsFilter(flags: Pick<FindingsFlags, 'rule' | 'severity' | 'instance'>): FindingsFilter {
  if (flags.rule !== undefined && !isRuleId(flags.rule))
    throw new UsageError(`unknown rule '${flags.rule}'; rules: ${RULE_IDS.join(', ')}`, '--rule');
  const severity = flags.severity?.trim().toLowerCase();
  if (severity !== undefined && !(SEVERITIES as readonly string[]).includes(severity))
    throw new UsageError(
      `unknown severity '${flags.severity}'; severities: ${SEVERITIES.join(', ')}`,
      '--severity',
    );
  const instance = flags.instance?.trim().toLowerCase();
  if (instance !== undefined && !isNamedInstanceId(instance))
    throw new UsageError(
      `'${flags.instance}' is not an instance ID (i- followed by 8 or 17 hex digits)`,
      '--instance',
    );
  return {
    ...(flags.rule !== undefined ? { rule: flags.rule } : {}),
    ...(severity !== undefined ? { severity: severity as Severity } : {}),
    ...(instance !== undefined ? { instance } : {}),
  };
}

/**
 * The partitions that hold the wanted findings: the rule's; or those of the rules of the severity
 * (a finding's severity is its rule's); or `FINDINGS`, every rule's.
 */
export function findingPartitions(filter: FindingsFilter): string[] {
  if (filter.rule !== undefined) return [keys.findings(filter.rule)];
  if (filter.severity !== undefined)
    return RULES.filter((r) => r.severity === filter.severity).map((r) => keys.findings(r.id));
  return [keys.findings()];
}

function keepOf(filter: FindingsFilter): ((line: FindingLine) => boolean) | undefined {
  const { severity, instance } = filter;
  if (severity === undefined && instance === undefined) return undefined;
  return (line) =>
    (severity === undefined || line.severity === severity) &&
    (instance === undefined || findingOnInstance(line, instance));
}

function describeFilter(filter: FindingsFilter): string {
  const parts = [
    filter.rule !== undefined ? ` of ${filter.rule}` : '',
    filter.severity !== undefined ? ` of severity ${filter.severity}` : '',
    filter.instance !== undefined ? ` about ${clean(filter.instance)}` : '',
  ];
  return parts.join('');
}

async function runFindings(flags: FindingsFlags, io: Io): Promise<number> {
  const filter = findingsFilter(flags);
  const range = timeRange(flags, io.now());
  const keep = keepOf(filter);
  return withStore(flags, io, async (opened) => {
    const { lines, more } = await readFindings((pk, o) => opened.store.queryPage(pk, o), {
      partitions: findingPartitions(filter),
      ...range,
      nowMs: io.now(),
      ...(keep ? { keep } : {}),
    });
    printList(io, lines, more, {
      json: flags.json === true,
      wide: flags.wide === true,
      noun: 'findings',
      columns: FINDING_COLUMNS,
      none: `No findings${describeFilter(filter)} in the ${opened.description}${inRange(range)}.`,
    });
    return EXIT.ok;
  });
}
