import { OutOfTimeError, UsageError } from './errors';
import { parseWholeNumber } from './settings';

/**
 * The time an invocation has left, and how much of it to keep back. A Lambda that times out loses
 * the whole batch (every message comes back, finished or not) and its logs and metrics; stopping
 * early instead fails only the unfinished messages, which SQS redelivers. Writes are idempotent, so
 * a file abandoned part-way and read again later gives the same table.
 */
export interface TimeBudget {
  /** Milliseconds left before the invocation is cut off. */
  remainingMs(): number;
  /** A file is not started with less than this left. */
  readonly startReserveMs: number;
  /** A file in progress is abandoned with less than this left. */
  readonly stopMarginMs: number;
}

export const TIME_BUDGET_ENV = {
  startReserveSeconds: 'TRAILWATCH_START_RESERVE_SECONDS',
  stopMarginSeconds: 'TRAILWATCH_STOP_MARGIN_SECONDS',
} as const;

/** Defaults for a 5-minute function: a large file takes tens of seconds to write. */
export const DEFAULT_START_RESERVE_SECONDS = 60;
export const DEFAULT_STOP_MARGIN_SECONDS = 15;

/**
 * The budget of an invocation from its remaining-time clock (read now, at its start) and the
 * environment. The reserve is at most half the invocation's time and the margin a quarter.
 * @throws UsageError naming the variable when a setting is invalid
 */
export function timeBudgetFromEnv(
  remainingMs: () => number,
  env: Readonly<Record<string, string | undefined>>,
): TimeBudget {
  const seconds = (name: string, fallback: number): number => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? fallback : parseWholeNumber(v, name, 0, 900);
  };
  const reserve = seconds(TIME_BUDGET_ENV.startReserveSeconds, DEFAULT_START_RESERVE_SECONDS);
  const margin = seconds(TIME_BUDGET_ENV.stopMarginSeconds, DEFAULT_STOP_MARGIN_SECONDS);
  if (margin > reserve)
    throw new UsageError(
      `must not exceed ${TIME_BUDGET_ENV.startReserveSeconds} (${reserve}), got ${margin}`,
      TIME_BUDGET_ENV.stopMarginSeconds,
    );
  // never keep back so much that nothing starts (a function configured with a short timeout)
  const initial = remainingMs();
  return {
    remainingMs,
    startReserveMs: Math.min(reserve * 1000, initial / 2),
    stopMarginMs: Math.min(margin * 1000, initial / 4),
  };
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** @throws OutOfTimeError when less than the start reserve is left */
export function checkCanStart(budget: TimeBudget | undefined, source: string): void {
  if (!budget) return;
  const left = budget.remainingMs();
  if (left < budget.startReserveMs)
    throw new OutOfTimeError(
      `not started: ${seconds(left)} of the invocation left, less than the ${seconds(budget.startReserveMs)} kept in reserve; the message will be redelivered`,
      source,
    );
}

/** @throws OutOfTimeError when less than the stop margin is left */
export function checkCanContinue(budget: TimeBudget | undefined, source: string): void {
  if (!budget) return;
  const left = budget.remainingMs();
  if (left < budget.stopMarginMs)
    throw new OutOfTimeError(
      `stopped part-way: ${seconds(left)} of the invocation left; the message will be redelivered (writes are idempotent)`,
      source,
    );
}
