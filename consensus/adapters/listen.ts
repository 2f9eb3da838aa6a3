/**
 * Listening on TCP: one way to bind a server and learn its port, shared by
 * the Raft transport, the TSO server, tests, benchmarks and the load runner
 * (this is the lowest layer, so every other one may use it).
 */
import { createServer, type AddressInfo, type Server } from 'node:net';

/** Binds `server` to host:port (0 picks a free port) and resolves with the bound port. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The listener stays: a later server error then settles nothing instead of crashing the process.
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/**
 * A free TCP port on `host`, for servers started elsewhere (child processes).
 * The port is free when this returns; a race with another process is possible
 * but harmless for local use.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0, host);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
