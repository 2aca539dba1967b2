import { field } from '../json';
import { itemsOf, named, scalar } from './request-fields';

/**
 * Who a ModifySnapshotAttribute or ModifyImageAttribute call gave a permission to, from
 * `requestParameters.<permission>.add.items[]` (what CloudTrail writes for every SDK and the CLI):
 * `{"group": "all"}` makes the snapshot or image public, `{"userId": "…"}` shares it with an account,
 * and (images only) `organizationArn` / `organizationalUnitArn` with an organization or an OU. A
 * `remove` list takes permissions away and is never read; `{"group": …}` other than `all` is no
 * share (EC2 knows no other group).
 */
export interface Grants {
  readonly public: boolean;
  /** Accounts other than the event's own (the resource's owner). */
  readonly accounts: readonly string[];
  readonly organizations: readonly string[];
}

export function grantsAdded(
  request: unknown,
  permission: 'createVolumePermission' | 'launchPermission',
  owner: string | undefined,
): Grants {
  let isPublic = false;
  const accounts: string[] = [];
  const organizations: string[] = [];
  for (const item of itemsOf(field(field(request, permission), 'add'))) {
    if (scalar(item, 'group')?.toLowerCase() === 'all') isPublic = true;
    const account = scalar(item, 'userId');
    if (account !== undefined && account !== owner && !accounts.includes(account)) accounts.push(account);
    for (const key of ['organizationArn', 'organizationalUnitArn']) {
      const arn = scalar(item, key);
      if (arn !== undefined && !organizations.includes(arn)) organizations.push(arn);
    }
  }
  return { public: isPublic, accounts, organizations };
}

/** Whether the grants share the resource at all. */
export function shares(grants: Grants): boolean {
  return grants.public || grants.accounts.length > 0 || grants.organizations.length > 0;
}

/** `made public; shared with account 1, 2 and 3 more; shared with organization arn:…`. */
export function describeGrants(grants: Grants): string {
  const parts: string[] = [];
  if (grants.public) parts.push('made public (group all)');
  if (grants.accounts.length > 0)
    parts.push(`shared with account${grants.accounts.length > 1 ? 's' : ''} ${named(grants.accounts)}`);
  if (grants.organizations.length > 0) parts.push(`shared with ${named(grants.organizations, 128)}`);
  return parts.join('; ');
}
