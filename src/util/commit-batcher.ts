// Group commit: items added during one event-loop turn are committed together,
// in ONE call of `commit` at the end of the turn (setImmediate); each add's
// promise settles only after its group's commit, so a reply never runs ahead of it.

/** Commits a group of items at once; returns one result per item, in order. */
export type CommitFn<I, R> = (items: I[]) => R[] | Promise<R[]>;

/** Where an item joined: its group's results (once committed) and its place in them. */
export interface Ticket<R> {
  readonly group: Promise<R[]>;
  readonly index: number;
}

/** One group being filled: its items and the promise all of them wait on. */
class Group<I, R> {
  readonly items: I[] = [];
  readonly done: Promise<R[]>;
  resolve!: (results: R[]) => void;
  reject!: (err: unknown) => void;

  constructor() {
    this.done = new Promise<R[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A group nobody waits on (all its callers gone) must not become an unhandled rejection.
    this.done.catch(ignore);
  }
}

function ignore(): void {}

/** Collects items for one commit per event-loop turn. */
export class CommitBatcher<I, R> {
  /** The longest commit so far (ms), for metrics and benchmarks. */
  longestCommitMs = 0;
  /** Commits run and items committed, for metrics. */
  commits = 0;
  items = 0;
  private group: Group<I, R> | undefined;
  private readonly runNow = () => void this.run();

  constructor(
    private readonly commit: CommitFn<I, R>,
    /** A group larger than this is committed at once rather than at the end of the turn. */
    private readonly maxBatch = 10_000,
    private readonly now: () => number = () => performance.now(),
    /** Told each commit's size and duration (ms), for metrics; failed commits too. */
    private readonly onCommit?: (size: number, ms: number) => void,
  ) {}

  /**
   * Queues `item` for this turn's commit. One promise per group, not per item: a
   * turn's hundreds of sends wait on the same one and pick their result by index.
   */
  join(item: I): Ticket<R> {
    let group = this.group;
    if (group === undefined) {
      group = new Group<I, R>();
      this.group = group;
      setImmediate(this.runNow);
    }
    const index = group.items.push(item) - 1;
    const ticket: Ticket<R> = { group: group.done, index };
    if (group.items.length >= this.maxBatch) void this.run();
    return ticket;
  }

  /** Queues `item` for this turn's commit; resolves with its result once committed. */
  async add(item: I): Promise<R> {
    const { group, index } = this.join(item);
    return (await group)[index] as R;
  }

  /** Commits what is queued now (at shutdown); resolves once that group is done. */
  flush(): Promise<void> {
    return this.run();
  }

  private async run(): Promise<void> {
    const group = this.group;
    if (group === undefined) return;
    this.group = undefined;
    const { items } = group;
    const started = this.now();
    let results: R[];
    try {
      results = await this.commit(items);
      if (results.length !== items.length) throw new Error('commit returned the wrong count');
    } catch (err) {
      group.reject(err);
      return;
    } finally {
      const ms = this.now() - started;
      this.longestCommitMs = Math.max(this.longestCommitMs, ms);
      this.onCommit?.(items.length, ms);
    }
    this.commits++;
    this.items += items.length;
    group.resolve(results);
  }
}
