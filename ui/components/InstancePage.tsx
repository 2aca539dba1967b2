import { useState } from 'preact/hooks';
import { useAsync } from '../hooks/useAsync';
import { ACCESS_COLUMNS, EVENT_COLUMNS } from '../lib/columns';
import { useApp } from '../lib/context';
import { formatTime, plural } from '../lib/format';
import { findingsHref, instanceHref } from '../lib/route';
import { AccessTable } from './AccessTable';
import { EventsTable } from './EventsTable';
import { ExportButtons } from './ExportButtons';
import { FindingsTable } from './FindingsTable';
import { PageHeading } from './PageHeading';
import { RelatedResources } from './RelatedResources';
import { Section } from './Section';
import { ErrorNotice, Loading, MoreNotice } from './Status';
import { Timeline } from './Timeline';
import { TimeWindow } from './TimeWindow';

interface Props {
  readonly id: string;
  readonly params: URLSearchParams;
}

/** An instance: its timeline, findings, access paths, related resources and events. */
export function InstancePage({ id, params }: Props) {
  const { api } = useApp();
  const since = params.get('since') ?? undefined;
  const until = params.get('until') ?? undefined;
  const limit = params.get('limit') ?? undefined;
  const result = useAsync(() => api.instance(id, { since, until, limit }), [id, since, until, limit]);
  const [visible, setVisible] = useState<{ start: Date; end: Date } | null>(null);
  const data = result.data;
  const times = data?.events.map((e) => e.eventTime).sort() ?? [];

  return (
    <>
      <PageHeading kicker="Instance" title={id} docTitle={`Instance ${id}`}>
        {data && (
          <p class="tw-lead">
            {plural(data.events.length, 'event')}
            {times.length > 0 &&
              ` from ${formatTime(times[0])} to ${formatTime(times[times.length - 1])} UTC`}
            {' · '}
            {plural(data.access.length, 'access path')}
            {' · '}
            <a href={findingsHref({ instance: id })}>{plural(data.findings.length, 'finding')}</a>
          </p>
        )}
      </PageHeading>
      <TimeWindow
        idPrefix="instance"
        since={since}
        until={until}
        visible={visible}
        onApply={(s, u) => {
          setVisible(null);
          location.hash = instanceHref(id, { since: s, until: u, limit });
        }}
      />
      {result.error && <ErrorNotice error={result.error} />}
      {result.loading && !data && <Loading what={`instance ${id}`} />}
      {data && (
        <>
          <Section id="timeline" title="Timeline">
            {data.events.length === 0 ? (
              <p class="tw-empty">The index has no event of this instance in this window.</p>
            ) : (
              <Timeline
                events={data.events}
                access={data.access}
                findings={data.findings}
                onRange={(start, end) => setVisible({ start, end })}
              />
            )}
            <MoreNotice more={data.more} shown={data.events.length} />
          </Section>
          {data.findings.length > 0 && (
            <Section id="findings" title="Findings" note={`(${data.findings.length})`}>
              <FindingsTable
                findings={data.findings}
                caption="Findings of this instance"
                onChanged={result.reload}
                showInstance={false}
              />
            </Section>
          )}
          <Section
            id="access"
            title="Access paths"
            note={`(${data.access.length})`}
            actions={
              <ExportButtons
                rows={data.access}
                columns={ACCESS_COLUMNS}
                what="access paths"
                view="access"
                id={id}
              />
            }
          >
            {(data.notes ?? []).map((note) => (
              <p key={note} class="tw-note" role="note">
                {note}
              </p>
            ))}
            <AccessTable access={data.access} />
          </Section>
          <Section id="related" title="Related resources">
            <RelatedResources related={data.related} />
          </Section>
          <Section
            id="events"
            title="Events"
            note={`(${data.events.length})`}
            actions={
              <ExportButtons
                rows={data.events}
                columns={EVENT_COLUMNS}
                what="events"
                view="instance"
                id={id}
              />
            }
          >
            <EventsTable events={data.events} caption={`Events of ${id}`} instanceId={id} />
          </Section>
        </>
      )}
    </>
  );
}
