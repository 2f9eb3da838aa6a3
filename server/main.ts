/**
 * The command-line entry point: `npm start` runs an embedded single node on
 * port 8000 with data in ./data. Options come from flags or the environment
 * (see server/config.ts); SIGTERM and SIGINT shut down gracefully: stop
 * accepting, finish in-flight requests, close the data dir.
 */
import pino from 'pino';
import { ConfigError, HELP_TEXT, parseConfig } from './config.js';
import { startEmbeddedNode } from './embedded-node.js';

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
  logger.info({ config: { ...config, secretAccessKey: config.secretAccessKey ? '[redacted]' : undefined } }, 'starting');
  const node = await startEmbeddedNode({
    dataDir: config.dataDir,
    logger,
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: [{ accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }] }
      : {}),
    ...(config.bodyLimitBytes ? { bodyLimitBytes: config.bodyLimitBytes } : {}),
  });
  const address = await node.app.listen({ port: config.port, host: config.host });
  logger.info({ address, dataDir: config.dataDir }, 'serving the DynamoDB API');

  const shutdown = (signal: string) => {
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
