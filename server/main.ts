/**
 * The command-line entry point: `npm start` runs an embedded single node on
 * port 8000 with data in ./data; with --initial-cluster (and --node-id) it
 * runs one member of a multi-node cluster instead (`npm run cluster` starts
 * three). Options come from flags, the environment or a config file (see
 * server/config.ts), printed once at start-up with secrets redacted. SIGTERM and SIGINT shut down gracefully: stop accepting, finish
 * in-flight requests, close the data dir.
 *
 * Exit codes: 0 clean shutdown, 1 failure, 2 bad configuration, 3 the data
 * dir is in use by another process or has an unknown format.
 */
import pino from 'pino';
import type { Logger } from 'pino';
import { ConfigError, HELP_TEXT, parseConfig, redactedConfig, type ServerConfig } from './config.js';
import { startEmbeddedNode, type EmbeddedNode } from './embedded-node.js';
import { startClusterNode } from './cluster/cluster-node.js';
import { DataDirLockedError } from './data-dir/lock.js';
import { UnknownDataFormatError } from './data-dir/format-stamp.js';
import { EXIT_DATA_DIR_REFUSED } from './data-dir/data-dir.js';

/** The embedded single node, or a cluster member when --initial-cluster was given. */
function startNode(config: ServerConfig, logger: Logger): Promise<Pick<EmbeddedNode, 'app' | 'close'>> {
  const options = {
    dataDir: config.dataDir,
    ...(config.backupDir !== undefined ? { backupDir: config.backupDir } : {}),
    logger,
    ...(config.slowRequestMs !== undefined ? { slowRequestMs: config.slowRequestMs } : {}),
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: [{ accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }] }
      : {}),
    ...(config.bodyLimitBytes ? { bodyLimitBytes: config.bodyLimitBytes } : {}),
  };
  const cluster = config.cluster;
  if (cluster === undefined) return startEmbeddedNode(options);
  return startClusterNode({
    ...options,
    nodeId: cluster.nodeId,
    members: cluster.members,
    ...(cluster.peer !== undefined ? { peerListen: cluster.peer } : {}),
    ...(cluster.rangesPerNode !== undefined ? { rangesPerNode: cluster.rangesPerNode } : {}),
  });
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n\n${HELP_TEXT}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (config.help) {
    process.stdout.write(`${HELP_TEXT}\n`);
    return;
  }
  const logger = pino({ level: config.logLevel });
  logger.info({ config: redactedConfig(config) }, 'starting');
  let node;
  try {
    node = await startNode(config, logger);
  } catch (error) {
    if (error instanceof DataDirLockedError || error instanceof UnknownDataFormatError) {
      process.stderr.write(`rangedb: ${error.message}\n`);
      process.exit(EXIT_DATA_DIR_REFUSED);
    }
    throw error;
  }
  const address = await node.app.listen({ port: config.port, host: config.host });
  logger.info(
    { address, dataDir: config.dataDir, ...(config.cluster !== undefined ? { nodeId: config.cluster.nodeId } : {}) },
    'serving the DynamoDB API',
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    // Ctrl-C under `npm run cluster` reaches a node twice: from the terminal and from the launcher.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    node.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
