import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from './corpus';

/** Real records of test/fixtures/cloudtrail (see test/fixtures/SOURCES.md), parsed. */
export type FixtureRecord = Record<string, unknown> & { eventName: string; eventID: string };

/** The records of a Stratus Red Team detonation (a JSON array). */
export function stratusRecords(file: string): FixtureRecord[] {
  return JSON.parse(readFileSync(join(FIXTURES, 'cloudtrail', 'stratus', file), 'utf8')) as FixtureRecord[];
}

/** The records of an Invictus delivery file (`{"Records":[…]}`). */
export function invictusRecords(file: string): FixtureRecord[] {
  const text = readFileSync(join(FIXTURES, 'cloudtrail', 'invictus', file), 'utf8');
  return (JSON.parse(text) as { Records: FixtureRecord[] }).Records;
}

/** The Panther test events (one JSON record a line). */
export function pantherRecords(): FixtureRecord[] {
  return readFileSync(join(FIXTURES, 'cloudtrail', 'panther', 'ec2-records-one-per-line.json'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as FixtureRecord);
}

/** The one record with `eventID` among `records`. */
export function byId(records: readonly FixtureRecord[], eventID: string): FixtureRecord {
  const found = records.find((r) => r.eventID === eventID);
  if (!found) throw new Error(`no record ${eventID}`);
  return found;
}

/** The records named `eventName`. */
export function named(records: readonly FixtureRecord[], eventName: string): FixtureRecord[] {
  return records.filter((r) => r.eventName === eventName);
}
