import type { IndexedEvent } from '../event';
import type { KeyHistory } from './key-history';

/** The rule IDs of CONTRACT "Suspicious SSH key rules". */
export const RULE_IDS = [
  'ssh-root-identity',
  'ssh-root-os-user',
  'ssh-weak-key',
  'ssh-invalid-key',
  'ssh-push-denied',
  'ssh-serial-console',
  'ssh-key-multi-instance',
  'ssh-key-multi-principal',
  'ssh-source-ip',
  'ssh-cross-account',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export function isRuleId(value: string): value is RuleId {
  return (RULE_IDS as readonly string[]).includes(value);
}

/** Settings of the rules (README "Suspicious SSH key rules"). */
export interface DetectionSettings {
  /** Source CIDRs (IPv4 and IPv6) pushes may come from; empty turns `ssh-source-ip` off. @default [] */
  readonly allowedSshCidrs: readonly string[];
  /** OS users whose keys are privileged (`ssh-root-os-user`). @default ['root'] */
  readonly privilegedOsUsers: readonly string[];
  /** Window of `ssh-key-multi-instance`. @default 60 */
  readonly multiInstanceWindowMinutes: number;
  /** Distinct instances within the window that make `ssh-key-multi-instance` fire. @default 2 */
  readonly multiInstanceThreshold: number;
  /** Distinct principals that make `ssh-key-multi-principal` fire. @default 2 */
  readonly multiPrincipalThreshold: number;
}

export const DEFAULT_DETECTION: DetectionSettings = {
  allowedSshCidrs: [],
  privilegedOsUsers: ['root'],
  multiInstanceWindowMinutes: 60,
  multiInstanceThreshold: 2,
  multiPrincipalThreshold: 2,
};

/** A rule's answer: whether it fires on the event, and why (shown to the responder). */
export type Verdict = { readonly fires: false } | { readonly fires: true; readonly detail: string };

export const PASS: Verdict = { fires: false };
export function fire(detail: string): Verdict {
  return { fires: true, detail };
}

export interface RuleContext {
  readonly settings: DetectionSettings;
  /** Every known push of the event's key (stateful rules only). */
  readonly history?: KeyHistory;
}

/**
 * One rule (the cdk-nag style): a pure function of a key push (and, for stateful rules, the key's
 * known pushes) that says whether it applies and why.
 */
export interface Rule {
  readonly id: RuleId;
  /** What the rule catches, one line (README table, findings output). */
  readonly title: string;
  /** When it is a false positive, one line (README table). */
  readonly falsePositives: string;
  /** Needs the key's other pushes from the index. */
  readonly stateful: boolean;
  evaluate(push: IndexedEvent, context: RuleContext): Verdict;
}
