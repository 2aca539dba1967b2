import type { CliCommand } from '../command';
import { accessCommand } from './access';
import { backfillCommand } from './backfill';
import { eventCommand } from './event';
import { findingsCommand } from './findings';
import { ingestCommand } from './ingest';
import { queryCommand } from './query';
import { serveCommand } from './serve';
import { uiCommand } from './ui';

/** Every `trailwatch` command, in the order of the help. A new command: its file, and a line here. */
export const COMMANDS: readonly CliCommand[] = [
  ingestCommand,
  backfillCommand,
  queryCommand,
  accessCommand,
  findingsCommand,
  eventCommand,
  serveCommand,
  uiCommand,
];
