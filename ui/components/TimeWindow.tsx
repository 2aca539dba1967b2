import { useEffect, useState } from 'preact/hooks';
import { fromInputValue, toInputValue } from '../lib/format';

interface Props {
  /** `since`/`until` of the route (ISO times, or a duration such as `24h` for since). */
  readonly since: string | undefined;
  readonly until: string | undefined;
  /** The timeline's visible range, when the user zoomed or moved it. */
  readonly visible?: { readonly start: Date; readonly end: Date } | null;
  readonly onApply: (since: string | undefined, until: string | undefined) => void;
  readonly idPrefix: string;
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The time window the page asks the index for (UTC); empty fields mean no bound. */
export function TimeWindow({ since, until, visible, onApply, idPrefix }: Props) {
  const [from, setFrom] = useState(toInputValue(since));
  const [to, setTo] = useState(toInputValue(until));
  useEffect(() => {
    setFrom(toInputValue(since));
    setTo(toInputValue(until));
  }, [since, until]);
  const duration = since !== undefined && since !== '' && toInputValue(since) === '' ? since : undefined;
  return (
    <form
      class="tw-window"
      aria-label="Time window"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(fromInputValue(from) ?? duration, fromInputValue(to));
      }}
    >
      <div class="tw-field">
        <label for={`${idPrefix}-from`}>From (UTC)</label>
        <input
          id={`${idPrefix}-from`}
          type="datetime-local"
          step={1}
          value={from}
          placeholder={duration ? `last ${duration}` : undefined}
          onInput={(e) => setFrom(e.currentTarget.value)}
        />
      </div>
      <div class="tw-field">
        <label for={`${idPrefix}-until`}>Until (UTC)</label>
        <input
          id={`${idPrefix}-until`}
          type="datetime-local"
          step={1}
          value={to}
          onInput={(e) => setTo(e.currentTarget.value)}
        />
      </div>
      <div class="tw-window-actions">
        <button type="submit" class="tw-primary">
          Apply
        </button>
        {visible && (
          <button type="button" onClick={() => onApply(iso(visible.start), iso(visible.end))}>
            Use the visible range
          </button>
        )}
        {(since || until) && (
          <button type="button" onClick={() => onApply(undefined, undefined)}>
            All time
          </button>
        )}
      </div>
      {duration && <p class="tw-sub">Showing the last {duration}.</p>}
    </form>
  );
}
