// Group commit: items added during one event-loop turn are committed together,
// in ONE call of `commit` at the end of the turn (setImmediate); each add's
// promise settles only after its group's commit, so a reply never runs ahead of it.

/** Commits a group of items at once; returns one result per item, in order. */
export type CommitFn<I, R> = (items: I[]) => R[] | Promise<R[]>;

interface Waiting<R> {
  resolve(result: R): void;
  reject(err: unknown): void;
}

/** Collects items for one commit per event-loop turn. */
export class CommitBatcher<I, R> {
  /** The longest commit so far (ms), for metrics and benchmarks. */
  longestCommitMs = 0;
  /** Commits run and items committed, for metrics. */
  commits = 0;
  items = 0;
  private batch: I[] = [];
  private waiting: Waiting<R>[] = [];
  private scheduled = false;

  constructor(
    private readonly commit: CommitFn<I, R>,
    /** A group larger than this is committed at once rather than at the end of the turn. */
    private readonly maxBatch = 10_000,
    private readonly now: () => number = () => performance.now(),
    /** Told each commit's size and duration (ms), for metrics; failed commits too. */
    private readonly onCommit?: (size: number, ms: number) => void,
  ) {}

  /** Queues `item` for this turn's commit; resolves with its result once committed. */
  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.batch.push(item);
      this.waiting.push({ resolve, reject });
      if (this.batch.length >= this.maxBatch) void this.run();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.run());
      }
    });
  }

  /** Commits what is queued now (at shutdown); resolves once that group is done. */
  flush(): Promise<void> {
    return this.run();
  }

  private async run(): Promise<void> {
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const items = this.batch;
    const waiting = this.waiting;
    this.batch = [];
    this.waiting = [];
    const started = this.now();
    let results: R[];
    try {
      results = await this.commit(items);
      if (results.length !== items.length) throw new Error('commit returned the wrong count');
    } catch (err) {
      for (const w of waiting) w.reject(err);
      return;
    } finally {
      const ms = this.now() - started;
      this.longestCommitMs = Math.max(this.longestCommitMs, ms);
      this.onCommit?.(items.length, ms);
    }
    this.commits++;
    this.items += items.length;
    for (let i = 0; i < waiting.length; i++) waiting[i]?.resolve(results[i] as R);
  }
}
