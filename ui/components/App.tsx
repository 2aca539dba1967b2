import { useEffect, useState } from 'preact/hooks';
import { useRoute } from '../hooks/useRoute';
import type { Api } from '../lib/api';
import { AppContext } from '../lib/context';
import type { Route } from '../lib/route';
import type { Meta } from '../lib/types';
import { EventPage } from './EventPage';
import { FindingsPage } from './FindingsPage';
import { Header } from './Header';
import { HomePage } from './HomePage';
import { InstancePage } from './InstancePage';
import { LookupPage } from './LookupPage';
import { NotFound } from './NotFound';
import { SearchPage } from './SearchPage';
import { ErrorNotice } from './Status';

function Page({ route }: { readonly route: Route }) {
  switch (route.page) {
    case 'home':
      return <HomePage />;
    case 'search':
      return <SearchPage q={(route.params.get('q') ?? '').trim()} />;
    case 'instance':
      return <InstancePage key={route.id} id={route.id} params={route.params} />;
    case 'findings':
      return <FindingsPage params={route.params} />;
    case 'event':
      return <EventPage key={route.id} id={route.id} />;
    case 'lookup':
      return (
        <LookupPage
          key={`${route.kind}/${route.value}`}
          kind={route.kind}
          value={route.value}
          params={route.params}
        />
      );
    default:
      return <NotFound path={route.path} />;
  }
}

/** The page: a header, the page of the current hash route, the store it reads. */
export function App({ api }: { readonly api: Api }) {
  const route = useRoute();
  const [meta, setMeta] = useState<Meta | null>(null);
  const [metaError, setMetaError] = useState<Error | null>(null);
  useEffect(() => {
    api.meta().then(setMeta, (e: unknown) => setMetaError(e instanceof Error ? e : new Error(String(e))));
  }, [api]);
  return (
    <AppContext.Provider value={{ api, meta }}>
      <button type="button" class="tw-skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to the page
      </button>
      <Header route={route} />
      <main id="main" class="tw-main" tabIndex={-1}>
        {metaError && <ErrorNotice error={metaError} />}
        <Page route={route} />
      </main>
      <footer class="tw-footer">
        {meta ? (
          <span>
            trailwatch {meta.version} · {meta.store}
            {meta.readOnly ? ' · read-only' : ''}
          </span>
        ) : (
          <span>trailwatch</span>
        )}
      </footer>
    </AppContext.Provider>
  );
}
