import type { IndexedEvent } from '../event';
import { STATEFUL_RULES } from '../rules';
import { HISTORY_PREFIX, historyValue } from '../rules/history-key';
import { defineIndex, NO_VALUES } from './define';

/**
 * The stateful rules' own histories: `HISTORY#<rule>#<key>` (internal, no `query` subcommand), one
 * item for each event a rule with `history.kind: 'own'` applies to, under each key it names (a
 * principal, an address, an instance). Only those events are written there, so a rule reads the few
 * events it judges, not a busy principal's every call.
 * `STATEFUL_RULES` is read when events are indexed, not when this module loads (the rules and the
 * index registry import each other through other modules).
 */
export const historyIndex = defineIndex({
  kind: 'history',
  prefix: HISTORY_PREFIX,
  readByRules: true,
  valuesOf: (event: IndexedEvent) => {
    let out: readonly string[] = NO_VALUES;
    for (const rule of STATEFUL_RULES) {
      if (rule.history?.kind !== 'own' || !rule.appliesTo(event)) continue;
      out = [...out, ...rule.history.keysOf(event).map((key) => historyValue(rule.id, key))];
    }
    return out;
  },
});
