import { UsageError } from '../../../lambda/core/errors';
import { isNamedInstanceId, isResourceId } from '../../../lambda/core/resource-ids';
import type { CliCommand } from '../command';
import { EXIT, type Io } from '../io';
import { addListOptions, type ListFlags } from '../listing';
import { inRange, timeRange, withStore } from '../options';
import { ACCESS_COLUMNS, clean, printList } from '../output';

/** `trailwatch access <instanceId>`: every way a principal reached an instance (docs/access.md). */
export const accessCommand: CliCommand = {
  name: 'access',
  description:
    'every way a principal reached an instance: SSH keys, serial console, tunnels, SSM, key pair, user data, passwords, its credentials',
  examples: [
    ['who came in to an instance, and by which door', 'access i-786a3a8b5c0d92ef4'],
    ['the last 30 days, as NDJSON', 'access i-786a3a8b5c0d92ef4 --since 30d --json'],
    ['every column in full, principals as their ARN', 'access i-786a3a8b5c0d92ef4 --wide'],
  ],
  register(command, { io, run }) {
    addListOptions(
      command.argument('<instanceId>', 'the instance (i- followed by 8 or 17 hex digits)'),
    ).action((instanceId: string, flags: ListFlags) => run(() => runAccess(instanceId, flags, io)));
  },
};

/** @throws UsageError unless `typed` is an instance ID */
function instanceArgument(typed: string): string {
  const id = typed.trim();
  if (isNamedInstanceId(id)) return id.toLowerCase();
  const hint = isResourceId(id)
    ? ' (access paths are of instances; for other resources use: query resource)'
    : '';
  throw new UsageError(
    `'${clean(typed)}' is not an instance ID (i- followed by 8 or 17 hex digits)${hint}`,
    'INSTANCE_ID',
  );
}

async function runAccess(typed: string, flags: ListFlags, io: Io): Promise<number> {
  const instanceId = instanceArgument(typed);
  const range = timeRange(flags, io.now());
  const { readAccessPaths } = await import('../../../lambda/core/access/read');
  return withStore(flags, io, async (opened) => {
    const report = await readAccessPaths(opened.store, instanceId, {
      ...(range.sinceMs !== undefined ? { sinceMs: range.sinceMs } : {}),
      ...(range.untilMs !== undefined ? { untilMs: range.untilMs } : {}),
      nowMs: io.now(),
    });
    for (const note of report.notes) io.err(`trailwatch: access ${instanceId}: ${clean(note)}`);
    const rows = report.paths.slice(0, range.limit);
    printList(io, rows, report.paths.length > range.limit, {
      json: flags.json === true,
      wide: flags.wide === true,
      noun: 'access paths',
      columns: ACCESS_COLUMNS,
      none: `No access to instance ${instanceId} in the ${opened.description}${inRange(range)}.`,
    });
    return EXIT.ok;
  });
}
