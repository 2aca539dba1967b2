import { field, isObject, type JsonObject, text } from '../json';
import { bound, boundOpt, LIMITS } from '../limits';
import { INSTANCE_CONNECT_SOURCE } from '../select';
import type { SshPush } from '../ssh';
import { ipField } from './addresses';
import { EC2_SOURCE, namesUserDataAttribute, SSM_SOURCE, USER_DATA } from './events';
import { type AccessFacts, PLAIN_DETAIL } from './types';

/**
 * What an event says, from its record alone, of the access it gave to an instance's operating system
 * or secrets (CONTRACT "Instance access"; `docs/access.md`). One entry per `eventSource eventName`
 * (a registry: a new access method is one line here and its name in `ACCESS_METHODS`). Failed calls
 * keep their facts (the outcome is the event's error code), except a launch, which gave nothing.
 */

export interface FactsInput {
  readonly record: JsonObject;
  readonly request: unknown;
  readonly response: unknown;
  readonly errorCode?: string;
  readonly ssh?: SshPush;
  readonly keyNames?: readonly string[];
}

type Facts = (input: FactsInput) => AccessFacts | undefined;

const fixed =
  (method: AccessFacts['method'], detail: string): Facts =>
  () => ({ method, detail });

const FACTS_BY_KEY: Readonly<Record<string, Facts>> = {
  [`${INSTANCE_CONNECT_SOURCE} SendSSHPublicKey`]: ({ ssh }) => ({
    method: 'instance-connect',
    detail: ssh?.osUser ? `ssh as ${ssh.osUser}` : 'ssh',
  }),
  [`${INSTANCE_CONNECT_SOURCE} SendSerialConsoleSSHPublicKey`]: ({ ssh }) => ({
    method: 'serial-console',
    detail: [
      ssh?.serialPort === undefined ? 'serial console' : `serial port ${ssh.serialPort}`,
      ssh?.osUser ? ` as ${ssh.osUser}` : '',
    ].join(''),
  }),
  [`${INSTANCE_CONNECT_SOURCE} OpenTunnel`]: tunnel,
  [`${SSM_SOURCE} StartSession`]: ({ request }) => ({
    method: 'ssm-session',
    detail: documentOf(request) ?? 'shell',
  }),
  [`${SSM_SOURCE} ResumeSession`]: ({ request }) => ({
    method: 'ssm-session',
    detail: `${documentOf(request) ?? 'session'} resumed`,
  }),
  [`${SSM_SOURCE} SendCommand`]: command,
  [`${EC2_SOURCE} RunInstances`]: ({ request, errorCode, keyNames }) => {
    const name = text(request, 'keyName') ?? keyNames?.[0];
    return errorCode === undefined && name
      ? { method: 'launch-key-pair', detail: `key pair ${name}` }
      : undefined;
  },
  [`${EC2_SOURCE} ModifyInstanceAttribute`]: ({ record, request }) =>
    Object.hasOwn(isObject(request) ? request : {}, USER_DATA) || namesUserDataAttribute(record)
      ? { method: 'user-data-change', detail: PLAIN_DETAIL['user-data-change'] as string }
      : undefined,
  [`${EC2_SOURCE} DescribeInstanceAttribute`]: ({ record }) =>
    namesUserDataAttribute(record)
      ? { method: 'user-data-read', detail: PLAIN_DETAIL['user-data-read'] as string }
      : undefined,
  [`${EC2_SOURCE} GetPasswordData`]: fixed('password-data', PLAIN_DETAIL['password-data'] as string),
  [`${EC2_SOURCE} GetConsoleOutput`]: fixed('console-output', PLAIN_DETAIL['console-output'] as string),
  [`${EC2_SOURCE} GetConsoleScreenshot`]: fixed('console-output', 'console screenshot'),
};

/** `document <name>` when the request names an SSM document. */
function documentOf(request: unknown): string | undefined {
  const name = text(request, 'documentName');
  return name ? `document ${name}` : undefined;
}

