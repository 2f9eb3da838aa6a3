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
 * Ports handed out by freePort come from below Linux's default ephemeral
 * range (32768-60999): a port picked from inside it can be taken by any
 * outgoing connection in the time between the pick and the child's bind.
 */
export const FREE_PORT_MIN = 12_000;
export const FREE_PORT_MAX = 32_000;
/** Random ports tried before falling back to one the OS picks. */
const FREE_PORT_ATTEMPTS = 50;

/**
 * A free TCP port on `host`, for servers started elsewhere (child processes).
 * The port is free when this returns; a race with another process picking
 * the same random port is possible but unlikely.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < FREE_PORT_ATTEMPTS; attempt++) {
    const candidate = FREE_PORT_MIN + Math.floor(Math.random() * (FREE_PORT_MAX - FREE_PORT_MIN));
    if (await bindable(candidate, host)) return candidate;
  }
  const server = createServer();
  const port = await listen(server, 0, host);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function bindable(port: number, host: string): Promise<boolean> {
  const server = createServer();
  try {
    await listen(server, port, host);
  } catch {
    return false;
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return true;
}
