/**
 * What a load scenario is: a generator of distinct requests (one per call,
 * never one cached body) plus what it needs before the run, and how a
 * response is classified.
 */
export const SCENARIO_NAMES = ['put', 'get', 'mixed', 'txn', 'txn-contended', 'query'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** One request to send, before signing. */
export interface PlannedRequest {
  operation: string;
  body: string;
  /** Set on PutItem requests: the key to read back in `--check` mode once acknowledged. */
  ackKey?: string;
}

/** What a scenario's generator may use. */
export interface ScenarioContext {
  /** Unique per run, so keys written by one run never collide with another's. */
  runPrefix: string;
  /** How many items were preloaded (keys preloadKey(0..n-1)). */
  preloadedKeys: number;
  /** Uniform in [0, 1); injected so tests are deterministic. */
  random: () => number;
}

export interface Scenario {
  name: ScenarioName;
  description: string;
  /** Whether the table must hold preloaded items before the run. */
  needsPreload: boolean;
  /** The operation whose absence (UnknownOperationException) makes a target skip this scenario. */
  requiredOperation: string;
  /** Returns a generator of requests for one run. */
  generator(context: ScenarioContext): () => PlannedRequest;
}

export type ResponseClass = 'ok' | 'conflict' | 'error';

/** Transaction conflicts: expected in txn-contended, counted apart from errors. */
const CONFLICT_TYPES = ['TransactionCanceledException', 'TransactionConflictException'];

export function classifyResponse(status: number, body: string): ResponseClass {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 400 && CONFLICT_TYPES.some((type) => body.includes(type))) return 'conflict';
  return 'error';
}

/** DynamoDB's error type name from an error body (`...#Name` or `Name`). */
export function errorTypeOf(body: string): string | undefined {
  const match = /"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"/.exec(body);
  return match?.[1];
}
