import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../core/errors';
import { TABLE_SCHEMA } from '../core/table-schema';
import { describe, type StoreContext } from './requests';

/** Table management for local and test stores (the deployed table is the stack's). */

/** Creates the table with trailwatch's key schema when it does not exist; true when it did not. */
export async function createTableIfMissing(
  ctx: StoreContext,
  sleep: (ms: number) => Promise<void>,
): Promise<boolean> {
  const unavailable = (what: string, error: unknown): StoreUnavailableError =>
    new StoreUnavailableError(`${what}: ${describe(error)}`, `table ${ctx.tableName}`, { cause: error });
  try {
    await ctx.client.send(new DescribeTableCommand({ TableName: ctx.tableName }));
    return false;
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw unavailable('cannot reach the table', error);
  }
  try {
    await ctx.client.send(
      new CreateTableCommand({
        TableName: ctx.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
        ],
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw unavailable('cannot create the table', error);
  }
  for (let i = 0; i < 600; i++) {
    const out = await ctx.client.send(new DescribeTableCommand({ TableName: ctx.tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') break;
    await sleep(100);
  }
  try {
    await ctx.client.send(
      new UpdateTimeToLiveCommand({
        TableName: ctx.tableName,
        TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    // dynalite has no TTL API (UnknownOperationException); queries filter expired items anyway.
    if (errorName(error) !== 'UnknownOperationException') throw unavailable('cannot enable TTL', error);
  }
  return true;
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string })?.name;
}
