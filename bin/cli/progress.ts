import type { SingleBar } from 'cli-progress';
import type { Io } from './io';

/** cli-progress, loaded when a bar is shown: not with the CLI (docs/performance.md "Start-up"). */
function cliProgress(): typeof import('cli-progress') {
  return require('cli-progress') as typeof import('cli-progress');
}

/** A progress bar on stderr: its format (cli-progress tokens), first total and payload. */
export interface BarSpec {
  readonly format: string;
  readonly total: number;
  readonly payload: Record<string, unknown>;
  /** Updates the ETA is averaged over. @default cli-progress's */
  readonly etaBuffer?: number;
}

/**
 * The progress of a long command (ingest, backfill): a bar on stderr when `spec` is given, else
 * nothing. Messages about files are held while the bar is shown (they would tear it) and printed when
 * it stops; without a bar they are printed at once.
 */
export class Progress {
  private readonly bar: SingleBar | undefined;
  private readonly held: string[] = [];
  private stopped = false;
  /** `around` is over: nothing is held any more. */
  private over = false;

  constructor(
    private readonly io: Io,
    spec: BarSpec | undefined,
  ) {
    this.bar = spec
      ? new (cliProgress().SingleBar)(
          {
            format: spec.format,
            stream: process.stderr,
            hideCursor: true,
            ...(spec.etaBuffer !== undefined ? { etaBuffer: spec.etaBuffer } : {}),
          },
          cliProgress().Presets.shades_classic,
        )
      : undefined;
    this.bar?.start(spec?.total ?? 0, 0, spec?.payload);
  }

  /** Moves the bar to `value` (of `total`, when it changed). */
  update(value: number, payload: Record<string, unknown>, total?: number): void {
    if (!this.bar || this.stopped) return;
    if (total !== undefined) this.bar.setTotal(total);
    this.bar.update(value, payload);
  }

  /**
   * Stops the bar now (Ctrl-C: before the command says it stops): its last state stays on the
   * screen, the cursor and auto-wrap come back; the held lines wait for the end of `around`, in
   * order. Again: nothing.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar?.stop();
  }

  /** Lines for stderr: held while the bar is shown, else printed now. */
  report(lines: readonly string[]): void {
    if (this.bar && !this.over) this.held.push(...lines);
    else for (const l of lines) this.io.err(l);
  }

  /**
   * Runs `work` and stops the bar whatever happened (a stopped bar lets the process exit: its timer
   * would keep it alive); then prints the held lines.
   */
  async around<T>(work: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work();
    } finally {
      this.stop();
      this.over = true;
    }
    for (const l of this.held.splice(0)) this.io.err(l);
    return result;
  }
}

/** `n` per second over `ms`, one decimal. */
export function rate(n: number, ms: number): string {
  return ms > 0 ? (n / (ms / 1000)).toFixed(1) : '0.0';
}