/** OpenTunnel: `tunnel to <ip>:<port> via <endpoint>`, with the address and port on their own. */
function tunnel({ request }: FactsInput): AccessFacts {
  const privateIpAddress = ipField(request, 'privateIpAddress');
  const port = text(request, 'remotePort');
  const remotePort = port && /^\d{1,5}$/.test(port) ? port : undefined;
  const endpoint = text(request, 'instanceConnectEndpointId');
  const to = `${privateIpAddress ?? text(request, 'privateIpAddress') ?? '(no address)'}:${remotePort ?? port ?? '(no port)'}`;
  const facts: { -readonly [K in keyof AccessFacts]: AccessFacts[K] } = {
    method: 'instance-connect-endpoint',
    detail: `tunnel to ${to}${endpoint ? ` via ${endpoint}` : ''}`,
  };
  if (privateIpAddress) facts.privateIpAddress = privateIpAddress;
  if (remotePort) facts.remotePort = remotePort;
  return facts;
}

/**
 * SendCommand: `document <name>`; a command sent by targets (tags, resource groups) names no instance
 * in its request: its targets are kept as logged and the detail says so.
 */
function command({ request }: FactsInput): AccessFacts {
  const document = documentOf(request) ?? 'no document';
  const ids = field(request, 'instanceIds');
  if (Array.isArray(ids) && ids.length > 0) return { method: 'ssm-command', detail: document };
  const targets = field(request, 'targets');
  if (!Array.isArray(targets) || targets.length === 0)
    return { method: 'ssm-command', detail: `${document} (no instance IDs in the request)` };
  // `Key=InstanceIds,Values=i-…` names instances (taken as the event's instance IDs): no warning then
  const byIds = targets.some((t) => targetKey(t)?.toLowerCase() === 'instanceids');
  return {
    method: 'ssm-command',
    detail: `${document} by targets ${targets.map(targetText).join('; ')}${byIds ? '' : ' (no instance IDs in the request)'}`,
    targets: bound(JSON.stringify(targets), LIMITS.accessDetail),
  };
}

function targetKey(target: unknown): string | undefined {
  return text(target, 'key') ?? text(target, 'Key');
}

/** One target as people write it: `tag:Env=prod,staging`. */
function targetText(target: unknown): string {
  const key = targetKey(target) ?? '?';
  const values = field(target, 'values') ?? field(target, 'Values');
  const shown = Array.isArray(values) ? values.filter((v) => typeof v === 'string').join(',') : '';
  return `${key}=${shown}`;
}

/** The same, by source then name: looked up for every indexed event without building a key. */
const FACTS = new Map<string, Map<string, Facts>>();
for (const [key, facts] of Object.entries(FACTS_BY_KEY)) {
  const [source, name] = key.split(' ') as [string, string];
  const byName = FACTS.get(source) ?? new Map<string, Facts>();
  byName.set(name, facts);
  FACTS.set(source, byName);
}

/**
 * The access facts of an event (`eventSource` and `eventName` trimmed), or undefined when it is not an
 * access path; `input` is called only for a source and name that may be one. Every string in them is
 * bounded.
 */
export function accessFactsOf(
  eventSource: string,
  eventName: string,
  input: () => FactsInput,
): AccessFacts | undefined {
  const facts = FACTS.get(eventSource)?.get(eventName)?.(input());
  if (!facts) return undefined;
  return { ...facts, detail: bound(facts.detail, LIMITS.accessDetail) };
}

const SESSION_EVENTS: ReadonlySet<string> = new Set(['StartSession', 'ResumeSession', 'TerminateSession']);

/**
 * The Systems Manager session of a StartSession (its response), ResumeSession or TerminateSession
 * (their request, or response), bounded.
 */
export function sessionIdOf(eventSource: string, eventName: string, record: JsonObject): string | undefined {
  if (eventSource !== SSM_SOURCE || !SESSION_EVENTS.has(eventName)) return undefined;
  const id =
    text(field(record, 'responseElements'), 'sessionId') ??
    text(field(record, 'requestParameters'), 'sessionId');
  return boundOpt(id, LIMITS.sessionId);
}
