import type { ComponentChildren } from 'preact';
import { useAsync } from '../hooks/useAsync';
import { EVENT_COLUMNS } from '../lib/columns';
import { useApp } from '../lib/context';
import { hrefFor, resourceHref } from '../lib/route';
import type { EventLine } from '../lib/types';
import { ExportButtons } from './ExportButtons';
import { FindingsTable } from './FindingsTable';
import { IdList } from './IdList';
import { IpLink } from './IpLink';
import { PageHeading } from './PageHeading';
import { PrincipalLink } from './PrincipalLink';
import { Section } from './Section';
import { ErrorNotice, Loading } from './Status';
import { Time } from './Time';

/** The IDs as links, or nothing when there are none (the row is left out). */
function idList(ids: readonly string[] | undefined): ComponentChildren {
  return ids && ids.length > 0 ? <IdList ids={ids} href={resourceHref} first={10} /> : undefined;
}

function Summary({ event: e }: { readonly event: EventLine }) {
  const rows: [string, ComponentChildren][] = [
    ['Time (UTC)', <Time key="t" iso={e.eventTime} />],
    ['Source', e.eventSource],
    ['Principal', <PrincipalLink key="p" principal={e.principal} />],
    ['Principal ARN', e.principal?.arn],
    ['Source IP', e.sourceIPAddress && <IpLink ip={e.sourceIPAddress} />],
    ['User agent', e.userAgent],
    ['Region, account', [e.awsRegion, e.accountId].filter(Boolean).join(', ')],
    ['Outcome', e.errorCode ? <span class="tw-failed">{e.errorCode}</span> : 'success'],
    ['Instances', idList(e.instanceIds)],
    ['Resources', idList(e.resourceIds)],
    ['Access', e.access && `${e.access.method}${e.access.detail ? ` (${e.access.detail})` : ''}`],
    [
      'SSH key',
      e.ssh?.fingerprint && (
        <span class="tw-mono">
          <a href={hrefFor('key', e.ssh.fingerprint)}>{e.ssh.fingerprint}</a> {e.ssh.keyType} {e.ssh.keyBits}{' '}
          as {e.ssh.osUser}
        </span>
      ),
    ],
    [
      'Event ID',
      <span key="id" class="tw-mono">
        {e.eventID}
      </span>,
    ],
  ];
  return (
    <dl class="tw-summary">
      {rows
        .filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== false)
        .map(([k, v]) => (
          <div key={k} class="tw-summary-row">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
    </dl>
  );
}

/** One event in full: its summary, findings, conflicts and the stored record as text. */
export function EventPage({ id }: { readonly id: string }) {
  const { api } = useApp();
  const result = useAsync(() => api.event(id), [id]);
  const data = result.data;
  return (
    <>
      <PageHeading kicker="Event" title={data?.event.eventName ?? id} docTitle={`Event ${id}`}>
        <p class="tw-lead tw-mono">{id}</p>
      </PageHeading>
      {result.error && <ErrorNotice error={result.error} />}
      {result.loading && !data && <Loading what="the event" />}
      {data && (
        <>
          <Section
            id="summary"
            title="Summary"
            actions={
              <ExportButtons
                rows={[data.event]}
                columns={EVENT_COLUMNS}
                what="this event"
                view="event"
                id={id}
              />
            }
          >
            <Summary event={data.event} />
          </Section>
          {data.findings.length > 0 && (
            <Section id="findings" title="Findings" note={`(${data.findings.length})`}>
              <FindingsTable
                findings={data.findings}
                caption="Findings of this event"
                onChanged={result.reload}
              />
            </Section>
          )}
          {data.conflicts.length > 0 && (
            <Section id="conflicts" title="Conflicts" note={`(${data.conflicts.length})`}>
              <p>Later records reused this event ID with other content; the first one is kept.</p>
              <pre class="tw-record">{JSON.stringify(data.conflicts, null, 2)}</pre>
            </Section>
          )}
          <Section id="record" title="Record">
            {data.record ? (
              <pre class="tw-record">{JSON.stringify(data.record, null, 2)}</pre>
            ) : (
              <p class="tw-empty">
                The full record could not be read{data.recordProblem ? ` (${data.recordProblem})` : ''}; the
                summary above is what the index keeps.
              </p>
            )}
          </Section>
        </>
      )}
    </>
  );
}
