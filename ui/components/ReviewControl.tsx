import { useState } from 'preact/hooks';
import { useApp } from '../lib/context';
import type { FindingLine } from '../lib/types';
import { Time } from './Time';

const NOTE_MAX = 1000;

interface Props {
  readonly finding: FindingLine;
  /** After the review was saved: the list loads again. */
  readonly onChanged: () => void;
}

/** Marks a finding reviewed with a note, or opens it again; hidden on a read-only store. */
export function ReviewControl({ finding, onChanged }: Props) {
  const { api, meta } = useApp();
  const [editing, setEditing] = useState(false);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const readOnly = meta?.readOnly !== false;
  const fieldId = `note-${finding.rule}-${finding.eventID}`;

  const save = async (reviewed: boolean): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await api.review(finding.rule, finding.eventID, reviewed ? note : '', reviewed);
      setEditing(false);
      setNote('');
      onChanged();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const review = finding.review;
  if (review) {
    return (
      <div class="tw-review">
        <p class="tw-review-state">✓ Reviewed</p>
        <p class="tw-review-note">{review.note || <em>no note</em>}</p>
        <p class="tw-sub">
          by {review.by}, <Time iso={review.at} />
        </p>
        {!readOnly && (
          <button type="button" disabled={busy} onClick={() => save(false)}>
            Reopen
          </button>
        )}
        {error && (
          <p role="alert" class="tw-failed">
            {error}
          </p>
        )}
      </div>
    );
  }
  if (readOnly) return <span class="tw-sub">{meta ? 'read-only store' : ''}</span>;
  if (!editing)
    return (
      <button type="button" onClick={() => setEditing(true)}>
        Mark reviewed
        <span class="tw-visually-hidden">
          : {finding.rule} on event {finding.eventID}
        </span>
      </button>
    );
  return (
    <form
      class="tw-review-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save(true);
      }}
    >
      <label for={fieldId}>Note</label>
      <textarea
        id={fieldId}
        rows={3}
        maxLength={NOTE_MAX}
        value={note}
        onInput={(e) => setNote(e.currentTarget.value)}
        placeholder="What you found, who you asked…"
      />
      <div class="tw-review-actions">
        <button type="submit" class="tw-primary" disabled={busy}>
          Save review
        </button>
        <button type="button" disabled={busy} onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
      {error && (
        <p role="alert" class="tw-failed">
          {error}
        </p>
      )}
    </form>
  );
}
