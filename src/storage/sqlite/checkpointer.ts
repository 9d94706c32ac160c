// WAL checkpoints off the event loop: a worker thread with its own connection
// copies the write-ahead log into the database file (PASSIVE: it never blocks a
// writer), so no commit on the main thread pays for a checkpoint and its fsync.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the thread checkpoints. */
const EVERY_MS = 250;

// CommonJS, run with eval: better-sqlite3 is loaded by its resolved path.
const CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let stopped = false;
function step() {
  if (stopped) return;
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message) });
  }
  setTimeout(step, workerData.everyMs);
}
parentPort.on('message', (m) => {
  if (m === 'stop') {
    stopped = true;
    db.close();
    process.exit(0);
  }
});
step();
`;

/** One checkpoint pass as the thread reports it (pages in the WAL, pages copied). */
export interface CheckpointReport {
  log?: number;
  checkpointed?: number;
  error?: string;
}

/** The background checkpoint thread of one database file. */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly listeners = new Set<(r: CheckpointReport) => void>();

  /** `onFailure` runs once if the thread dies, so the caller can checkpoint by itself again. */
  constructor(file: string, onFailure: (err: Error) => void, everyMs = EVERY_MS) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(CODE, { eval: true, workerData: { file, module, everyMs } });
    this.worker.unref();
    this.worker.on('message', (r: CheckpointReport) => {
      for (const l of this.listeners) l(r);
    });
    this.worker.once('error', onFailure);
  }

  /** Calls `fn` after every pass (for tests and logs). */
  onReport(fn: (r: CheckpointReport) => void): void {
    this.listeners.add(fn);
  }

  /** Stops the thread and waits for it. */
  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    // Held while stopping: an unref'd thread would let the process end before it has.
    this.worker.ref();
    this.worker.postMessage('stop');
    await exited;
  }
}
