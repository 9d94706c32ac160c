// Shares the event loop between long jobs (a replay of thousands of stored
// messages to many sessions at once): jobs run one after another, each in
// slices of at most `budgetMs`, and between slices the loop reads sockets and
// runs timers. A thousand jobs together still stall the loop for one slice.

/** Hands out time slices; `pause()` says when a job must wait for the next one. */
export class TimeSlicer {
  private sliceStart = Number.NEGATIVE_INFINITY;
  private next: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    /** The longest a slice may run before the loop gets its turn (ms). */
    private readonly budgetMs = 4,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Undefined while the current slice has time left; otherwise a promise that
   * resolves in a later turn of the event loop, when the next slice starts.
   */
  pause(): Promise<void> | undefined {
    if (this.next) return this.next;
    if (this.now() - this.sliceStart < this.budgetMs) return undefined;
    this.next = new Promise((resolve) => {
      setImmediate(() => {
        this.next = undefined;
        this.sliceStart = this.now();
        resolve();
      });
    });
    return this.next;
  }

  /**
   * Runs `job` after the jobs queued before it (one at a time, so the time a
   * slice has left is only ever spent by the job that looked at it).
   */
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Inside a job: waits for the next slice when this one is used up. */
  async turn(): Promise<void> {
    for (let wait = this.pause(); wait; wait = this.pause()) await wait;
  }
}
