import { useApp } from '../lib/context';
import { findingsHref } from '../lib/route';
import { PageHeading } from './PageHeading';
import { SearchBox } from './SearchBox';

/** The start: one search box and the way to the findings. */
export function HomePage() {
  const { meta } = useApp();
  return (
    <>
      <PageHeading title="Who touched this instance?" docTitle="Search" />
      <p class="tw-lead">
        Search the CloudTrail index by instance ID, user, SSH key fingerprint, key pair, source IP, resource
        ID or event ID. An instance's page shows its timeline: who came in by which door, what changed around
        it and which findings fired.
      </p>
      <SearchBox id="home-search" large />
      <p>
        Or start from the <a href={findingsHref()}>findings</a>.
      </p>
      {meta && (
        <p class="tw-sub">
          Store: {meta.store}
          {meta.readOnly ? ' (read-only)' : ''}
        </p>
      )}
    </>
  );
}
