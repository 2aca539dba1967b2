import type { JsonObject } from '../../../../lambda/core/json';
import type { TrailStore } from '../../../../lambda/core/store-port';
import type { Review, ReviewInput } from '../../reviews';

/**
 * One route of the API of `trailwatch ui`: its method, its path (`/api/instance/:id`: a segment
 * starting with `:` is a parameter, given decoded, in order) and its handler. A route group is a file
 * of this folder exporting its routes; `./index.ts` lists them.
 */
export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  handle(ctx: ApiContext, req: ApiRequest): Promise<ApiAnswer>;
}

export interface ApiRequest {
  /** The path parameters, decoded, in the order of the path. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** The JSON body of a POST. */
  readonly body?: unknown;
}

/** The status and the JSON body. A handler throws `UsageError` for a bad parameter (400). */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** What the handlers are given: the store and what the server knows of the run. */
export interface ApiContext {
  readonly store: TrailStore;
  /** The store as messages name it (`local store /path`, `table NAME`). */
  readonly description: string;
  /** `--table`: reviews are not written. */
  readonly readOnly: boolean;
  readonly version: string;
  readonly now: () => number;
  /** The full record of an event from its log file (`trailwatch event`'s), or why not. */
  readonly loadRecord: (source: string | undefined, eventID: string) => Promise<LoadedRecord>;
  /** Records a review (the reviewer is the server's). */
  readonly review: (input: ReviewInput) => Promise<Review | null>;
}

export interface LoadedRecord {
  readonly record?: JsonObject;
  readonly problem?: string;
}

export const ok = (body: unknown): ApiAnswer => ({ status: 200, body });
export const fail = (status: number, error: string): ApiAnswer => ({ status, body: { error } });
