import { useEffect, useState } from 'preact/hooks';
import { fromInputValue, toInputValue } from '../lib/format';
import { UtcTimeField } from './UtcTimeField';

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
      <UtcTimeField
        id={`${idPrefix}-from`}
        label="From (UTC)"
        value={from}
        placeholder={duration ? `last ${duration}` : undefined}
        onValue={setFrom}
      />
      <UtcTimeField id={`${idPrefix}-until`} label="Until (UTC)" value={to} onValue={setTo} />
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
