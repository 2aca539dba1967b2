import type { IndexedEvent } from '../event';
import type { KeyHistory } from './key-history';

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
 * known pushes) that says whether it applies and why. Its row in docs/rules.md is generated from
 * `id`, `firesWhen`, `settings` and `falsePositives` (`npm run docs:rules`).
 */
export interface Rule<Id extends string = string> {
  /** The rule ID: the `Rule` dimension of its metric, `findings --rule <id>`, its alarm. */
  readonly id: Id;
  /** What the rule catches, one line (its alarm's description). */
  readonly title: string;
  /** When it fires, precisely, one line of Markdown (docs table). */
  readonly firesWhen: string;
  /** The settings it reads (docs table, with their defaults). @default none */
  readonly settings?: readonly (keyof DetectionSettings)[];
  /** When it is a false positive, one line of Markdown (docs table). */
  readonly falsePositives: string;
  /** Needs the key's other pushes from the index. */
  readonly stateful: boolean;
  evaluate(push: IndexedEvent, context: RuleContext): Verdict;
}

/** A rule (its ID stays a literal type, so `RuleId` lists it). */
export function defineRule<const Id extends string>(rule: Rule<Id>): Rule<Id> {
  return rule;
}
