import { useEffect } from 'preact/hooks';
import { useAsync } from '../hooks/useAsync';
import { useApp } from '../lib/context';
import { hrefFor } from '../lib/route';
import type { MatchKind } from '../lib/types';
import { PageHeading } from './PageHeading';
import { ErrorNotice, Loading } from './Status';

const KIND_LABEL: Record<MatchKind, string> = {
  instance: 'Instance',
  user: 'Principal',
  key: 'SSH key',
  keypair: 'Key pair',
  ip: 'Source IP',
  resource: 'Resource',
  event: 'Event',
};

/** What a search found; a single match opens at once (the search page is replaced in the history). */
export function SearchPage({ q }: { readonly q: string }) {
  const { api } = useApp();
  const result = useAsync(() => (q === '' ? Promise.resolve({ query: q, matches: [] }) : api.search(q)), [q]);
  const matches = result.data?.matches ?? [];
  const only = matches.length === 1 ? matches[0] : undefined;
  useEffect(() => {
    if (only) location.replace(hrefFor(only.kind, only.value));
  }, [only]);
  return (
    <>
      <PageHeading title={`Search: ${q}`} />
      {result.error && <ErrorNotice error={result.error} />}
      {result.loading && <Loading what="matches" />}
      {result.data && matches.length === 0 && (
        <p class="tw-empty">
          Nothing in the index matches <q>{q}</q>. Try an instance ID (i-…), an IAM user or role session name,
          an SSH key fingerprint (SHA256:…), a key pair name, an IP address, a resource ID or an event ID.
        </p>
      )}
      {matches.length > 1 && (
        <ul class="tw-matches">
          {matches.map((m) => (
            <li key={`${m.kind}:${m.value}`}>
              <a href={hrefFor(m.kind, m.value)}>
                <span class="tw-badge">{KIND_LABEL[m.kind] ?? m.kind}</span>{' '}
                <span class="tw-mono">{m.value}</span>
              </a>
              {m.count !== null && <span class="tw-sub"> {m.count} event(s)</span>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
