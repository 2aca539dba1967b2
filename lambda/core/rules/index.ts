import type { IndexedEvent } from '../event';
import { KEY_PUSH_EVENTS } from '../ssh';
import { ec2InstanceCredentialsElsewhere } from './ec2-instance-credentials-elsewhere';
import { ec2PasswordData } from './ec2-password-data';
import { ec2UserDataRead } from './ec2-user-data-read';
import { KeyHistory } from './key-history';
import type { DetectionSettings } from './rule';
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
  ec2UserDataRead,
  ec2PasswordData,
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

/** The rules apply to SSH key pushes. */
export function isKeyPush(event: IndexedEvent): boolean {
  return KEY_PUSH_EVENTS.has(event.eventName);
}

/** Verdicts of the rules that need nothing but the push itself. */
export function statelessHits(push: IndexedEvent, settings: DetectionSettings): Hit[] {
  if (!isKeyPush(push)) return [];
  const hits: Hit[] = [];
  for (const rule of RULES) {
    if (rule.stateful) continue;
    const v = rule.evaluate(push, { settings });
    if (v.fires) hits.push({ rule: rule.id, detail: v.detail });
  }
  return hits;
}

/**
 * Verdicts of the stateful rules on every known push of one key. A pure function of the set of
 * pushes: whatever order they were delivered in, the same pushes give the same hits.
 */
export function statefulHits(
  pushes: readonly IndexedEvent[],
  settings: DetectionSettings,
): Map<string, Hit[]> {
  const history = new KeyHistory(pushes);
  const out = new Map<string, Hit[]>();
  for (const { event } of history.pushes) {
    const hits: Hit[] = [];
    for (const rule of RULES) {
      if (!rule.stateful) continue;
      const v = rule.evaluate(event, { settings, history });
      if (v.fires) hits.push({ rule: rule.id, detail: v.detail });
    }
    if (hits.length > 0) out.set(event.eventID, hits);
  }
  return out;
}
