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
  /** Ports whose opening to the world `ec2-sg-open-to-world` reports (and all-ports rules). @default [22, 3389] */
  readonly adminPorts: readonly number[];
  /** Distinct instances whose user data one principal reads within the window (`ec2-user-data-read`). @default 3 */
  readonly userDataReadThreshold: number;
  /** @default 60 */
  readonly userDataReadWindowMinutes: number;
  /** Distinct instances of `ec2-password-data` within the window. @default 3 */
  readonly passwordDataInstanceThreshold: number;
  /** Calls of `ec2-password-data` within the window. @default 10 */
  readonly passwordDataCallThreshold: number;
  /** @default 60 */
  readonly passwordDataWindowMinutes: number;
  /** Instance types launches may ask for (`ec2-unusual-instance-type`); empty: any but the watch-list. @default [] */
  readonly instanceTypeAllowList: readonly string[];
  /** Instance types (patterns with `*`) always reported: GPU, accelerated and very large types. */
  readonly instanceTypeWatchList: readonly string[];
  /** How far apart an instance's credential calls and others' calls from the same IP are compared. @default 720 */
  readonly credentialsWindowMinutes: number;
  /** Distinct instances one principal sends commands to or opens sessions on (`ssm-command-many-instances`). @default 3 */
  readonly ssmInstanceThreshold: number;
  /** @default 60 */
  readonly ssmWindowMinutes: number;
}

export const DEFAULT_DETECTION: DetectionSettings = {
  allowedSshCidrs: [],
  privilegedOsUsers: ['root'],
  multiInstanceWindowMinutes: 60,
  multiInstanceThreshold: 2,
  multiPrincipalThreshold: 2,
  adminPorts: [22, 3389],
  userDataReadThreshold: 3,
  userDataReadWindowMinutes: 60,
  passwordDataInstanceThreshold: 3,
  passwordDataCallThreshold: 10,
  passwordDataWindowMinutes: 60,
  instanceTypeAllowList: [],
  instanceTypeWatchList: [
    'p*',
    'g*',
    'inf*',
    'trn*',
    'dl*',
    'f1.*',
    'vt1.*',
    'x1*',
    'x2*',
    'u-*',
    'u7*',
    '*.metal*',
    '*.24xlarge',
    '*.32xlarge',
    '*.48xlarge',
    '*.56xlarge',
    '*.96xlarge',
    '*.112xlarge',
  ],
  credentialsWindowMinutes: 720,
  ssmInstanceThreshold: 3,
  ssmWindowMinutes: 60,
};

/** A rule's answer: whether it fires on the event, and why (shown to the responder). */
export type Verdict = { readonly fires: false } | { readonly fires: true; readonly detail: string };

export const PASS: Verdict = { fires: false };
export function fire(detail: string): Verdict {
  return { fires: true, detail };
}

export type Severity = 'low' | 'medium' | 'high';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high'];

/** The SSH key rules also count in `SuspiciousSshKeys`; every rule counts in `Findings`. */
export type RuleFamily = 'ssh-key' | 'threat';

export interface RuleContext {
  readonly settings: DetectionSettings;
  /**
   * The record's `requestParameters` and `responseElements` as parsed (stateless rules, while the
   * record is read; never stored). Absent when the rule runs on an event read back from the index.
   */
  readonly request?: unknown;
  readonly response?: unknown;
  /** The events of the rule's history partitions within its window (windowed stateful rules). */
  readonly history?: KeyHistory;
  /**
   * A summary rule's distinct values, read from its summary items (`HistorySpec` kind `summary`). A rule
   * given a `history` instead draws them from its events (`summaryOf`): the same verdict either way.
   */
  readonly summary?: SummaryValues;
}

/** The distinct values a summary rule counts (the principals that pushed an SSH key). */
export interface SummaryValues {
  /** Sorted. */
  readonly values: readonly string[];
  /** Set when more values exist than were read (`maxValues`). */
  readonly more: boolean;
}

