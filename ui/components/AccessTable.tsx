import { eventHref } from '../lib/route';
import type { AccessLine } from '../lib/types';
import { IpLink } from './IpLink';
import { PrincipalLink } from './PrincipalLink';
import { Time } from './Time';

/** Every way a principal reached the instance (`trailwatch access`), newest first. */
export function AccessTable({ access }: { readonly access: readonly AccessLine[] }) {
  if (access.length === 0) return <p class="tw-empty">No access paths in this window.</p>;
  return (
    <div class="tw-table-wrap">
      <table class="tw-table">
        <caption class="tw-visually-hidden">Access paths</caption>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Method</th>
            <th scope="col">Principal</th>
            <th scope="col">Source IP</th>
            <th scope="col">Outcome</th>
            <th scope="col">Detail</th>
            <th scope="col">Session end</th>
            <th scope="col">Event</th>
          </tr>
        </thead>
        <tbody>
          {access.map((a) => (
            <tr key={`${a.eventID}:${a.method}`}>
              <td class="tw-nowrap">
                <Time iso={a.eventTime} />
              </td>
              <td>
                <span class="tw-badge tw-badge-method">{a.method}</span>
              </td>
              <td>
                <PrincipalLink principal={a.principal} />
              </td>
              <td class="tw-mono tw-nowrap">
                <IpLink ip={a.sourceIPAddress} />
              </td>
              <td>{a.outcome === 'success' ? 'success' : <span class="tw-failed">{a.outcome}</span>}</td>
              <td class="tw-detail-short">{a.detail ?? ''}</td>
              <td class="tw-nowrap">
                <Time iso={a.sessionEnd ?? null} />
              </td>
              <td>
                <a href={eventHref(a.eventID)} title={a.eventID}>
                  {a.eventName ?? a.eventID}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
