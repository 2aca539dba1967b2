import { eventHref, findingsHref, hrefFor, resourceHref } from '../lib/route';
import type { EventLine } from '../lib/types';
import { IdList } from './IdList';
import { IpLink } from './IpLink';
import { PrincipalLink } from './PrincipalLink';
import { Time } from './Time';

interface Props {
  readonly events: readonly EventLine[];
  readonly caption: string;
  /** Leave out this instance from the resources column (it is the page's). */
  readonly instanceId?: string;
}

/** Events, newest first as the API lists them; every cell text, links to the related pages. */
export function EventsTable({ events, caption, instanceId }: Props) {
  if (events.length === 0) return <p class="tw-empty">No events.</p>;
  return (
    <div class="tw-table-wrap">
      <table class="tw-table">
        <caption class="tw-visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Event</th>
            <th scope="col">Principal</th>
            <th scope="col">Source IP</th>
            <th scope="col">Instances and resources</th>
            <th scope="col">Outcome</th>
            <th scope="col">Findings</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.eventID} class={e.findings && e.findings.length > 0 ? 'tw-row-finding' : undefined}>
              <td class="tw-nowrap">
                <Time iso={e.eventTime} />
              </td>
              <td>
                <a href={eventHref(e.eventID)}>{e.eventName}</a>
                <div class="tw-sub">{e.eventSource}</div>
              </td>
              <td>
                <PrincipalLink principal={e.principal} />
              </td>
              <td class="tw-mono tw-nowrap">
                <IpLink ip={e.sourceIPAddress} />
              </td>
              <td>
                <IdList
                  ids={[...(e.instanceIds ?? []).filter((i) => i !== instanceId), ...(e.resourceIds ?? [])]}
                  href={resourceHref}
                />
                {e.ssh?.fingerprint && (
                  <div class="tw-sub tw-mono">
                    <a href={hrefFor('key', e.ssh.fingerprint)}>{e.ssh.fingerprint}</a>
                    {e.ssh.osUser ? ` as ${e.ssh.osUser}` : ''}
                  </div>
                )}
              </td>
              <td>{e.errorCode ? <span class="tw-failed">{e.errorCode}</span> : 'success'}</td>
              <td>
                {(e.findings ?? []).map((rule) => (
                  <a key={rule} class="tw-badge tw-badge-finding" href={findingsHref({ rule })}>
                    ⚑ {rule}
                  </a>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
