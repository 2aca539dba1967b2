import { UsageError } from '../../../lambda/core/errors';
import { itemToFinding } from '../../../lambda/core/findings';
import { keys } from '../../../lambda/core/items';
import { isRuleId, RULE_IDS } from '../../../lambda/core/rules';
import type { CliCommand } from '../command';
import type { Io } from '../io';
import { addListOptions, type ListFlags, listNewestFirst } from '../listing';
import { FINDING_COLUMNS } from '../output';

/** `trailwatch findings`: the suspicious SSH key findings, of one rule or all. */
export const findingsCommand: CliCommand = {
  name: 'findings',
  description: 'suspicious SSH key findings, newest first',
  register(command, { io, run }) {
    addListOptions(command.option('--rule <id>', `only this rule (${RULE_IDS.join(', ')})`)).action(
      (flags: FindingsFlags) => run(() => runFindings(flags, io)),
    );
  },
};

interface FindingsFlags extends ListFlags {
  rule?: string;
}

async function runFindings(flags: FindingsFlags, io: Io): Promise<number> {
  if (flags.rule !== undefined && !isRuleId(flags.rule)) {
    throw new UsageError(`unknown rule '${flags.rule}'; rules: ${RULE_IDS.join(', ')}`, '--rule');
  }
  return listNewestFirst(flags, io, {
    pk: keys.findings(flags.rule),
    toRow: itemToFinding,
    noun: 'findings',
    columns: FINDING_COLUMNS,
    none: (where) => `No findings${flags.rule ? ` of ${flags.rule}` : ''} in ${where}.`,
  });
}
