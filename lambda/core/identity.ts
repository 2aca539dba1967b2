import { field, isObject, text } from './json';
import { bound, boundOpt, LIMITS } from './limits';

/**
 * The principal of an event, from `userIdentity`. Every field is optional: CloudTrail omits what does
 * not apply (an AWSService has no ARN, an IdentityCenterUser has `arn: ""`), old records lack `type`.
 */
export interface Principal {
  readonly type?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly userName?: string;
  readonly accessKeyId?: string;
  readonly sessionIssuerArn?: string;
  readonly principalId?: string;
  /** The role of an assumed-role session. */
  readonly roleName?: string;
  /** The session name of an assumed-role session (for IAM Identity Center: the user's e-mail). */
  readonly sessionName?: string;
  /** The service that made the call on the principal's behalf (`ec2.amazonaws.com`, …). */
  readonly invokedBy?: string;
  /** IAM Identity Center user ID of an `IdentityCenterUser` (`onBehalfOf.userId`). */
  readonly identityCenterUserId?: string;
}

interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly account: string;
  readonly resource: string;
}

function parseArn(arn: string | undefined): ParsedArn | undefined {
  if (!arn?.startsWith('arn:')) return undefined;
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return {
    partition: parts[1] ?? '',
    service: parts[2] ?? '',
    account: parts[4] ?? '',
    resource: parts.slice(5).join(':'),
  };
}

/** Role and session from an `assumed-role/Role/Session` ARN resource (session may be missing). */
function assumedRoleParts(resource: string): { role?: string; session?: string } {
  if (!resource.startsWith('assumed-role/')) return {};
  const rest = resource.slice('assumed-role/'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return rest ? { role: rest } : {};
  const role = rest.slice(0, slash);
  const session = rest.slice(slash + 1);
  return { ...(role ? { role } : {}), ...(session ? { session } : {}) };
}

function lastSegment(resource: string): string | undefined {
  const seg = resource.slice(resource.lastIndexOf('/') + 1);
  return seg || undefined;
}

function compact<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj;
}

/** Reads `userIdentity` of a record; never throws, whatever its shape. */
export function extractPrincipal(userIdentity: unknown): Principal {
  if (!isObject(userIdentity)) return {};
  const type = text(userIdentity, 'type');
  const arn = text(userIdentity, 'arn');
  const parsed = parseArn(arn);
  const issuer = field(field(userIdentity, 'sessionContext'), 'sessionIssuer');
  const issuerArn = text(issuer, 'arn');
  const issuerType = text(issuer, 'type');
  const principalId = text(userIdentity, 'principalId');

  let userName = text(userIdentity, 'userName');
  let roleName: string | undefined;
  let sessionName: string | undefined;

  if (parsed?.service === 'sts' && parsed.resource.startsWith('assumed-role/')) {
    const p = assumedRoleParts(parsed.resource);
    roleName = p.role;
    sessionName = p.session;
  }
  // `ROLEID:session`: anonymised ARNs can lose the session part, and AWSAccount principals have no ARN
  const sessionFromPrincipalId = principalId?.includes(':')
    ? principalId.slice(principalId.indexOf(':') + 1) || undefined
    : undefined;
  switch (type) {
    case 'AssumedRole':
    case 'Role':
      // the session issuer names the role reliably (anonymised ARNs can be mangled)
      if (issuerType === 'Role') roleName = text(issuer, 'userName') ?? roleName;
      if (!roleName && parsed?.resource.startsWith('role/')) roleName = lastSegment(parsed.resource);
      sessionName ??= sessionFromPrincipalId;
      break;
    case 'AWSAccount':
      sessionName ??= sessionFromPrincipalId;
      break;
    case 'IAMUser':
      if (!userName && parsed?.resource.startsWith('user/')) userName = lastSegment(parsed.resource);
      break;
    case 'FederatedUser':
      if (!userName && parsed?.resource.startsWith('federated-user/'))
        userName = lastSegment(parsed.resource);
      break;
  }

  const onBehalfOf = field(userIdentity, 'onBehalfOf');
  const principal: Principal = {
    type: boundOpt(type, LIMITS.name),
    arn: boundOpt(arn, LIMITS.arn),
    accountId: boundOpt(text(userIdentity, 'accountId') ?? (parsed?.account || undefined), LIMITS.accountId),
    userName: boundOpt(userName, LIMITS.name),
    accessKeyId: boundOpt(text(userIdentity, 'accessKeyId'), LIMITS.name),
    sessionIssuerArn: boundOpt(issuerArn, LIMITS.arn),
    principalId: boundOpt(principalId, LIMITS.name),
    roleName: boundOpt(roleName, LIMITS.name),
    sessionName: boundOpt(sessionName, LIMITS.name),
    invokedBy: boundOpt(text(userIdentity, 'invokedBy'), LIMITS.name),
    identityCenterUserId: boundOpt(text(onBehalfOf, 'userId'), LIMITS.name),
  };
  return compact(principal);
}

