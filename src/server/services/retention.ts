// Retention: deletes messages older than messages.retention_days in small batches,
// yielding to the event loop between them, and forgets client_ids past their window.
import type { Logger } from 'pino';
import type { ConversationStore } from '../../storage/conversations.ts';
import type { Clock } from '../clock.ts';

/** Rows per delete: small enough that one batch never stalls the event loop for long. */
const BATCH_ROWS = 500;
const DAY_MS = 86_400_000;
/** How often the job runs. */
const EVERY_MS = 10 * 60_000;

/** Deletes every message sent before `before` (ms), batch by batch; returns how many. */
export async function purgeMessagesBefore(
  store: ConversationStore,
  before: number,
  batchRows = BATCH_ROWS,
  pause: () => Promise<void> = yieldToEventLoop,
): Promise<number> {
  let deleted = 0;
  let next: number | null = 0;
  while (next !== null) {
    const step = await store.purgeMessages(before, next, batchRows);
    deleted += step.deleted;
    next = step.next;
    await pause();
  }
  return deleted;
}

/** Forgets every client_id stored before `before` (ms), batch by batch; returns how many. */
export async function pruneClientIdsBefore(
  store: ConversationStore,
  before: number,
  pause: () => Promise<void> = yieldToEventLoop,
): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await store.pruneClientIds(before, BATCH_ROWS);
    total += n;
    if (n < BATCH_ROWS) return total;
    await pause();
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The periodic job of a running server. */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: ConversationStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: { retentionDays: number; dedupWindowS: number },
  ) {}

  /** Runs now and then every ten minutes. */
  start(): void {
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), EVERY_MS);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: old messages (when retention is on), then expired client_ids. */
  runOnce(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const now = this.clock.now();
    try {
      if (this.options.retentionDays > 0) {
        const n = await purgeMessagesBefore(this.store, now - this.options.retentionDays * DAY_MS);
        if (n > 0) this.log.info({ count: n }, 'old messages deleted (retention)');
      }
      await pruneClientIdsBefore(this.store, now - this.options.dedupWindowS * 1000);
    } catch (err) {
      this.log.error({ err }, 'the retention job failed; it runs again later');
    }
  }
}
