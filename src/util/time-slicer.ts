// Shares the event loop between long jobs (a replay of thousands of stored
// messages to many sessions at once): work runs in slices of at most
// `budgetMs`, and between slices the loop reads sockets and runs timers.
// All jobs share one slicer, so a thousand jobs together still stall the
// loop for one slice, not for a slice each.

/** Hands out time slices; `pause()` says when a job must wait for the next one. */
export class TimeSlicer {
  private sliceStart = Number.NEGATIVE_INFINITY;
  private next: Promise<void> | undefined;

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
}
