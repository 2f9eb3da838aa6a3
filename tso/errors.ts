/**
 * The errors a TSO caller can see. Each is a class with a stable `code`, so
 * the wire protocol and the client can tell "ask someone else" (NotLeader)
 * from "ask again later" (Unavailable) from "give up" (Deadline, Overloaded).
 */
export type TsoErrorCode = 'NotLeader' | 'Unavailable' | 'Deadline' | 'Overloaded' | 'Closed' | 'Invalid';

export abstract class TsoError extends Error {
  abstract readonly code: TsoErrorCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** This replica does not lead the TSO group; `leader` is the one it knows of (0 if none). */
export class TsoNotLeaderError extends TsoError {
  readonly code = 'NotLeader' as const;
  constructor(readonly leader: number) {
    super(leader === 0 ? 'not the TSO leader; no leader known' : `not the TSO leader; leader is ${leader}`);
  }
}

/** The leader cannot serve yet or just now (electing, applying the old term, renewing, lease not held). */
export class TsoUnavailableError extends TsoError {
  readonly code = 'Unavailable' as const;
}

/** The replica could not be reached (connect failed, connection lost, no answer in time): try another. */
export class TsoUnreachableError extends TsoUnavailableError {}

/** A caller's deadline passed before it got a timestamp. */
export class TsoDeadlineError extends TsoError {
  readonly code = 'Deadline' as const;
}

/** More callers are queued than the client allows. */
export class TsoOverloadedError extends TsoError {
  readonly code = 'Overloaded' as const;
}

/** The client, server or group was closed. */
export class TsoClosedError extends TsoError {
  readonly code = 'Closed' as const;
}

/** The request itself is wrong (e.g. a count outside [1, maxBatch]); retrying cannot help. */
export class TsoInvalidRequestError extends TsoError {
  readonly code = 'Invalid' as const;
}
