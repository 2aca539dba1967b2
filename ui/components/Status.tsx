import { ApiError } from '../lib/api';

export function Loading({ what }: { readonly what: string }) {
  return (
    <p class="tw-status" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** An error of the API, said plainly (the token case says how to get a good address). */
export function ErrorNotice({ error }: { readonly error: Error }) {
  const unauthorised = error instanceof ApiError && error.status === 401;
  return (
    <div class="tw-error" role="alert">
      <p>
        <strong>{unauthorised ? 'Not authorised.' : 'Something went wrong.'}</strong> {error.message}
      </p>
      {unauthorised && (
        <p>
          Open the address that <code>trailwatch ui</code> printed (it carries this run's token); a reload
          loses the token.
        </p>
      )}
    </div>
  );
}

/** Said when the API stopped at its limit. */
export function MoreNotice({ more, shown }: { readonly more: boolean; readonly shown: number }) {
  if (!more) return null;
  return (
    <p class="tw-note" role="note">
      Showing the first {shown}; there are more. Narrow the time window to see the rest.
    </p>
  );
}
