import type { IndexedEvent } from '../event';
import { ebsEncryptionDisabled } from './ebs-encryption-disabled';
import { ec2AmiShared } from './ec2-ami-shared';
import { ec2FlowLogsDeleted } from './ec2-flow-logs-deleted';
import { ec2InstanceCredentialsElsewhere } from './ec2-instance-credentials-elsewhere';
import { ec2KeyPairImported } from './ec2-key-pair-imported';
import { ec2PasswordData } from './ec2-password-data';
import { ec2SerialConsoleEnabled } from './ec2-serial-console-enabled';
import { ec2SgOpenToWorld } from './ec2-sg-open-to-world';
import { ec2SnapshotShared } from './ec2-snapshot-shared';
import { ec2UnusualInstanceType } from './ec2-unusual-instance-type';
import { ec2UserDataModified } from './ec2-user-data-modified';
import { ec2UserDataRead } from './ec2-user-data-read';
import { ownHistoryPartition } from './history-key';
import { KeyHistory } from './key-history';
import type { DetectionSettings, Rule } from './rule';
import { sshCrossAccount } from './ssh-cross-account';
import { sshInvalidKey } from './ssh-invalid-key';
import { sshKeyMultiInstance } from './ssh-key-multi-instance';
import { sshKeyMultiPrincipal } from './ssh-key-multi-principal';
import { sshPushDenied } from './ssh-push-denied';
import { sshRootIdentity } from './ssh-root-identity';
import { sshRootOsUser } from './ssh-root-os-user';
import { sshSerialConsole } from './ssh-serial-console';
import { sshSourceIp } from './ssh-source-ip';
import { sshWeakKey } from './ssh-weak-key';
import { ssmCommandManyInstances } from './ssm-command-many-instances';

export { KeyHistory } from './key-history';
export * from './rule';

/**
 * Every rule, one line each, in CONTRACT order (the order of summaries, help and docs). A new rule is
 * a file beside these exporting `defineRule({…})` and its line here: its ID joins `RuleId`, its alarm,
 * its metric dimension, `findings --rule` and its row in docs/rules.md follow.
 */
export const RULES = [
  sshRootIdentity,
  sshRootOsUser,
  sshWeakKey,
  sshInvalidKey,
  sshPushDenied,
  sshSerialConsole,
  sshKeyMultiInstance,
  sshKeyMultiPrincipal,
  sshSourceIp,
  sshCrossAccount,
  ec2SnapshotShared,
  ec2AmiShared,
  ec2SgOpenToWorld,
  ec2UserDataModified,
  ec2UserDataRead,
  ec2PasswordData,
  ebsEncryptionDisabled,
  ec2SerialConsoleEnabled,
  ec2FlowLogsDeleted,
  ec2UnusualInstanceType,
  ec2KeyPairImported,
  ec2InstanceCredentialsElsewhere,
  ssmCommandManyInstances,
] as const;

/** The rule IDs of CONTRACT "Suspicious SSH key rules". */
export type RuleId = (typeof RULES)[number]['id'];

export const RULE_IDS: readonly RuleId[] = RULES.map((r) => r.id);

export function isRuleId(value: string): value is RuleId {
  return (RULE_IDS as readonly string[]).includes(value);
}

export interface Hit {
  readonly rule: RuleId;
  readonly detail: string;
}

export { isKeyPush } from './applies';

/** The record's request and response, for the stateless rules while the record is read. */
export interface RecordParts {
  readonly request?: unknown;
  readonly response?: unknown;
}

/** Some rule applies to the event: it goes through the rules phase (detector.ts). */
export function isJudged(event: IndexedEvent): boolean {
  for (const rule of RULES) if (rule.appliesTo(event)) return true;
  return false;
}

/** Verdicts of the stateless rules that apply to the event (given its record's request and response). */
export function statelessHits(
  event: IndexedEvent,
  settings: DetectionSettings,
  parts: RecordParts = {},
): Hit[] {
  const hits: Hit[] = [];
  for (const rule of RULES) {
    if (rule.stateful || !rule.appliesTo(event)) continue;
    const v = rule.evaluate(event, { settings, ...parts });
    if (v.fires) hits.push({ rule: rule.id, detail: v.detail });
  }
  return hits;
}

/** The stateful rules. */
export const STATEFUL_RULES: readonly Rule<RuleId>[] = RULES.filter((r) => r.stateful);

/** The windowed stateful rules (`history` kind `own` or `index`). */
export const WINDOW_RULES: readonly Rule<RuleId>[] = STATEFUL_RULES.filter(
  (r) => r.history?.kind !== 'summary',
);

/** The summary rules (`history` kind `summary`). */
export const SUMMARY_RULES: readonly Rule<RuleId>[] = STATEFUL_RULES.filter(
  (r) => r.history?.kind === 'summary',
);

/**
 * The partitions a stateful rule reads the history of an event from (and, for its own, writes it to);
 * for a summary rule, the index partitions it summarises.
 */
export function historyPartitions(rule: Rule<RuleId>, event: IndexedEvent): readonly string[] {
  const spec = rule.history;
  if (!spec || !rule.appliesTo(event)) return [];
  const keys = spec.keysOf(event);
  return spec.kind === 'own' ? keys.map((k) => ownHistoryPartition(rule.id, k)) : keys;
}

export {
  HISTORY_PREFIX,
  ownHistoryPartition,
  SUMMARY_PREFIX,
  SUMMARY_VERDICT_SK,
  summaryPartition,
  summaryValueKey,
} from './history-key';
export { judgedWith, summaryOf } from './summary';

/**
 * Verdicts of one stateful rule on the events of one of its history partitions (those it applies
 * to). A pure function of the set of events: whatever order they were delivered in, the same events
 * give the same hits.
 */
export function statefulHitsOf(
  rule: Rule<RuleId>,
  events: readonly IndexedEvent[],
  settings: DetectionSettings,
): Map<string, Hit> {
  const history = new KeyHistory(events);
  const out = new Map<string, Hit>();
  for (const { event } of history.pushes) {
    if (!rule.appliesTo(event)) continue;
    const v = rule.evaluate(event, { settings, history });
    if (v.fires) out.set(event.eventID, { rule: rule.id, detail: v.detail });
  }
  return out;
}

/**
 * Verdicts of every stateful rule on the known pushes of one key (the SSH key rules' history: the
 * windowed rules on the key's index partition, the summary rules on the key's pushes as a whole). A
 * pure function of the set of pushes.
 */
export function statefulHits(
  pushes: readonly IndexedEvent[],
  settings: DetectionSettings,
): Map<string, Hit[]> {
  const out = new Map<string, Hit[]>();
  for (const rule of STATEFUL_RULES) {
    if (rule.history?.kind === 'own') continue;
    for (const [eventID, hit] of statefulHitsOf(rule, pushes, settings)) {
      out.set(eventID, [...(out.get(eventID) ?? []), hit]);
    }
  }
  return out;
}
