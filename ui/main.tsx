import { render } from 'preact';
import { App } from './components/App';
import { Api } from './lib/api';
import 'vis-timeline/styles/vis-timeline-graph2d.css';
import './styles/base.css';
import './styles/forms.css';
import './styles/tables.css';
import './styles/timeline.css';

/**
 * Takes the per-run token from the address once, keeps it in memory only and removes it from the address
 * bar (and so from the history), then renders the page.
 */
function takeToken(): string | null {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token !== null) {
    url.searchParams.delete('token');
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }
  return token;
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App api={new Api(takeToken())} />, root);
}
