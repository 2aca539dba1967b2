/**
 * The JSON answers of `trailwatch ui`'s API (docs/ui.md). Lines are the CLI's `--json` lines of the same
 * data (CONTRACT: "carry at least"), so every type keeps unknown keys: the page shows and exports them.
 */

export interface Principal {
  readonly type?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly userName?: string;
  readonly accessKeyId?: string;
  readonly sessionIssuerArn?: string;
  readonly roleName?: string;
  readonly sessionName?: string;
  readonly invokedBy?: string;
  readonly [key: string]: unknown;
}

export interface EventLine {
  readonly eventID: string;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion?: string;
  readonly accountId?: string;
  readonly readOnly?: boolean;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly instanceIds?: readonly string[];
  readonly resourceIds?: readonly string[];
  readonly principal?: Principal;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly ssh?: {
    readonly osUser?: string;
    readonly fingerprint?: string;
    readonly keyType?: string;
    readonly keyBits?: number;
  };
  readonly access?: { readonly method: string; readonly detail?: string };
  readonly findings?: readonly string[];
  readonly [key: string]: unknown;
}

export interface AccessLine {
  readonly method: string;
  readonly eventID: string;
  readonly eventTime: string;
  readonly instanceId: string;
  readonly principal?: Principal;
  readonly sourceIPAddress?: string;
  readonly outcome: string;
  readonly detail?: string | null;
  readonly sessionEnd?: string | null;
  readonly eventName?: string;
  readonly [key: string]: unknown;
}

export interface Review {
  readonly note: string;
  readonly by: string;
  readonly at: string;
}

export type Severity = 'low' | 'medium' | 'high';

export interface FindingLine {
  readonly rule: string;
  readonly severity: Severity;
  readonly attack: string | null;
  readonly eventID: string;
  readonly eventTime: string;
  readonly instanceId: string | null;
  readonly principalArn: string | null;
  readonly fingerprint: string | null;
  readonly detail: string | null;
  readonly eventName?: string;
  readonly review?: Review | null;
  readonly [key: string]: unknown;
}

export interface Related {
  readonly volumes: readonly string[];
  readonly securityGroups: readonly string[];
  readonly networkInterfaces: readonly string[];
  readonly keyPairs: readonly string[];
  readonly other: readonly string[];
}

export interface InstanceAnswer {
  readonly instanceId: string;
  readonly events: readonly EventLine[];
  readonly access: readonly AccessLine[];
  readonly findings: readonly FindingLine[];
  readonly related: Related;
  readonly more: boolean;
  /** Bounds the access paths reached (what `access` prints on stderr). */
  readonly notes?: readonly string[];
}

export type LookupKind = 'user' | 'key' | 'keypair' | 'ip' | 'resource';

export interface LookupAnswer {
  readonly kind: LookupKind;
  readonly value: string;
  readonly events: readonly EventLine[];
  readonly more: boolean;
}

export interface FindingsAnswer {
  readonly findings: readonly FindingLine[];
  readonly more: boolean;
}

export interface EventAnswer {
  readonly event: EventLine;
  readonly record: Record<string, unknown> | null;
  readonly findings: readonly FindingLine[];
  readonly conflicts: readonly Record<string, unknown>[];
  /** Why `record` is null (its log file is gone, unreadable, ...). */
  readonly recordProblem?: string | null;
  readonly [key: string]: unknown;
}

export type MatchKind = 'instance' | LookupKind | 'event';

export interface SearchMatch {
  readonly kind: MatchKind;
  readonly value: string;
  readonly count: number | null;
  readonly href?: string;
}

export interface SearchAnswer {
  readonly query: string;
  readonly matches: readonly SearchMatch[];
}

export interface Meta {
  readonly store: string;
  readonly readOnly: boolean;
  readonly version: string;
}
