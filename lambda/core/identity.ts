import { field, isObject, type Mutable, setDefined, text } from './json';
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

/**
 * A small cache for what is derived from ARNs: a log file names the same few principals over and
 * over, and every event needs its principal's ARN taken apart several times.
 */
function memo<T>(compute: (arn: string) => T): (arn: string | undefined) => T | undefined {
  const cache = new Map<string, T>();
  return (arn) => {
    if (arn === undefined) return undefined;
    let value = cache.get(arn);
    if (value === undefined && !cache.has(arn)) {
      if (cache.size >= 1024) cache.clear();
      value = compute(arn);
      cache.set(arn, value);
    }
    return value;
  };
}

const parseArn = memo((arn: string): ParsedArn | undefined => {
  if (!arn.startsWith('arn:')) return undefined;
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return Object.freeze({
    partition: parts[1] ?? '',
    service: parts[2] ?? '',
    account: parts[4] ?? '',
    resource: parts.slice(5).join(':'),
  });
});

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

/** What a principal's ARN says by itself: account, and user, role or session names. */
type ArnNames = Pick<Principal, 'accountId' | 'userName' | 'roleName' | 'sessionName'>;

function namesFromArn(arn: string | undefined): ArnNames {
  return cachedNamesFromArn(arn) ?? {};
}

const cachedNamesFromArn = memo((arn: string): ArnNames => Object.freeze(computeNamesFromArn(arn)));

function computeNamesFromArn(arn: string): ArnNames {
  const parsed = parseArn(arn);
  if (!parsed) return {};
  const out: { accountId?: string; userName?: string; roleName?: string; sessionName?: string } = {};
  if (parsed.account) out.accountId = bound(parsed.account, LIMITS.accountId);
  const user = parsed.resource.startsWith('user/') || parsed.resource.startsWith('federated-user/');
  if (user) out.userName = boundOpt(lastSegment(parsed.resource), LIMITS.name);
  if (parsed.service === 'sts' && parsed.resource.startsWith('assumed-role/')) {
    const { role, session } = assumedRoleParts(parsed.resource);
    out.roleName = boundOpt(role, LIMITS.name);
    out.sessionName = boundOpt(session, LIMITS.name);
  }
  return compact(out);
}

const ARN_NAMES = ['accountId', 'userName', 'roleName', 'sessionName'] as const;
const ARN_NAME_SET: ReadonlySet<string> = new Set(ARN_NAMES);

/** A stored principal's role ID, when its principal ID is `<role ID>:<the ARN's session>`. */
const ROLE_ID = 'principalRoleId';

/** Stands for "the role of the session ARN, without a path" in a stored `sessionIssuerArn`. */
export const SAME_ROLE = '=';

/** `arn:<partition>:iam::<account>:role/<role>` of an assumed-role session ARN. */
function roleArnOf(arn: string | undefined): string | undefined {
  const parsed = parseArn(arn);
  if (parsed?.service !== 'sts') return undefined;
  const { role } = assumedRoleParts(parsed.resource);
  return role ? `arn:${parsed.partition}:iam::${parsed.account}:role/${role}` : undefined;
}

/**
 * The principal as stored in items: without what its ARN already says (account, user, role and
 * session names; a session issuer that is the ARN's role without a path is stored as `=`, a principal
 * ID `<role ID>:<the ARN's session>` as `principalRoleId: <role ID>`). These
 * are a good part of every item's size. `expandPrincipal` puts them back:
 * `expandPrincipal(compactPrincipal(p))` equals `p` for every principal `extractPrincipal` returns.
 */
