import { formatTime } from '../lib/format';

/** A UTC time, readable, with the ISO value for machines. */
export function Time({ iso }: { readonly iso: string | null | undefined }) {
  if (!iso) return null;
  return (
    <time dateTime={iso} title={iso}>
      {formatTime(iso)}
    </time>
  );
}