/** True for the account root user. */
export function isRoot(p: Principal): boolean {
  if (p.type === 'Root') return true;
  const parsed = parseArn(p.arn);
  return parsed?.service === 'iam' && parsed.resource === 'root';
}

/**
 * One string that names the principal: its ARN when present, else the best other identifier.
 * Used for display, for `principalArn` of findings and for counting distinct principals.
 */
export function principalName(p: Principal): string {
  if (p.arn) return p.arn;
  if (p.identityCenterUserId) return `identitycenter-user/${p.identityCenterUserId}`;
  if (p.invokedBy) return p.invokedBy;
  if (p.userName) return p.userName;
  if (p.principalId) return p.principalId;
  if (p.accessKeyId) return p.accessKeyId;
  if (p.accountId) return `account/${p.accountId}`;
  return 'unknown';
}

/** A short label for tables: `alice`, `root`, `Role/session`, `ec2.amazonaws.com`. */
export function principalLabel(p: Principal): string {
  if (isRoot(p)) return 'root';
  if (p.roleName && p.sessionName) return `${p.roleName}/${p.sessionName}`;
  if (p.roleName) return p.roleName;
  if (p.userName) return p.userName;
  if (p.sessionName) return p.sessionName;
  return principalName(p);
}

/*
 * User lookup keys. An event is indexed under every key of its principal, so that a query matches
 * any of the forms a responder has at hand. Keys are case-insensitive (IAM names are).
 */
const ACCESS_KEY = /^(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{8,124}$/i;

// bounded the same way as the principal's fields, so a long ARN typed in full still matches
function arnKey(arn: string): string {
  return `arn:${bound(arn, LIMITS.arn).toLowerCase()}`;
}
function nameKey(name: string): string {
  return `name:${bound(name, LIMITS.name).toLowerCase()}`;
}
function accessKeyKey(id: string): string {
  return `akid:${bound(id, LIMITS.name).toLowerCase()}`;
}
const ROOT_KEY = 'root';

/** The lookup keys of a principal (deduplicated, bounded). */
export function principalLookupKeys(p: Principal): string[] {
  const keys = new Set<string>();
  if (isRoot(p)) keys.add(ROOT_KEY);
  if (p.arn) keys.add(arnKey(p.arn));
  if (p.sessionIssuerArn) keys.add(arnKey(p.sessionIssuerArn));
  if (p.userName) keys.add(nameKey(p.userName));
  if (p.roleName) keys.add(nameKey(p.roleName));
  if (p.sessionName) keys.add(nameKey(p.sessionName));
  if (p.identityCenterUserId) keys.add(nameKey(p.identityCenterUserId));
  if (p.invokedBy && !p.arn) keys.add(nameKey(p.invokedBy));
  // without an ARN (AWSAccount, Unknown), the principal ID is the only handle there is
  if (p.principalId && !p.arn) keys.add(nameKey(p.principalId));
  if (p.accessKeyId) keys.add(accessKeyKey(p.accessKeyId));
  return [...keys].slice(0, LIMITS.userKeys);
}

/**
 * The lookup key for what a user typed after `query user`: a full ARN, `root`, an access key ID, or
 * a name (IAM user name, role name, role session name, Identity Center user ID, service name).
 */
export function userQueryKey(who: string): string {
  const w = who.trim();
  if (w.toLowerCase() === 'root') return ROOT_KEY;
  if (w.startsWith('arn:')) return arnKey(w);
  if (ACCESS_KEY.test(w)) return accessKeyKey(w);
  return nameKey(w);
}
