import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoItemSize } from '../../lambda/core/items';

/**
 * Counts what a DynamoDB document client sends and what it costs, as DynamoDB bills it: every
 * request asks for `ReturnConsumedCapacity: 'TOTAL'` and the units the server answers are summed
 * (dynalite computes them as DynamoDB does: a read unit per started 4 KB of the items a `Query`
 * reads, summed per request, half for an eventually consistent read; a write unit per started KB of
 * the larger of the item before and after a write). A conditional write whose condition fails
 * answers with an error and no units: it is counted at one write unit per started KB of the item it
 * sent (DynamoDB bills a failed condition as the write). Alongside, the read units of each `Query`
 * are worked out from the items it returned (`readUnitsOwn`), as a check of the server's count.
 *
 * It wraps the client's `send` (the requests still go to the server): no part of the API is faked.
 */
export interface CapacityCount {
  requests: Record<string, number>;
  /** `PutItem` requests by the `kind` of the item they write (`event`, `finding`, …). */
  putsByKind: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  readUnitsOwn: number;
  itemsRead: number;
  conditionFailures: number;
}

export function emptyCount(): CapacityCount {
  return {
    requests: {},
    putsByKind: {},
    readUnits: 0,
    writeUnits: 0,
    readUnitsOwn: 0,
    itemsRead: 0,
    conditionFailures: 0,
  };
}

const READS = new Set(['Query', 'GetItem', 'BatchGetItem', 'Scan']);
/** The document client's command names, as DynamoDB's operations. */
const OPERATIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Get: 'GetItem',
  BatchWrite: 'BatchWriteItem',
  BatchGet: 'BatchGetItem',
};

interface SentCommand {
  readonly constructor: { readonly name: string };
  readonly input: Record<string, unknown>;
}

/** Records every request of `client` into the returned count (`reset` starts a new one). */
export function recordCapacity(client: DynamoDBDocumentClient): { count: CapacityCount; reset(): void } {
  const recorder = { count: emptyCount(), reset: () => Object.assign(recorder.count, emptyCount()) };
  const send = client.send.bind(client) as (command: SentCommand) => Promise<Record<string, unknown>>;
  const wrapped = async (command: SentCommand): Promise<Record<string, unknown>> => {
    const short = command.constructor.name.replace(/Command$/, '');
    const name = OPERATIONS[short] ?? short;
    const count = recorder.count;
    count.requests[name] = (count.requests[name] ?? 0) + 1;
    if (name === 'PutItem') {
      const kind = String((command.input.Item as { kind?: unknown } | undefined)?.kind);
      count.putsByKind[kind] = (count.putsByKind[kind] ?? 0) + 1;
    }
    command.input.ReturnConsumedCapacity = 'TOTAL';
    try {
      const out = await send(command);
      const consumed = ([] as { CapacityUnits?: number }[]).concat(
        (out.ConsumedCapacity as { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined) ?? [],
      );
      const units = consumed.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
      if (READS.has(name)) {
        count.readUnits += units;
        const items = (out.Items ?? []) as Record<string, unknown>[];
        count.itemsRead += items.length;
        const bytes = items.reduce((n, i) => n + dynamoItemSize(i), 0);
        count.readUnitsOwn += Math.ceil(bytes / 4096) * (command.input.ConsistentRead ? 1 : 0.5);
      } else count.writeUnits += units;
      return out;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        count.conditionFailures++;
        const item = (command.input.Item ?? command.input.Key ?? {}) as Record<string, unknown>;
        count.writeUnits += Math.max(1, Math.ceil(dynamoItemSize(item) / 1024));
      }
      throw error;
    }
  };
  (client as unknown as { send: typeof wrapped }).send = wrapped;
  return recorder;
}

/** The number of requests of a count. */
export function requestTotal(count: CapacityCount): number {
  return Object.values(count.requests).reduce((n, v) => n + v, 0);
}
