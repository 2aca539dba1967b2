import { RULE_IDS, SEVERITIES } from '../../../lambda/core/rules';
import type { CliCommand } from '../command';
import {
  type FindingsFilter,
  findingsFilter,
  type ReviewedFindingLine,
  readFindingLines,
} from '../findings-query';
import { EXIT, type Io } from '../io';
import { addListOptions, type ListFlags } from '../listing';
import { inRange, timeRange, withStore } from '../options';
import {
  type Column,
  clean,
  FINDING_COLUMNS,
  printList,
  renderTable,
  type TableOptions,
  tableWidth,
} from '../output';

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
  return withStore(flags, io, async (opened) => {
    const { lines, more } = await readFindingLines(opened.store, filter, range, io.now());
    const how = {
      json: flags.json === true,
      wide: flags.wide === true,
      noun: 'findings',
      columns: FINDING_COLUMNS,
      none: `No findings${describeFilter(filter)} in the ${opened.description}${inRange(range)}.`,
    };
    const reviewed = lines.filter((l) => l.review !== null);
    if (how.json || reviewed.length === 0) printList(io, lines, more, how);
    else printReviewedApart(io, lines, reviewed.length, more, { width: tableWidth(io), wide: how.wide });
    return EXIT.ok;
  });
}

/** Who reviewed a finding, when, and the note. */
const REVIEW_COLUMN: Column<ReviewedFindingLine> = {
  header: 'REVIEW',
  priority: 1,
  min: 20,
  value: (f) =>
    f.review ? `${f.review.by} ${f.review.at}${f.review.note ? `: ${f.review.note}` : ''}` : '-',
};

/** The findings not reviewed yet first, then a "Reviewed (N)" section with who, when and the note. */
function printReviewedApart(
  io: Io,
  lines: readonly ReviewedFindingLine[],
  reviewed: number,
  more: boolean,
  table: TableOptions,
): void {
  const open = lines.filter((l) => l.review === null);
  io.out(open.length > 0 ? renderTable(open, FINDING_COLUMNS, table) : 'No finding waits for review.');
  io.out(`\nReviewed (${reviewed})`);
  io.out(
    renderTable(
      lines.filter((l) => l.review !== null),
      [...FINDING_COLUMNS, REVIEW_COLUMN],
      table,
    ),
  );
  io.out(
    more
      ? `\nShowing the newest ${lines.length} findings (${reviewed} reviewed); narrow with --since/--until or raise --limit for more.`
      : `\n${lines.length} finding(s), ${reviewed} reviewed, newest first.`,
  );
}
