import { useAsync } from '../hooks/useAsync';
import { EVENT_COLUMNS } from '../lib/columns';
import { useApp } from '../lib/context';
import { principalLabel } from '../lib/format';
import { hrefFor } from '../lib/route';
import type { LookupKind } from '../lib/types';
import { EventsTable } from './EventsTable';
import { ExportButtons } from './ExportButtons';
import { PageHeading } from './PageHeading';
import { Section } from './Section';
import { ErrorNotice, Loading, MoreNotice } from './Status';
import { TimeWindow } from './TimeWindow';

const KIND_LABEL: Record<LookupKind, string> = {
  user: 'Principal',
  key: 'SSH key',
  keypair: 'Key pair',
  ip: 'Source IP',
  resource: 'Resource',
};

interface Props {
  readonly kind: LookupKind;
  readonly value: string;
  readonly params: URLSearchParams;
}

/** The events of a user, an SSH key, a key pair, an IP address or a resource. */
export function LookupPage({ kind, value, params }: Props) {
  const { api } = useApp();
  const since = params.get('since') ?? undefined;
  const until = params.get('until') ?? undefined;
  const limit = params.get('limit') ?? undefined;
  const result = useAsync(
    () => api.lookup(kind, value, { since, until, limit }),
    [kind, value, since, until, limit],
  );
  const title = kind === 'user' ? principalLabel({ arn: value }) : value;
  return (
    <>
      <PageHeading kicker={KIND_LABEL[kind]} title={title} docTitle={`${KIND_LABEL[kind]} ${value}`}>
        {title !== value && <p class="tw-lead tw-mono">{value}</p>}
      </PageHeading>
      <TimeWindow
        idPrefix="lookup"
        since={since}
        until={until}
        onApply={(s, u) => {
          const q = new URLSearchParams();
          if (s) q.set('since', s);
          if (u) q.set('until', u);
          const text = q.toString();
          location.hash = `${hrefFor(kind, value)}${text ? `?${text}` : ''}`;
        }}
      />
      {result.error && <ErrorNotice error={result.error} />}
      {result.loading && !result.data && <Loading what="events" />}
      {result.data && (
        <Section
          id="events"
          title="Events"
          note={`(${result.data.events.length})`}
          actions={
            <ExportButtons
              rows={result.data.events}
              columns={EVENT_COLUMNS}
              what="events"
              view={kind}
              id={value}
            />
          }
        >
          <EventsTable events={result.data.events} caption={`Events of ${KIND_LABEL[kind]} ${value}`} />
          <MoreNotice more={result.data.more} shown={result.data.events.length} />
        </Section>
      )}
    </>
  );
}
