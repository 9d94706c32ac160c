// The buffer behind Client.events(): an async iterator that ends after the `close` item.
import type { ClientEvent } from './types.ts';

/** Queues events for one `for await` consumer; unbounded, so consume it or call return(). */
export class EventQueue implements AsyncIterableIterator<ClientEvent> {
  private buffer: ClientEvent[] = [];
  private waiters: Array<(r: IteratorResult<ClientEvent>) => void> = [];
  private ended = false;

  constructor(private readonly detach: () => void) {}

  /** Adds an event; after a `close` item nothing more is accepted. */
  push(item: ClientEvent): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: item, done: false });
    else this.buffer.push(item);
    if (item.event === 'close') this.end();
  }

  /** Stops accepting events; buffered ones are still delivered, then the iterator is done. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.detach();
    for (const w of this.waiters.splice(0)) w({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<ClientEvent>> {
    const item = this.buffer.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  return(): Promise<IteratorResult<ClientEvent>> {
    this.buffer = [];
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ClientEvent> {
    return this;
  }
}
