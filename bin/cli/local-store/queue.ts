import type { Op, OpResults, Outcome } from './batch';

/**
 * Collects the operations the store is asked during one turn of the event loop and hands them to
 * its executor as one batch (one transaction; with the store's thread, one message), so that the
 * pipeline's many small calls (an event item each) cost one round trip per batch. A batch is sent
 * early once it holds `maxRows` rows, so batches stay bounded; the pipeline bounds the calls in
 * flight.
 */

export interface Executor {
  /** Runs a batch; resolves with one outcome per operation, in order. */
  run(ops: readonly Op[]): Promise<Outcome[]>;
  /** Ends the executor once every batch it was given has run. */
  close(): Promise<void>;
}

interface Pending {
  readonly op: Op;
  readonly resolve: (value: never) => void;
  readonly reject: (error: unknown) => void;
}

/** Rows per batch before it is sent without waiting for the end of the turn. */
const MAX_BATCH_ROWS = 2000;

function rowsOf(op: Op): number {
  return op.kind === 'write' ? op.rows.length : 1;
}

export class OpQueue {
  private pending: Pending[] = [];
  private rows = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly executor: Executor,
    /** The error an operation's failure is thrown as. */
    private readonly toError: (failure: Extract<Outcome, { ok: false }>['error'], op: Op) => Error,
    private readonly maxRows = MAX_BATCH_ROWS,
  ) {}

  submit<K extends Op['kind']>(op: Extract<Op, { kind: K }>): Promise<OpResults[K]> {
    return new Promise<OpResults[K]>((resolve, reject) => {
      this.pending.push({ op, resolve: resolve as (value: never) => void, reject });
      this.rows += rowsOf(op);
      if (this.rows >= this.maxRows) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Sends what is pending, waits for every batch sent, and ends the executor. */
  async close(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    await this.executor.close();
  }

  private flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.rows = 0;
    const done = this.executor.run(batch.map((p) => p.op)).then(
      (outcomes) => {
        batch.forEach((p, i) => {
          const outcome = outcomes[i] as Outcome;
          if (outcome.ok) p.resolve(outcome.value as never);
          else p.reject(this.toError(outcome.error, p.op));
        });
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    );
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }
}