export function compactPrincipal(p: Principal): Principal {
  const derived = namesFromArn(p.arn);
  // copied key by key, skipping what is derived (no `delete`: this runs for every indexed event)
  const out: Record<string, unknown> = {};
  for (const k in p) {
    const v = p[k as keyof Principal];
    if (v === undefined || (ARN_NAME_SET.has(k) && v === derived[k as keyof ArnNames])) continue;
    out[k] = v;
  }
  if (p.sessionIssuerArn !== undefined && p.sessionIssuerArn === roleArnOf(p.arn))
    out.sessionIssuerArn = SAME_ROLE;
  // `AROA…:<session>` whose session is the ARN's: the role's unique ID alone, under its own name
  const session = derived.sessionName;
  if (session !== undefined && p.principalId?.endsWith(`:${session}`)) {
    out[ROLE_ID] = p.principalId.slice(0, -session.length - 1);
    delete out.principalId;
  }
  return out as Principal;
}

export function expandPrincipal(p: Principal): Principal {
  const derived = namesFromArn(p.arn);
  const out: Record<string, unknown> = { ...p };
  for (const k of ARN_NAMES) if (out[k] === undefined && derived[k] !== undefined) out[k] = derived[k];
  const roleId = out[ROLE_ID];
  if (typeof roleId === 'string' && derived.sessionName !== undefined) {
    out.principalId = `${roleId}:${derived.sessionName}`;
    delete out[ROLE_ID];
  }
  if (p.sessionIssuerArn === SAME_ROLE) {
    const role = roleArnOf(p.arn);
    if (role) out.sessionIssuerArn = role;
    else delete out.sessionIssuerArn;
  }
  return out as Principal;
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
  // whatever the ARN says and the record did not, whatever the type (so compact/expand round-trip)
  const boundedArn = boundOpt(arn, LIMITS.arn);
  const fromArn = namesFromArn(boundedArn);
  const principal: Mutable<Principal> = {};
  setDefined(principal, 'type', boundOpt(type, LIMITS.name));
  setDefined(principal, 'arn', boundedArn);
  setDefined(
    principal,
    'accountId',
    boundOpt(text(userIdentity, 'accountId') ?? (parsed?.account || undefined), LIMITS.accountId) ??
      fromArn.accountId,
  );
  setDefined(principal, 'userName', boundOpt(userName, LIMITS.name) ?? fromArn.userName);
  setDefined(principal, 'accessKeyId', boundOpt(text(userIdentity, 'accessKeyId'), LIMITS.name));
  // an issuer that is not an ARN is junk (and `=` has a meaning in stored items)
  if (issuerArn?.startsWith('arn:')) principal.sessionIssuerArn = bound(issuerArn, LIMITS.arn);
  setDefined(principal, 'principalId', boundOpt(principalId, LIMITS.name));
  setDefined(principal, 'roleName', boundOpt(roleName, LIMITS.name) ?? fromArn.roleName);
  setDefined(principal, 'sessionName', boundOpt(sessionName, LIMITS.name) ?? fromArn.sessionName);
  setDefined(principal, 'invokedBy', boundOpt(text(userIdentity, 'invokedBy'), LIMITS.name));
  setDefined(principal, 'identityCenterUserId', boundOpt(text(onBehalfOf, 'userId'), LIMITS.name));
  return principal;
}

const INSTANCE_SESSION = /^i-(?:[0-9a-f]{17}|[0-9a-f]{8})$/i;

/** The session name of an instance's own role credentials, memoised by ARN (called for every record). */
const sessionInstanceOf = memo((arn: string): string | null => {
  if (arn.length > LIMITS.arn) return null; // a principal's ARN is bounded: an over-long one never matches
  const parsed = parseArn(arn);
  if (parsed?.service !== 'sts') return null;
  const { role, session } = assumedRoleParts(parsed.resource);
  return role && session && INSTANCE_SESSION.test(session) ? session.toLowerCase() : null;
});

/**
 * The instance whose own role credentials made the call, in lower case: an `AssumedRole` principal
 * whose ARN is `arn:<partition>:sts::<account>:assumed-role/<role>/<session>` with `<session>` exactly
 * an instance ID (EC2 names the session of an instance profile's credentials so). Not a session
 * named `i-1234abcd-admin`, not an IAM user or a role named like an instance, not another type.
 */
