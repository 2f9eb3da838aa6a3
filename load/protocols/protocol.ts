/**
 * What the comparison needs from a target's protocol (the DynamoDB JSON API
 * or etcd's JSON gateway): getting it ready for a scenario, the requests of
 * one run spread over its endpoints, how an answer is classified, and how
 * acknowledged writes are read back (--check).
 */
import type { Target } from '../peers/targets.js';
import type { ResponseClass, ScenarioContext, ScenarioName } from '../scenarios/scenario.js';
import type { CheckResult } from '../table-setup.js';

/** One request as autocannon sends it. */
export interface OutgoingRequest {
  /** `/` unless said otherwise. */
  path?: string;
  headers: Record<string, string>;
  body: string;
  /** A write whose key --check reads back once acknowledged. */
  ackKey?: string;
}

export interface Classified {
  outcome: ResponseClass;
  /** For the report when not ok: `<status> <error type>`. */
  type: string;
}

export interface RequestCost {
  /** Requests signed (SigV4) for this run, and the time it took. */
  signed: number;
  signingMs: number;
  /** Of those, signed inside the measured window (load-generator CPU). */
  signedDuringRun: number;
  /** Requests sent twice because signing fell behind. */
  reused: number;
}

/** The requests of one run. */
export interface RunRequests {
  /** The next request for a connection to `host` (`hostname:port`, as autocannon names it); never waits. */
  take(host: string): OutgoingRequest;
  /** Stops any background work; what the requests cost. */
  finish(): RequestCost;
}

export interface RunRequestsSpec {
  scenario: ScenarioName;
  context: ScenarioContext;
  target: Target;
  /** Requests the run is expected to send (to prepare ahead, outside the measured window). */
  expected: number;
  label: string;
}

export interface LoadProtocol {
  /** Makes the target ready for the scenario (table, preloaded keys); a reason when it cannot run it. */
  prepare(scenario: ScenarioName, target: Target, preloadKeys: number, preloaded: Set<string>): Promise<string | undefined>;
  open(spec: RunRequestsSpec): Promise<RunRequests>;
  classify(status: number, body: string): Classified;
  check(target: Target, keys: readonly string[], label: string): Promise<CheckResult>;
}

/** `hostname:port` of an endpoint URL: what autocannon puts in `request.host`. */
export function hostOf(endpoint: string): string {
  return new URL(endpoint).host;
}
