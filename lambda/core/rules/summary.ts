import type { IndexedEvent } from '../event';
import type { DetectionSettings, Rule, RuleContext, SummaryValues } from './rule';

/**
 * The distinct values a summary rule judges on (`HistorySpec` kind `summary`): those read from its
 * summary items when the detector gives them (`context.summary`), else those of the events of a
 * history (tests, `statefulHits`): the verdict is a function of the set of events either way.
 */
export function summaryOf(
  context: RuleContext,
  valuesOf: (event: IndexedEvent) => readonly string[],
): SummaryValues | undefined {
  if (context.summary) return context.summary;
  const history = context.history;
  if (!history) return undefined;
  // drawn once per history, for every verdict on it
  return history.memo(valuesOf, 'summary', () => {
    const values = new Set<string>();
    for (const { event } of history.pushes) for (const v of valuesOf(event)) values.add(v);
    return { values: [...values].sort(), more: false };
  });
}

/**
 * What a summary's verdict item records it was judged with: the values of the rule's settings. A
 * changed setting (a threshold) makes the next file judge the partition's events again.
 */
export function judgedWith(rule: Rule, settings: DetectionSettings): string {
  return JSON.stringify((rule.settings ?? []).map((k) => settings[k]));
}
