import { useEffect, useState } from 'preact/hooks';
import { fromInputValue, toInputValue } from '../lib/format';
import { RULES } from '../lib/rules';
import { UtcTimeField } from './UtcTimeField';

export interface FindingFilter {
  readonly rule?: string;
  readonly severity?: string;
  readonly instance?: string;
  readonly since?: string;
  readonly until?: string;
}

interface Props {
  readonly filter: FindingFilter;
  readonly onApply: (filter: FindingFilter) => void;
}

/** Filters of the findings page: rule, severity, instance, time (UTC). */
export function FindingFilters({ filter, onApply }: Props) {
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const set = (key: keyof FindingFilter, value: string): void => setDraft((d) => ({ ...d, [key]: value }));
  const none = !filter.rule && !filter.severity && !filter.instance && !filter.since && !filter.until;
  return (
    <form
      class="tw-filters"
      aria-label="Filter findings"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <div class="tw-field">
        <label for="f-rule">Rule</label>
        <input
          id="f-rule"
          list="f-rules"
          value={draft.rule ?? ''}
          onInput={(e) => set('rule', e.currentTarget.value.trim())}
          placeholder="any rule"
        />
        <datalist id="f-rules">
          {RULES.map((r) => (
            <option key={r} value={r} />
          ))}
        </datalist>
      </div>
      <div class="tw-field">
        <label for="f-severity">Severity</label>
        <select
          id="f-severity"
          value={draft.severity ?? ''}
          onChange={(e) => set('severity', e.currentTarget.value)}
        >
          <option value="">any</option>
          <option value="high">high</option>
          <option value="medium">medium</option>
          <option value="low">low</option>
        </select>
      </div>
      <div class="tw-field">
        <label for="f-instance">Instance</label>
        <input
          id="f-instance"
          value={draft.instance ?? ''}
          onInput={(e) => set('instance', e.currentTarget.value.trim())}
          placeholder="i-…"
          spellcheck={false}
        />
      </div>
      <UtcTimeField
        id="f-since"
        label="From (UTC)"
        value={toInputValue(draft.since)}
        onValue={(v) => set('since', fromInputValue(v) ?? '')}
      />
      <UtcTimeField
        id="f-until"
        label="Until (UTC)"
        value={toInputValue(draft.until)}
        onValue={(v) => set('until', fromInputValue(v) ?? '')}
      />
      <div class="tw-window-actions">
        <button type="submit" class="tw-primary">
          Filter
        </button>
        {!none && (
          <button type="button" onClick={() => onApply({})}>
            Clear
          </button>
        )}
      </div>
    </form>
  );
}
