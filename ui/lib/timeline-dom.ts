import { formatTime, plural, principalLabel } from './format';
import type { Lane, Mark } from './lanes';
import { eventHref } from './route';

/**
 * The DOM of the timeline's marks and lanes. vis-timeline takes HTML strings or elements; the page gives
 * it elements whose record texts are text nodes only, never markup.
 */

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** What a mark says to a screen reader beyond its visible text: when, who, how it ended. */
export function describeMark(mark: Mark): string {
  const e = mark.event;
  const parts = [` at ${formatTime(mark.start)} UTC by ${principalLabel(e.principal)}`];
  if (mark.failed) parts.push(`failed: ${e.errorCode}`);
  return parts.join('; ');
}

/** A mark: a link to the event page (keyboard reachable), its name and its findings. */
export function markContent(mark: Mark): HTMLElement {
  const link = el('a', 'tw-tl-link');
  link.href = eventHref(mark.id);
  link.dataset.eventId = mark.id;
  link.dataset.time = mark.start;
  link.append(el('span', 'tw-tl-name', mark.event.eventName));
  link.append(el('span', 'tw-visually-hidden', describeMark(mark)));
  if (mark.rules.length > 0) link.append(el('span', 'tw-tl-flag', `⚑ ${mark.rules.join(', ')}`));
  return link;
}

/** The tooltip of a mark: who, from where, what came of it. */
export function markTitle(mark: Mark): HTMLElement {
  const e = mark.event;
  const box = el('div', 'tw-tl-tip');
  const rows: [string, string | undefined][] = [
    ['Time', `${formatTime(mark.start)} UTC${mark.end ? ` – ${formatTime(mark.end)} UTC` : ''}`],
    ['Event', `${e.eventName} (${e.eventSource})`],
    ['Principal', e.principal?.arn || principalLabel(e.principal)],
    ['Source IP', e.sourceIPAddress],
    ['Access', mark.method ?? undefined],
    ['SSH key', e.ssh?.fingerprint ? `${e.ssh.fingerprint} as ${e.ssh.osUser ?? '?'}` : undefined],
    ['Outcome', mark.failed ? String(e.errorCode) : 'success'],
    ['Findings', mark.rules.length > 0 ? mark.rules.join(', ') : undefined],
  ];
  for (const [name, value] of rows) {
    if (value === undefined || value === '') continue;
    const row = el('div', 'tw-tl-tip-row');
    row.append(el('span', 'tw-tl-tip-name', name), el('span', 'tw-tl-tip-value', value));
    box.append(row);
  }
  return box;
}

/** A lane's label: the short name, the full one on hover, and how many marks it holds. */
export function laneContent(lane: Lane): HTMLElement {
  const box = el('div', 'tw-tl-lane');
  box.title = lane.title;
  box.append(
    el('span', 'tw-tl-lane-name', lane.label),
    el('span', 'tw-tl-lane-count', plural(lane.count, 'event')),
  );
  return box;
}

export function markClass(mark: Mark): string {
  const classes = ['tw-mark'];
  classes.push(mark.method ? 'tw-mark-access' : 'tw-mark-call');
  if (mark.rules.length > 0) classes.push('tw-mark-finding');
  if (mark.failed) classes.push('tw-mark-failed');
  return classes.join(' ');
}
