import { eventHref, findingsHref, hrefFor, instanceHref } from '../lib/route';
import type { FindingLine } from '../lib/types';
import { PrincipalLink } from './PrincipalLink';
import { ReviewControl } from './ReviewControl';
import { SeverityBadge } from './SeverityBadge';
import { Time } from './Time';

interface Props {
  readonly findings: readonly FindingLine[];
  readonly caption: string;
  readonly onChanged: () => void;
  /** false on an instance's page (every row is that instance). */
  readonly showInstance?: boolean;
}

/** Findings, each linking to its event, instance, key and principal, with its review. */
export function FindingsTable({ findings, caption, onChanged, showInstance = true }: Props) {
  return (
    <div class="tw-table-wrap">
      <table class="tw-table tw-findings">
        <caption class="tw-visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Severity</th>
            <th scope="col">Rule</th>
            {showInstance && <th scope="col">Instance</th>}
            <th scope="col">Principal and key</th>
            <th scope="col">Detail</th>
            <th scope="col">Review</th>
          </tr>
        </thead>
        <tbody>
          {findings.map((f) => (
            <tr key={`${f.rule}#${f.eventID}`} data-rule={f.rule} data-event-id={f.eventID}>
              <td class="tw-nowrap">
                <a href={eventHref(f.eventID)} title={`Event ${f.eventID}`}>
                  <Time iso={f.eventTime} />
                </a>
                {f.eventName && <div class="tw-sub">{f.eventName}</div>}
              </td>
              <td>
                <SeverityBadge severity={f.severity} />
              </td>
              <td class="tw-nowrap">
                <a href={findingsHref({ rule: f.rule })}>{f.rule}</a>
                {f.attack && <div class="tw-sub">ATT&amp;CK {f.attack}</div>}
              </td>
              {showInstance && (
                <td class="tw-mono tw-nowrap">
                  {f.instanceId && <a href={instanceHref(f.instanceId)}>{f.instanceId}</a>}
                </td>
              )}
              <td>
                {f.principalArn && <PrincipalLink principal={{ arn: f.principalArn }} />}
                {f.fingerprint && (
                  <div class="tw-sub tw-mono">
                    <a href={hrefFor('key', f.fingerprint)}>{f.fingerprint}</a>
                  </div>
                )}
              </td>
              <td class="tw-detail">{f.detail ?? ''}</td>
              <td>
                <ReviewControl finding={f} onChanged={onChanged} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
