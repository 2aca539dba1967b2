import { RULES, type Rule } from './rules';

/**
 * The rule of a rule ID, from `RULES`: what findings, metrics and the CLI derive a finding's severity,
 * ATT&CK technique and family from. Undefined for an ID no rule has (a finding recorded by a rule
 * since removed).
 */
export function ruleById(id: string, rules: readonly Rule[] = RULES): Rule | undefined {
  if (rules === RULES) return BY_ID.get(id);
  return rules.find((r) => r.id === id);
}

const BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.id, r]));
