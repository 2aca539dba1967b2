/** The table's key schema and attribute definitions (pk HASH, sk RANGE, both strings), as CloudFormation and CreateTable spell them. */
export const TABLE_KEYS = {
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
};
