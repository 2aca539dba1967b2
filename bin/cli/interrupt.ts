import { OutOfTimeError } from '../../lambda/core/errors';
import type { FileStats } from '../../lambda/core/file-stats';
import type { TimeBudget } from '../../lambda/core/time-budget';
import type { Io } from './io';

/**
 * Ctrl-C (SIGINT) and SIGTERM during a command that works through files (`ingest`, `backfill`).
 *
 * The first signal: no new file is started; the files being read are abandoned where they are,
 * without their marker (what they wrote stays, and they are read again next time: the same records
 * give the same items); the progress bar is stopped (the terminal gets its cursor and auto-wrap
 * back); the command then prints its partial summary, closes the store (the local store commits
 * what it wrote) and exits with `EXIT_INTERRUPTED`. The second signal exits at once, the terminal
 * restored; what was not committed yet is rolled back, never half kept (a marker is only ever
 * committed with or after the items it vouches for).
 */

/** The exit code of an interrupted command: 128 + SIGINT's number, as shells report Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/**
 * What a progress bar may have switched off, switched on again: the cursor (`ESC [?25h`) and the
 * terminal's auto-wrap (`ESC [?7h`; cli-progress turns it off while its bar is shown).
 */
export const RESTORE_TERMINAL = '\x1b[?25h\x1b[?7h';

/** Where the signals come from, and how the process ends at once (a test gives its own). */
export interface SignalSource {
  /** Calls `listener` on every SIGINT and SIGTERM until the returned function is called. */
  listen(listener: (signal: NodeJS.Signals) => void): () => void;
  /** Writes bytes to the terminal the progress bar was on. */
  writeTerminal(text: string): void;
  /** Ends the process now. */
  exit(code: number): void;
}

/** The process's SIGINT and SIGTERM; its stderr; `process.exit`. */
export function processSignals(): SignalSource {
  return {
    listen(listener) {
      const on = (signal: NodeJS.Signals): void => listener(signal);
      process.on('SIGINT', on);
      process.on('SIGTERM', on);
      return () => {
        process.off('SIGINT', on);
        process.off('SIGTERM', on);
      };
    },
    writeTerminal: (text) => process.stderr.write(text),
    exit: (code) => process.exit(code),
  };
}

/** Whether a command was interrupted, and what to do when it is. */
export class Interrupt {
  private received: NodeJS.Signals | undefined;
  private readonly callbacks: (() => void)[] = [];

  /**
   * The pipeline's time budget (lambda/core/time-budget.ts), unlimited until the signal and spent
   * from then on: a file not started is not, a file being read is abandoned at its next batch of
   * records or wait for the store, its buffered index items not sent, and not marked.
   */
  readonly budget: TimeBudget = {
    remainingMs: () => (this.received ? 0 : Number.MAX_SAFE_INTEGER),
    startReserveMs: 1,
    stopMarginMs: 1,
  };

  /** The signal received, if any. */
  get signal(): NodeJS.Signals | undefined {
    return this.received;
  }

  get interrupted(): boolean {
    return this.received !== undefined;
  }

  /** Runs `fn` when the signal comes (at once if it came already), e.g. to stop a progress bar. */
  onInterrupt(fn: () => void): void {
    if (this.received) fn();
    else this.callbacks.push(fn);
  }

  /** Whether a file's outcome is that of a file abandoned because of the signal. */
  abandoned(stats: Pick<FileStats, 'error'> | undefined): boolean {
    return this.interrupted && stats?.error instanceof OutOfTimeError;
  }

  /** The signal came: remembered, and the callbacks run (a failing one does not stop the others). */
  trigger(signal: NodeJS.Signals): void {
    if (this.received) return;
    this.received = signal;
    for (const fn of this.callbacks.splice(0)) {
      try {
        fn();
      } catch {
        // a bar that cannot be stopped must not keep the others from running
      }
    }
  }
}

/** How the user names a signal in messages. */
function signalName(signal: NodeJS.Signals): string {
  return signal === 'SIGINT' ? 'Ctrl-C' : signal;
}

/**
 * Runs `work` with the signals caught: the first interrupts it (`Interrupt`), the second ends the
 * process with `EXIT_INTERRUPTED` at once, after restoring the terminal. The handlers are removed
 * once `work` is over (then a signal ends the process as usual).
 */
export async function withInterrupt<T>(
  io: Io,
  work: (interrupt: Interrupt) => Promise<T>,
  source: SignalSource = processSignals(),
): Promise<T> {
  const interrupt = new Interrupt();
  const stop = source.listen((signal) => {
    if (!interrupt.interrupted) {
      interrupt.trigger(signal);
      io.err(
        `trailwatch: ${signalName(signal)}: stopping: no new file is started; files being read are left unmarked, to be read again next time (${signalName(signal)} again to quit at once)`,
      );
      return;
    }
    if (io.interactive) source.writeTerminal(RESTORE_TERMINAL);
    io.err(
      `trailwatch: ${signalName(signal)} again: quit at once; the files done so far stay done: run the same command again to go on`,
    );
    source.exit(EXIT_INTERRUPTED);
  });
  try {
    return await work(interrupt);
  } finally {
    stop();
  }
}
