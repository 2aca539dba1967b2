/** Small readers for untrusted JSON values: every field of a log record may be absent or of any type. */

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property (never one inherited through `__proto__` tricks). */
export function field(obj: unknown, key: string): unknown {
  return isObject(obj) && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A non-empty string field, trimmed; numbers are turned into strings; anything else is undefined. */
export function text(obj: unknown, key: string): string | undefined {
  const v = field(obj, key);
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? undefined : t;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** CloudTrail writes booleans as `true`, `"true"` and once even `"True"`. */
export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return undefined;
}

/** `{ [key]: value }`, or `{}` when the value is undefined: for spreading optional fields. */
export function entry<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Sets `obj[key]` when `value` is defined (cheaper than spreading `entry` on hot paths). */
export function setDefined<T extends object, K extends keyof T>(
  obj: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) obj[key] = value;
}
