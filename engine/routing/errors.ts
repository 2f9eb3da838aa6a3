/**
 * Why a request could not be served by the node it reached. The router
 * (cluster-path.ts) retries on all of them, within its deadline; a client
 * sees InternalServerError only when the deadline passes.
 */
import { InternalError } from '../errors.js';

/** Routing failed; retrying elsewhere or later may succeed. */
export abstract class RoutingError extends InternalError {}

/** This node is not the serving leader of the range; `leader` is its hint (0: unknown). */
export class NotLeaderError extends RoutingError {
  constructor(
    readonly rangeId: number,
    readonly leader: number,
  ) {
    super(`node is not the leader of range ${rangeId}${leader === 0 ? '' : `; try node ${leader}`}`);
  }
}

/** This node has no replica of the range (yet: it may not have applied the meta change). */
export class RangeNotFoundError extends RoutingError {
  constructor(readonly rangeId: number) {
    super(`no replica of range ${rangeId} here`);
  }
}

/** No range covers the key (its table was dropped, or the catalog here is behind). */
export class NoRangeForKeyError extends RoutingError {
  constructor() {
    super('no range covers the key');
  }
}

/** The range's leader could not be reached within the routing deadline. */
export class RangeUnavailableError extends InternalError {}
