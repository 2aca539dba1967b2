import { useEffect, useState } from 'preact/hooks';
import { searchHref } from '../lib/route';

interface Props {
  readonly id: string;
  readonly initial?: string;
  readonly large?: boolean;
}

/** One box for everything the index knows: it goes to the search page, which opens a single match. */
export function SearchBox({ id, initial = '', large = false }: Props) {
  const [text, setText] = useState(initial);
  useEffect(() => setText(initial), [initial]);
  return (
    <search class={large ? 'tw-search tw-search-large' : 'tw-search'}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const q = text.trim();
          if (q !== '') location.hash = searchHref(q);
        }}
      >
        <label for={id} class={large ? undefined : 'tw-visually-hidden'}>
          Search the index
        </label>
        <div class="tw-search-row">
          <input
            id={id}
            type="search"
            name="q"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            placeholder="Instance, user, key fingerprint, key pair, IP, resource or event ID"
            autocomplete="off"
            spellcheck={false}
          />
          <button type="submit" class="tw-primary">
            Search
          </button>
        </div>
      </form>
    </search>
  );
}
