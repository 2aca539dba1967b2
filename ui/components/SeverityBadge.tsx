import type { Severity } from '../lib/types';

export function SeverityBadge({ severity }: { readonly severity: Severity | string }) {
  const known = severity === 'low' || severity === 'medium' || severity === 'high';
  return <span class={`tw-badge tw-sev-${known ? severity : 'other'}`}>{severity}</span>;
}
