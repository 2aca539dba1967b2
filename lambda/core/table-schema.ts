/**
 * The key schema of the trailwatch table, defined once: the CDK table, the local store and the
 * item builder all use these names. One table holds every item (single-table design, README).
 */
export const TABLE_SCHEMA = {
  /** Partition key (string): what is looked up, e.g. `INSTANCE#i-0abc…`. */
  partitionKey: 'pk',
  /** Sort key (string): `<ISO time>#<eventID>` for index items, so a partition reads in time order. */
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB deletes the item (absent: kept forever). */
  timeToLiveAttribute: 'expiresAt',
  /** Who wrote an item that must be written once only (the store's conditional put). */
  writeIdAttribute: 'writeId',
} as const;

/** Name of the table the local store creates. */
export const LOCAL_TABLE_NAME = 'trailwatch';
