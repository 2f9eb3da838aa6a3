/**
 * One member of a multi-process TSO group, seen from the test: start it as
 * a process (tso-node-process.ts), ask its status over IPC, kill it.
 */
import { NodeChild } from '../../helpers/child-process.js';
import { fileURLToPath } from 'node:url';
import type { TsoNodeOptions, TsoNodeRequest, TsoNodeStatus } from './tso-node-process.js';

const NODE_SCRIPT = fileURLToPath(new URL('./tso-node-process.js', import.meta.url));
export const MEMBER_START_LIMIT_MS = 20_000;
/** A member that does not answer a status request within this is reported as down. */
export const STATUS_TIMEOUT_MS = 2_000;

export class TsoMember {
  child: NodeChild | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (status: TsoNodeStatus) => void>();

  constructor(
    readonly id: number,
    private readonly dir: string,
    private readonly members: string,
  ) {}

  async start(options: TsoNodeOptions = {}): Promise<void> {
    const child = new NodeChild(NODE_SCRIPT, [String(this.id), this.dir, this.members, JSON.stringify(options)], { ipc: true });
    this.child = child;
    const ready = new Promise<void>((resolve) => {
      child.process.on('message', (raw) => {
        const reply = raw as { id: number; ready?: boolean; status?: TsoNodeStatus };
        if (reply.ready === true) resolve();
        if (reply.status !== undefined) this.waiting.get(reply.id)?.(reply.status);
        this.waiting.delete(reply.id);
      });
    });
    await child.before(`node ${this.id} to start`, ready, MEMBER_START_LIMIT_MS);
  }

  /** Its status (after asking it to hand leadership to `transferTo`, if given); undefined if down or silent. */
  status(transferTo?: number): Promise<TsoNodeStatus | undefined> {
    const child = this.child;
    if (child === undefined) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), STATUS_TIMEOUT_MS);
      this.waiting.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      const req: TsoNodeRequest = transferTo === undefined ? { id } : { id, transferTo };
      child.process.send(req);
    });
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await child?.kill('SIGKILL');
  }
}
