/**
 * Reads a node's /admin/nodes and /admin/ranges over HTTP (for the `status`
 * command). Each request is bounded by a timeout: a hung node must not hang
 * the operator's terminal.
 */
import type { NodeInfo, RangeStatus } from './node-status.js';
import { OPS_PATHS } from './ops-routes.js';

export const STATUS_REQUEST_TIMEOUT_MS = 5_000;

export class StatusFetchError extends Error {
  override readonly name = 'StatusFetchError';
}

async function getJson(url: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(STATUS_REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new StatusFetchError(`Cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new StatusFetchError(`${url} answered HTTP ${response.status}`);
  return response.json();
}

export async function fetchStatus(baseUrl: string): Promise<{ nodes: NodeInfo[]; ranges: RangeStatus[] }> {
  const base = baseUrl.replace(/\/+$/, '');
  const [nodes, ranges] = await Promise.all([getJson(base + OPS_PATHS.nodes), getJson(base + OPS_PATHS.ranges)]);
  const nodeList = (nodes as { nodes?: unknown }).nodes;
  const rangeList = (ranges as { ranges?: unknown }).ranges;
  if (!Array.isArray(nodeList) || !Array.isArray(rangeList)) throw new StatusFetchError(`${base} did not answer like a rangedb node`);
  return { nodes: nodeList as NodeInfo[], ranges: rangeList as RangeStatus[] };
}
