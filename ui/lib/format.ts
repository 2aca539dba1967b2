import type { Principal } from './types';

/**
 * How the page names things. Principals by their most telling form (an Identity Center user's or a role
 * session's name, an IAM user's name, root, a service), the full ARN in the title and in exports.
 */

function arnResource(arn: string | undefined): string | undefined {
  if (!arn?.startsWith('arn:')) return undefined;
  return arn.split(':').slice(5).join(':');
}

export function principalLabel(p: Principal | undefined): string {
  if (!p) return 'unknown';
  const resource = arnResource(p.arn);
  if (p.type === 'Root' || resource === 'root') return 'root';
  if (p.type === 'AWSService') return p.invokedBy ?? 'AWS service';
  if (p.type === 'AssumedRole' || resource?.startsWith('assumed-role/')) {
    const [, role, session] = (resource ?? '').split('/');
    return p.sessionName ?? session ?? p.roleName ?? role ?? p.arn ?? 'assumed role';
  }
  if (p.userName) return p.userName;
  if (resource?.startsWith('user/')) return resource.split('/').pop() ?? resource;
  return p.arn || p.invokedBy || p.accessKeyId || p.type || 'unknown';
}

/** The role behind an assumed-role session (shown under its session name), else undefined. */
export function principalRole(p: Principal | undefined): string | undefined {
  if (!p) return undefined;
  const resource = arnResource(p.arn);
  if (p.type !== 'AssumedRole' && !resource?.startsWith('assumed-role/')) return undefined;
  return p.roleName ?? resource?.split('/')[1];
}

/** What `query user` takes for this principal: the full ARN when there is one. */
export function principalQuery(p: Principal | undefined): string | undefined {
  if (!p) return undefined;
  return p.arn || p.userName || p.accessKeyId || undefined;
}

/** `2024-08-01 13:24:47` (UTC) of an ISO time; the text itself when it is not one. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.000Z$|Z$/, '')
    .replace(/\.\d+$/, '');
}

/** The value of a `datetime-local` input (read as UTC) of an ISO time or a duration; '' otherwise. */
export function toInputValue(text: string | null | undefined): string {
  if (!text) return '';
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return '';
  return new Date(ms).toISOString().slice(0, 19);
}

/** The ISO time (UTC) of a `datetime-local` value; undefined when empty or not a time. */
export function fromInputValue(value: string): string | undefined {
  if (value === '') return undefined;
  const ms = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
