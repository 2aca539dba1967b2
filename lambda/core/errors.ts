/**
 * Named errors of the trailwatch pipeline. Every error that reaches a user names the file (or the
 * argument) and the reason; none is swallowed.
 */

/** Base class: `source` is the file, object or argument the error is about, when known. */
export class TrailwatchError extends Error {
  public readonly source: string | undefined;

  constructor(message: string, source?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.source = source;
  }

  /** `source: message`, or the bare message when there is no source. */
  describe(): string {
    return this.source ? `${this.source}: ${this.message}` : this.message;
  }

  /**
   * The same error (same class) naming `source`, e.g. the file a store error happened for. What the
   * error named before is kept in the message (`file: table t: gave up writing …`), unless
   * `replace` says `source` is just another name for it (a path for a file:// URL).
   */
  withSource(source: string, options: { replace?: boolean } = {}): TrailwatchError {
    if (this.source === source) return this;
    const Ctor = this.constructor as new (
      message: string,
      source?: string,
      options?: { cause?: unknown },
    ) => TrailwatchError;
    const message = this.source && !options.replace ? this.describe() : this.message;
    return new Ctor(message, source, { cause: this.cause ?? this });
  }
}

/** The bytes are not gzip although they claim to be, or the gzip stream is truncated or corrupt. */
export class DecompressionError extends TrailwatchError {}

/** The file is JSON (or meant to be) but its structure cannot be read as CloudTrail records. */
export class MalformedLogFileError extends TrailwatchError {}

/** Valid JSON that is not a CloudTrail log file (no `Records` array and not a record). */
export class NotCloudTrailFileError extends TrailwatchError {}

/** An S3 key in an event notification that cannot be URL-decoded. */
export class InvalidS3KeyError extends TrailwatchError {}

/** Index items could not be written after the bounded number of attempts. */
export class StoreWriteError extends TrailwatchError {}

/** The store could not be opened or used (table missing, local store locked, endpoint down). */
export class StoreUnavailableError extends TrailwatchError {}

/** A command-line argument or option is invalid (exit code 2). */
export class UsageError extends TrailwatchError {}

/** A file or object could not be read (missing, permission denied, deleted before it was read). */
export class InputReadError extends TrailwatchError {}

/** An SQS message that is not an S3 (or CloudTrail) notification. */
export class InvalidMessageError extends TrailwatchError {}

/** A message some of whose files failed: it must be redelivered (and, in the end, dead-lettered). */
export class MessageFailedError extends TrailwatchError {}

/** Turns anything thrown into a TrailwatchError that names `source`, keeping the original as cause. */
export function asTrailwatchError(error: unknown, source?: string): TrailwatchError {
  if (error instanceof TrailwatchError) return source ? error.withSource(source) : error;
  const message = error instanceof Error ? error.message : String(error);
  return new TrailwatchError(message, source, { cause: error });
}

/**
 * The invocation is running out of time: a file was not started, or was abandoned part-way, so that
 * its message is redelivered instead of the whole invocation timing out.
 */
export class OutOfTimeError extends TrailwatchError {}

/** Messages could not be sent to a queue (`backfill --queue`). */
export class QueueSendError extends TrailwatchError {}

/** A thread the work was handed to ended before it was done (the CLI's reader threads). */
export class ThreadFailedError extends TrailwatchError {}

/** An error as plain data, to cross a thread (`postMessage` keeps no class). */
export interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly source?: string;
  readonly stack?: string;
}

/** The named classes, by name: what `errorFromData` rebuilds. */
const ERROR_CLASSES: Readonly<Record<string, typeof TrailwatchError>> = Object.fromEntries(
  [
    TrailwatchError,
    DecompressionError,
    MalformedLogFileError,
    NotCloudTrailFileError,
    InvalidS3KeyError,
    StoreWriteError,
    StoreUnavailableError,
    UsageError,
    InputReadError,
    InvalidMessageError,
    MessageFailedError,
    OutOfTimeError,
    QueueSendError,
    ThreadFailedError,
  ].map((c) => [c.name, c]),
);

/** The data of an error, for `errorFromData` on another thread. */
export function errorData(error: unknown): ErrorData {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    name: e.name,
    message: e.message,
    ...(error instanceof TrailwatchError && error.source !== undefined ? { source: error.source } : {}),
    ...(e.stack !== undefined ? { stack: e.stack } : {}),
  };
}

/**
 * The error `errorData` described, as its class (a TrailwatchError when it was another error, as
 * `asTrailwatchError` makes it; the original's name and stack are kept in the cause).
 */
export function errorFromData(data: ErrorData): TrailwatchError {
  const Ctor = Object.hasOwn(ERROR_CLASSES, data.name) ? ERROR_CLASSES[data.name] : undefined;
  const cause = Object.assign(new Error(data.message), { name: data.name, stack: data.stack });
  if (Ctor) return new Ctor(data.message, data.source, { cause });
  return new TrailwatchError(data.message, data.source, { cause });
}
