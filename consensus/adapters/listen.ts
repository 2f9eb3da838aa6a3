/**
 * A free TCP port on 127.0.0.1, for tests, benchmarks and local clusters that
 * start servers of their own (the lowest layer, so every other one may use it).
 * The port is free when this returns; a race with another process is possible
 * but harmless for local use.
 */
import { createServer, type AddressInfo } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
