/**
 * A stored key that does not decode: keys are only ever produced by our
 * encoder, so this is corruption or a bug of ours, never a client mistake.
 */
import { InternalError } from '../errors.js';

export class MalformedKeyError extends InternalError {
  constructor(reason: string) {
    super(`Malformed encoded key: ${reason}`);
  }
}
