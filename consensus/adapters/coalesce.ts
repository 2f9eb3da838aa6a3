/**
 * Write coalescing for the node-to-node sockets (Raft transport, node RPC):
 * every frame written to one socket within one turn of the event loop leaves
 * in ONE system call. The first write of a turn corks the socket; the check
 * phase (setImmediate, after the turn's I/O callbacks) uncorks it, so the
 * frames of many requests handled in one poll phase travel together. Under
 * load this turns a write per forwarded request (and per answer) into a write
 * per turn; idle, it delays a frame by one loop turn (microseconds).
 */
import type { Socket } from 'node:net';

const corked = new WeakSet<Socket>();

/** `socket.write(data)`, coalesced (see the module comment); answers what write answers. */
export function writeCoalesced(socket: Socket, data: Uint8Array): boolean {
  if (!corked.has(socket)) {
    corked.add(socket);
    socket.cork();
    setImmediate(() => {
      corked.delete(socket);
      socket.uncork();
    });
  }
  return socket.write(data);
}
