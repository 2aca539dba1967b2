interface Props {
  readonly id: string;
  readonly label: string;
  /** The input's value (`YYYY-MM-DDTHH:MM:SS`, read as UTC), or ''. */
  readonly value: string;
  readonly onValue: (value: string) => void;
  readonly placeholder?: string | undefined;
}

/** A labelled date-and-time field read as UTC, to the second (time windows and filters). */
export function UtcTimeField({ id, label, value, onValue, placeholder }: Props) {
  return (
    <div class="tw-field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="datetime-local"
        step={1}
        value={value}
        placeholder={placeholder}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
    </div>
  );
}
