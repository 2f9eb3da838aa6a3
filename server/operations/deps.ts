/**
 * What every operation handler is built from.
 */
import type { Engine } from '../../engine/engine.js';

export interface OperationDeps {
  engine: Engine;
  /** Region and account used in ARNs (DynamoDB Local uses its own; we take the configured one). */
  region: string;
  accountId: string;
}

/** The account id DynamoDB Local reports; tools that parse ARNs accept it. */
export const LOCAL_ACCOUNT_ID = '000000000000';
