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
    examples: [
      ['an IAM Identity Center user, by the session name (the e-mail)', 'alice@example.com'],
      ['an IAM user, by its ARN', 'arn:aws:iam::572910899909:user/christophe --limit 20'],
      ['the account root user over the last 30 days', 'root --since 30d'],
      ['whoever used an access key', 'AKIAGM9ZC9KUL0AYEVUM'],
    ],
    valueOf: (who) => userQueryKey(who),
  },
});
