import { principalLookupKeys, userQueryKey } from '../identity';
import { defineIndex } from './define';

/**
 * Events by every lookup key of their principal (ARN, names, access key, root: Table design "User
 * lookup keys"), so that each form a responder has at hand is one lookup: `USER#name:alice`.
 */
export const userIndex = defineIndex({
  kind: 'user',
  prefix: 'USER#',
  valuesOf: (event) => principalLookupKeys(event.principal),
  lookup: {
    argument: '<who>',
    description:
      'events by a principal: full ARN, IAM user name, role name, role session name, root, or access key ID',
    valueOf: (who) => userQueryKey(who),
  },
});