export function instanceOfSession(p: { readonly type?: string; readonly arn?: string }): string | undefined {
  if (p.type !== 'AssumedRole') return undefined;
  return sessionInstanceOf(p.arn) ?? undefined;
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

/** The path IAM Identity Center gives the roles it makes for permission sets. */
const IDENTITY_CENTER_PATH = ':role/aws-reserved/sso.amazonaws.com/';
/** `AWSReservedSSO_<permission set>_<16 hex digits>`: the role of a permission set. */
const IDENTITY_CENTER_ROLE = /^AWSReservedSSO_(.+)_[0-9a-f]{16}$/;

/**
 * The permission set an IAM Identity Center role is for (`AdministratorAccess` of
 * `AWSReservedSSO_AdministratorAccess_0123456789abcdef`), else undefined. A role whose session issuer
 * is not under Identity Center's path `aws-reserved/sso.amazonaws.com/` is not one, whatever its name.
 */
export function permissionSetOf(p: Pick<Principal, 'roleName' | 'sessionIssuerArn'>): string | undefined {
  if (p.sessionIssuerArn !== undefined && !p.sessionIssuerArn.includes(IDENTITY_CENTER_PATH))
    return undefined;
  return p.roleName ? IDENTITY_CENTER_ROLE.exec(p.roleName)?.[1] : undefined;
}

/**
 * A session name an SDK or the AWS CLI made up (`aws-go-sdk-1688990966084647983`,
 * `botocore-session-1722511821`), or digits alone: it tells less than the role.
 */
const GENERATED_SESSION =
  /^(?:(?:aws-go-sdk|botocore-session|aws-sdk-[a-z]+(?:-session)?|aws-dotnet-sdk-session)-)?\d+$/i;

/**
 * The forms of a principal in tables, the most complete first, each shorter than the one before
 * (a narrow column takes the first that fits; `--wide` and JSON show `principalName`, the ARN):
 * - an assumed role's session: `<session> (<role>)`, the session name first (for IAM Identity Center,
 *   the user's name, often an e-mail): `alice@example.com (AWSReservedSSO_AdministratorAccess_0123456789abcdef)`,
 *   then, for an Identity Center role, `alice@example.com (AdministratorAccess)` (the permission set),
 *   then `alice@example.com`; an instance's own credentials: `i-0123456789abcdef0 (<role>)`; a
 *   session name an SDK made up (`aws-go-sdk-<digits>`) gives way to the role: `<role>`;
 * - `root`; an IAM or federated user: the user name; a role without a session: the role name;
 * - otherwise `principalName`: an AWS service (`ec2.amazonaws.com`), an Identity Center user
 *   (`identitycenter-user/<ID>`), a principal ID, an access key ID, `account/<ID>`.
 * Works on a principal with its ARN only (a finding's `principalArn`): the names come from the ARN.
 */
export function principalLabels(p: Principal): string[] {
  if (isRoot(p)) return ['root'];
  const fromArn = namesFromArn(p.arn);
  const role = p.roleName ?? fromArn.roleName;
  const session = p.sessionName ?? fromArn.sessionName;
  if (role && session) {
    const permissionSet = permissionSetOf({ ...p, roleName: role });
    if (GENERATED_SESSION.test(session)) return [`${session} (${role})`, role];
    return [`${session} (${role})`, ...(permissionSet ? [`${session} (${permissionSet})`] : []), session];
  }
  const name = role ?? p.userName ?? fromArn.userName ?? session;
  return [name ?? principalName(p)];
}

/** The most complete label of a principal for tables (`principalLabels`). */
export function principalLabel(p: Principal): string {
  return principalLabels(p)[0] ?? principalName(p);
}

/** The labels of a finding's `principalArn` (an ARN, or the other identifier `principalName` gave). */
export function principalLabelsOf(name: string): string[] {
  return name.startsWith('arn:') ? principalLabels({ arn: name }) : [name];
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
