import { principalLabel, principalQuery } from '../lib/format';
import { hrefFor } from '../lib/route';
import type { Principal } from '../lib/types';

/** A principal by its most telling name, linking to its events; the full ARN on hover. */
export function PrincipalLink({ principal }: { readonly principal: Principal | undefined }) {
  const query = principalQuery(principal);
  const label = principalLabel(principal);
  if (!query) return <span>{label}</span>;
  return (
    <a href={hrefFor('user', query)} title={principal?.arn ?? query}>
      {label}
    </a>
  );
}
