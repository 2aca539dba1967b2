import { useState } from 'preact/hooks';

interface Props {
  readonly ids: readonly string[];
  readonly href: (id: string) => string;
  /** How many to show before a "more" button. */
  readonly first?: number;
}

/** IDs as links, the first few shown, the rest behind a button. */
export function IdList({ ids, href, first = 4 }: Props) {
  const [all, setAll] = useState(false);
  if (ids.length === 0) return null;
  const shown = all ? ids : ids.slice(0, first);
  return (
    <span class="tw-ids">
      {shown.map((id) => (
        <a key={id} class="tw-mono" href={href(id)}>
          {id}
        </a>
      ))}
      {!all && ids.length > first && (
        <button type="button" class="tw-link-button" onClick={() => setAll(true)}>
          +{ids.length - first} more
        </button>
      )}
    </span>
  );
}
