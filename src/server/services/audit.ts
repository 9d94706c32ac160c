// The audit log: privileged actions, refusals, locks and shutdowns, written to
// storage in batches (entries of one event-loop turn share a transaction).
import type { Logger } from 'pino';
import type { AuditEntry, Storage } from '../../storage/storage.ts';
import type { Clock } from '../clock.ts';

/** What a caller records; the time is added here. */
export type AuditEvent = Omit<AuditEntry, 'at' | 'target' | 'detail' | 'address'> &
  Partial<Pick<AuditEntry, 'target' | 'detail' | 'address'>>;

// Entries waiting for their write; beyond this, new ones are counted and dropped.
const MAX_QUEUE = 10_000;
// Longest detail kept (reasons, raw inputs of refused calls).
const MAX_DETAIL = 200;

/** Queues audit entries and writes them shortly after, in one transaction per batch. */
export class AuditLog {
  private queue: AuditEntry[] = [];
  private scheduled = false;
  private dropped = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Queues one entry; it is written on the next turn of the event loop. */
  record(event: AuditEvent): void {
    if (this.queue.length >= MAX_QUEUE) {
      this.dropped++;
      return;
    }
    this.queue.push({
      at: new Date(this.clock.now()).toISOString(),
      actor: event.actor,
      action: event.action,
      target: event.target ?? null,
      outcome: event.outcome,
      detail: event.detail == null ? null : event.detail.slice(0, MAX_DETAIL),
      address: event.address ?? null,
    });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Writes everything queued so far; resolves when it is stored. */
  flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const dropped = this.dropped;
    this.dropped = 0;
    this.writing = this.writing.then(async () => {
      if (dropped > 0) this.log.error({ dropped }, 'audit queue full: entries dropped');
      if (batch.length === 0) return;
      try {
        await this.storage.appendAudit(batch);
      } catch (err) {
        this.log.error({ err, entries: batch.length }, 'writing the audit log failed');
      }
    });
    return this.writing;
  }
}
