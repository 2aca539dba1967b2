import { useApp } from '../lib/context';
import type { Route } from '../lib/route';
import { SearchBox } from './SearchBox';

/** The bar on every page: the name, the search box, the findings, the store. */
export function Header({ route }: { readonly route: Route }) {
  const { meta } = useApp();
  const q = route.page === 'search' ? (route.params.get('q') ?? '') : '';
  return (
    <header class="tw-header">
      <div class="tw-header-inner">
        <a class="tw-brand" href="#/">
          <span class="tw-brand-mark" aria-hidden="true">
            ◆
          </span>
          trailwatch
        </a>
        <nav aria-label="Main">
          <ul class="tw-nav">
            <li>
              <a href="#/" aria-current={route.page === 'home' ? 'page' : undefined}>
                Search
              </a>
            </li>
            <li>
              <a href="#/findings" aria-current={route.page === 'findings' ? 'page' : undefined}>
                Findings
              </a>
            </li>
          </ul>
        </nav>
        {route.page !== 'home' && <SearchBox id="header-search" initial={q} />}
        {meta?.readOnly && (
          <span class="tw-badge tw-badge-readonly" title={meta.store}>
            read-only
          </span>
        )}
      </div>
    </header>
  );
}
