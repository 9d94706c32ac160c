// The main thread's side of the load generator: starts the worker threads,
// splits the clients between them, and sends each command to all of them.
import { Worker } from 'node:worker_threads';
import type { Endpoint } from './bench-client.ts';
import type { WorkerCommand, WorkerSetup } from './pool-protocol.ts';

/** A worker thread entry that registers tsx first: Node 20 workers do not apply --import tsx. */
function workerEntry(): URL {
  const tsx = import.meta.resolve('tsx/esm/api');
  const worker = new URL('./load-worker.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(tsx)};
register();
await import(${JSON.stringify(worker)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** A set of generator threads sharing `total` clients. */
export class LoadPool {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
        const waiting = this.pending.get(m.id);
        if (!waiting) return;
        this.pending.delete(m.id);
        if (m.error !== undefined) waiting.reject(new Error(`generator thread: ${m.error}`));
        else waiting.resolve(m.result);
      });
      const die = (err: Error) => {
        this.failure ??= err;
        for (const waiting of this.pending.values()) waiting.reject(err);
        this.pending.clear();
      };
      worker.on('error', die);
      worker.on('exit', (code) => die(new Error(`generator thread exited (code ${code})`)));
    }
  }

  /**
   * Starts `threads` generator threads for `total` clients of the server at `endpoint`, or
   * spread over the nodes at `endpoint[]` (see nodeOfClient).
   */
  static start(
    endpoint: Endpoint | Endpoint[],
    total: number,
    threads: number,
    password: string,
  ): LoadPool {
    const endpoints = Array.isArray(endpoint) ? endpoint : [endpoint];
    const entry = workerEntry();
    const workers: Worker[] = [];
    const n = Math.max(1, Math.min(threads, total));
    for (let t = 0; t < n; t++) {
      const first = Math.floor((t * total) / n);
      const count = Math.floor(((t + 1) * total) / n) - first;
      const setup: WorkerSetup = { endpoints, password, first, count, total };
      workers.push(new Worker(entry, { workerData: setup, execArgv: [] }));
    }
    return new LoadPool(workers);
  }

  /** Resolves once every thread has loaded its code and answers (thread start-up is not timed). */
  async ready(): Promise<void> {
    await this.all({ cmd: 'tally' });
  }

  /** Sends `command` to every thread; resolves with their answers in thread order. */
  all<T>(command: WorkerCommand): Promise<T[]> {
    return Promise.all(this.workers.map((worker) => this.ask<T>(worker, command)));
  }

  private ask<T>(worker: Worker, command: WorkerCommand): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, command });
    });
  }

  /** Closes every client socket and stops the threads. */
  async stop(): Promise<void> {
    if (!this.failure) await this.all({ cmd: 'close' }).catch(() => undefined);
    this.failure ??= new Error('pool stopped');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
