import { createHash } from 'node:crypto';
import type SshPk from 'sshpk';
import { field, text } from './json';
import { bound, boundOpt, LIMITS } from './limits';

/** What trailwatch knows about a pushed public key. */
export interface SshKeyFacts {
  /**
   * `SHA256:` + unpadded base64, as `ssh-keygen -l` prints it. For key material that cannot be
   * parsed: `INVALID:` + the same hash of the material, so equal junk still correlates.
   */
  readonly fingerprint: string;
  /** `RSA`, `ED25519`, `ECDSA`, `DSA` (as `ssh-keygen -l` names them), or `INVALID`. */
  readonly keyType: string;
  readonly keyBits?: number;
  /** False when the material is not an SSH public key. */
  readonly keyValid: boolean;
  /** Why the material could not be parsed. */
  readonly keyError?: string;
  /** The key's comment (often `user@host` of the machine that made it). */
  readonly keyComment?: string;
}

/** An EC2 Instance Connect key push (SendSSHPublicKey or SendSerialConsoleSSHPublicKey). */
export interface SshPush extends Partial<SshKeyFacts> {
  /** The OS user the key was pushed for (absent for the serial console). */
  readonly osUser?: string;
  /** The serial port of a serial console push. */
  readonly serialPort?: number;
}

export const KEY_PUSH_EVENTS = new Set(['SendSSHPublicKey', 'SendSerialConsoleSSHPublicKey']);
const INVALID_PREFIX = 'INVALID:';

let sshpk: typeof SshPk | undefined;

/**
 * sshpk, loaded on the first key to parse: a CLI command that parses no key (a query) does not
 * pay for loading it (bin/cli start-up, docs/performance.md "Start-up").
 */
function keyParser(): typeof SshPk {
  sshpk ??= require('sshpk') as typeof SshPk;
  return sshpk;
}

function sha256Base64(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('base64').replace(/=+$/, '');
}

/** Type and base64 body of `type base64 [comment]`, without the comment. */
function normalizeMaterial(material: string): string {
  const tokens = material.trim().split(/\s+/);
  return tokens.slice(0, 2).join(' ');
}

/** Facts about key material; never throws. */
export function sshKeyFacts(material: string): SshKeyFacts {
  const trimmed = material.trim();
  if (trimmed.length > LIMITS.publicKeyText) {
    return invalidFacts(trimmed, `key material is longer than ${LIMITS.publicKeyText} characters`);
  }
  try {
    const key = keyParser().parseKey(trimmed, 'ssh');
    const comment = key.comment && key.comment !== '(unnamed)' ? key.comment : undefined;
    return {
      fingerprint: key.fingerprint('sha256').toString(),
      keyType: key.type.toUpperCase(),
      keyBits: key.size,
      keyValid: true,
      ...(comment ? { keyComment: bound(comment, LIMITS.keyComment) } : {}),
    };
  } catch (error) {
    const reason =
      error instanceof Error
        ? error.message.replace(/^Failed to parse \(unnamed\) as a valid /, '')
        : String(error);
    return invalidFacts(trimmed, reason);
  }
}

function invalidFacts(material: string, reason: string): SshKeyFacts {
  return {
    fingerprint: INVALID_PREFIX + sha256Base64(normalizeMaterial(material)),
    keyType: 'INVALID',
    keyValid: false,
    keyError: bound(reason, 200),
  };
}

/** The pushed key text of a record, in either shape CloudTrail has used. */
function pushedKeyText(params: unknown): string | undefined {
  const direct =
    field(params, 'sSHPublicKey') ?? field(params, 'SSHPublicKey') ?? field(params, 'sshPublicKey');
  if (typeof direct === 'string') return direct;
  const nested = field(field(params, 'SSHKey'), 'publicKey') ?? field(field(params, 'sshKey'), 'publicKey');
  return typeof nested === 'string' ? nested : undefined;
}

/** SSH facts of a key push record, or undefined when the event is not a key push. */
export function extractSshPush(eventName: string, record: unknown): SshPush | undefined {
  if (!KEY_PUSH_EVENTS.has(eventName)) return undefined;
  const params = field(record, 'requestParameters');
  const osUser = text(params, 'instanceOSUser') ?? text(params, 'osUser') ?? text(params, 'InstanceOSUser');
  const port = field(params, 'serialPort');
  const serialPort =
    typeof port === 'number'
      ? port
      : typeof port === 'string' && /^\d+$/.test(port)
        ? Number(port)
        : undefined;
  const material = pushedKeyText(params);
  return {
    ...(osUser ? { osUser: boundOpt(osUser, LIMITS.osUser) } : {}),
    ...(serialPort !== undefined ? { serialPort } : {}),
    ...(material !== undefined ? sshKeyFacts(material) : {}),
  };
}

/**
 * The fingerprint to look up for what a user typed after `query key`: a `SHA256:…` (or `INVALID:…`)
 * fingerprint as is, or a whole public key (`ssh-ed25519 AAAA… comment`), which is fingerprinted.
 */
export function keyQueryFingerprint(arg: string): string {
  const a = arg.trim();
  if (/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(a)) return a.replace(/=$/, '');
  if (a.startsWith(INVALID_PREFIX)) return a;
  return sshKeyFacts(a).fingerprint;
}

/** True when `arg` is a fingerprint rather than key material. */
export function looksLikeFingerprint(arg: string): boolean {
  return /^(SHA256|INVALID):/.test(arg.trim());
}
