import { useMemo } from 'preact/hooks';
import { useAsync } from '../hooks/useAsync';
import { FINDING_COLUMNS } from '../lib/columns';
import { useApp } from '../lib/context';
import { plural } from '../lib/format';
import { findingsHref } from '../lib/route';
import { ExportButtons } from './ExportButtons';
import { type FindingFilter, FindingFilters } from './FindingFilters';
import { FindingsTable } from './FindingsTable';
import { PageHeading } from './PageHeading';
import { Section } from './Section';
import { ErrorNotice, Loading, MoreNotice } from './Status';

const KEYS = ['rule', 'severity', 'instance', 'since', 'until', 'limit'] as const;

/** Findings of every rule, filtered; open ones first, reviewed ones listed apart. */
export function FindingsPage({ params }: { readonly params: URLSearchParams }) {
  const { api, meta } = useApp();
  const key = KEYS.map((k) => params.get(k) ?? '').join('\u0000');
  const filter = useMemo<FindingFilter>(
    () => Object.fromEntries(KEYS.map((k) => [k, params.get(k) ?? undefined])),
    [key],
  );
  const result = useAsync(() => api.findings({ ...filter }), [key]);
  const findings = result.data?.findings ?? [];
  const open = findings.filter((f) => !f.review);
  const reviewed = findings.filter((f) => f.review);
  const exportId = [filter.rule, filter.severity, filter.instance].filter(Boolean).join('-') || 'all';

  return (
    <>
      <PageHeading title="Findings">
        <p class="tw-lead">
          What the rules flagged, newest first.{' '}
          {meta?.readOnly
            ? 'This store is read-only here: reviews are shown, not made.'
            : 'Mark a finding reviewed once you have looked at it.'}
        </p>
      </PageHeading>
      <FindingFilters filter={filter} onApply={(f) => (location.hash = findingsHref({ ...f }))} />
      {result.error && <ErrorNotice error={result.error} />}
      {result.loading && !result.data && <Loading what="findings" />}
      {result.data && (
        <>
          <Section
            id="open"
            title="Open"
            note={`(${open.length})`}
            actions={
              <ExportButtons
                rows={findings}
                columns={FINDING_COLUMNS}
                what="findings"
                view="findings"
                id={exportId}
              />
            }
          >
            {open.length === 0 ? (
              <p class="tw-empty">No open finding{findings.length > 0 ? ': all are reviewed' : ''}.</p>
            ) : (
              <FindingsTable findings={open} caption="Open findings" onChanged={result.reload} />
            )}
          </Section>
          <Section id="reviewed" title="Reviewed" note={`(${reviewed.length})`}>
            {reviewed.length === 0 ? (
              <p class="tw-empty">None reviewed yet.</p>
            ) : (
              <FindingsTable findings={reviewed} caption="Reviewed findings" onChanged={result.reload} />
            )}
          </Section>
          <MoreNotice more={result.data.more} shown={findings.length} />
          <p class="tw-sub">{plural(findings.length, 'finding')} shown.</p>
        </>
      )}
    </>
  );
}
