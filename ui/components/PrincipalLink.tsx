import { principalLabel, principalQuery, principalRole } from '../lib/format';
import { hrefFor } from '../lib/route';
import type { Principal } from '../lib/types';

/**
 * A principal by its most telling name (a session's: an Identity Center user's e-mail), linking to its
 * events, its role under it; the full ARN on hover.
 */
export function PrincipalLink({ principal }: { readonly principal: Principal | undefined }) {
  const query = principalQuery(principal);
  const label = principalLabel(principal);
  const role = principalRole(principal);
  return (
    <>
      {query ? (
        <a href={hrefFor('user', query)} title={principal?.arn ?? query}>
          {label}
        </a>
      ) : (
        <span>{label}</span>
      )}
      {role && role !== label && (
        <div class="tw-sub tw-role" title={role}>
          {role}
        </div>
      )}
    </>
  );
}
