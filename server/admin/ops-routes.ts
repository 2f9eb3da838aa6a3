/**
 * The operational HTTP endpoints, added to the DynamoDB app:
 *   GET /health         the process is up (always 200 while it can answer)
 *   GET /ready          the node can serve requests (200, else 503 with a reason)
 *   GET /metrics        Prometheus text
 *   GET /admin/ranges   every range with its span, replicas, leader, applied, size
 *   GET /admin/nodes    the nodes, their addresses, versions, uptimes and roles
 * They are unsigned (load balancers and Prometheus do not sign) and cheap: none
 * waits behind the DynamoDB request path. Only GET is routed here; any other
 * method on these paths reaches the DynamoDB handler as before, and GET on every
 * other path still answers DynamoDB's health line.
 */
import type { FastifyInstance } from 'fastify';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { NodeStatusSource } from './node-status.js';

export const OPS_PATHS = { health: '/health', ready: '/ready', metrics: '/metrics', ranges: '/admin/ranges', nodes: '/admin/nodes' } as const;

export function registerOpsRoutes(app: FastifyInstance, status: NodeStatusSource, metrics: NodeMetrics): void {
  app.get(OPS_PATHS.health, async (_request, reply) => reply.code(200).send({ status: 'ok' }));
  app.get(OPS_PATHS.ready, async (_request, reply) => {
    const readiness = await status.readiness();
    return reply.code(readiness.ready ? 200 : 503).send(readiness.ready ? { status: 'ready' } : { status: 'not ready', reason: readiness.reason });
  });
  app.get(OPS_PATHS.metrics, async (_request, reply) => reply.code(200).header('content-type', metrics.contentType).send(await metrics.scrape()));
  app.get(OPS_PATHS.ranges, async (_request, reply) => reply.code(200).send({ ranges: await status.ranges() }));
  app.get(OPS_PATHS.nodes, async (_request, reply) => reply.code(200).send({ nodes: await status.nodes() }));
}
