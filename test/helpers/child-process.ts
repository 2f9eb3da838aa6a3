/**
 * A Node script in a child process, for tests that run servers and cluster
 * members as real processes: spawn it (plain `node`, without tap's loaders,
 * which make each start slower on a loaded machine), capture its output
 * for error messages, wait until it serves or exits, and stop it with a
 * signal. Every multi-process test goes through this one helper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait-for.js';

/** Output kept for error messages: the last this many characters. */
export const OUTPUT_LIMIT_CHARS = 256 * 1024;
/** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
export const STOP_TIMEOUT_MS = 10_000;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface NodeChildOptions {
  /** Open the IPC channel (`process.send` in the child, `send()` and 'message' here). */
  ipc?: boolean;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
}

export class ChildExitedError extends Error {
  override readonly name = 'ChildExitedError';
}

export class NodeChild {
  readonly process: ChildProcess;
  /** Settles once the process has exited and its output is read. */
  readonly exited: Promise<ExitStatus>;
  private captured = '';

  constructor(
    readonly script: string,
    readonly args: readonly string[],
    options: NodeChildOptions = {},
  ) {
    this.process = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc === true ? (['ipc'] as const) : [])],
      env: childEnv(options.env),
    });
    this.process.stdout?.on('data', (chunk: Buffer) => this.capture(chunk));
    this.process.stderr?.on('data', (chunk: Buffer) => this.capture(chunk));
    this.exited = new Promise((resolve) => {
      // Spawn failures, and sends on a closed IPC channel (a test asking a killed member): never a crash.
      this.process.on('error', (error) => {
        this.capture(Buffer.from(`child process error: ${error.message}\n`));
        if (this.process.pid === undefined) resolve({ code: null, signal: null });
      });
      this.process.once('close', (code, signal) => resolve({ code, signal }));
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** What the child wrote to stdout and stderr (the tail, past OUTPUT_LIMIT_CHARS). */
  output(): string {
    return this.captured;
  }

  /** Sends `signal` (if still running) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitStatus> {
    if (this.running) this.process.kill(signal);
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<ExitStatus> {
    if (this.running) this.process.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    return first ?? this.kill('SIGKILL');
  }

  /**
   * Polls `probe` until it yields a value; fails at once, with the child's
   * output, if the child exits first, and after `limitMs` otherwise.
   */
  /** Polls `probe` until it yields a value; `what` may be a function (read when it fails, for a current reason). */
  async waitUntil<T>(describe: string | (() => string), probe: () => Promise<T | undefined>, limitMs: number, pollMs: number): Promise<T> {
    const what = typeof describe === 'string' ? describe : 'the condition';
    try {
      const probeWhileRunning = async () => {
        if (!this.running) throw new ChildExitedError(what); // replaced below by the message with the output
        return probe();
      };
      return await waitFor(what, probeWhileRunning, limitMs, pollMs);
    } catch (error) {
      const now = typeof describe === 'string' ? describe : describe();
      if (!this.running) throw this.failure(`exited (${describeExit(await this.exited)}) before ${now}`);
      const message = error instanceof Error ? error.message : String(error);
      throw this.failure(message.startsWith('timed out waiting for') ? `timed out waiting for ${now}` : message);
    }
  }

  /** `promise`, unless the child exits first or `limitMs` pass: then an error with the child's output. */
  async before<T>(what: string, promise: Promise<T>, limitMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(this.failure(`timed out waiting for ${what}`)), limitMs);
      void this.exited.then((status) => reject(this.failure(`exited (${describeExit(status)}) before ${what}`)));
    });
    try {
      return await Promise.race([promise, failed]);
    } finally {
      clearTimeout(timer);
    }
  }

  private failure(message: string): ChildExitedError | Error {
    const text = `${this.script.split('/').slice(-2).join('/')} (pid ${this.pid}): ${message}; its output:\n${this.output()}`;
    return this.running ? new Error(text) : new ChildExitedError(text);
  }

  private capture(chunk: Buffer): void {
    this.captured += chunk.toString();
    if (this.captured.length > OUTPUT_LIMIT_CHARS) this.captured = this.captured.slice(-OUTPUT_LIMIT_CHARS);
  }
}

/**
 * This process's environment without NODE_OPTIONS, where tap puts its
 * process-info loader (it adds most of a second to every start), plus `extra`.
 */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _tapLoaders, ...env } = process.env;
  return { ...env, ...extra };
}

export function describeExit({ code, signal }: ExitStatus): string {
  return signal !== null ? `signal ${signal}` : `code ${code}`;
}