/**
 * Where a windowed stateful rule's history comes from: the partitions it names for an event, read
 * (strongly consistent, bounded) within `windowMinutes` either side of the file's events, after the
 * file's own events were written there, so verdicts do not depend on the order files arrive. What a
 * file reads depends on what its events' windows hold, never on the whole history.
 */
export interface WindowHistorySpec {
  /**
   * `own`: the rule's own partitions `HISTORY#<rule id>#<key>`, one per key of `keysOf`, written (as
   * index items) for the events the rule applies to, and only for them. `index`: `keysOf` returns
   * partition keys of an index (`KEY#<fingerprint>`).
   */
  readonly kind: 'own' | 'index';
  readonly keysOf: (event: IndexedEvent) => readonly string[];
  /** Events this many minutes either side are read (twice that around the file's events). */
  readonly windowMinutes: (settings: DetectionSettings) => number;
  readonly valuesOf?: undefined;
  readonly maxValues?: undefined;
}

/**
 * A windowless stateful rule: its verdict on the events of an index partition depends on the distinct
 * values drawn from all of them (the principals that ever pushed an SSH key), whatever their time.
 * It never reads the partition's events: each file writes one small summary item per distinct value
 * of its events (`SUMMARY#<rule>#<partition>`, sort key the value), and reads them back, at most
 * `maxValues` of them, in one `Query` (lambda/core/summaries.ts). The events are read once, when the
 * verdict turns (to give the earlier ones their finding), not per file.
 */
export interface SummarySpec {
  readonly kind: 'summary';
  /** The index partitions the summary is of (an SSH key's `KEY#<fingerprint>`). */
  readonly keysOf: (event: IndexedEvent) => readonly string[];
  /** The values an event adds to the summary (its principal). */
  readonly valuesOf: (event: IndexedEvent) => readonly string[];
  /** Values read back at most (at least the rule's threshold). */
  readonly maxValues: (settings: DetectionSettings) => number;
  readonly windowMinutes?: undefined;
}

export type HistorySpec = WindowHistorySpec | SummarySpec;

/**
 * One rule (the cdk-nag style): it says which events it applies to, and whether it fires on one and
 * why. Its row in docs/rules.md is generated from its fields (`npm run docs:rules`).
 */
export interface Rule<Id extends string = string> {
  /** The rule ID: the `Rule` dimension of its metrics, `findings --rule <id>`, its alarm. */
  readonly id: Id;
  /** What the rule catches, one line (its alarm's description). */
  readonly title: string;
  /** When it fires, precisely, one line of Markdown (docs table). */
  readonly firesWhen: string;
  /** The settings it reads (docs table, with their defaults). @default none */
  readonly settings?: readonly (keyof DetectionSettings)[];
  /** When it is a false positive, one line of Markdown (docs table). */
  readonly falsePositives: string;
  readonly severity: Severity;
  /** The MITRE ATT&CK technique (`T1537`, `T1098.004`). */
  readonly attack: string;
  /** The Stratus Red Team technique it is tested on, when there is one (`aws.exfiltration.ec2-share-ami`). */
  readonly stratus?: string;
  readonly family: RuleFamily;
  /**
   * Whether the rule looks at this event at all (cdk-nag's NOT_APPLICABLE when false): cheap, from the
   * event's source, name and summary; an event no rule applies to costs the rules nothing.
   */
  appliesTo(event: IndexedEvent): boolean;
  /** Needs other events from the index (`history`). */
  readonly stateful: boolean;
  readonly history?: HistorySpec;
  /** The verdict on an event it applies to. */
  evaluate(event: IndexedEvent, context: RuleContext): Verdict;
}

/** A rule (its ID stays a literal type, so `RuleId` lists it). */
export function defineRule<const Id extends string>(rule: Rule<Id>): Rule<Id> {
  if (rule.stateful !== (rule.history !== undefined))
    throw new Error(`rule ${rule.id}: a stateful rule names its history, a stateless one none`);
  return rule;
}
