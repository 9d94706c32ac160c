// A small typed event emitter for the SDK: the part of Node's EventEmitter the
// Client uses, without node:events, so the same Client runs in a browser.

// biome-ignore lint/suspicious/noExplicitAny: listeners of every event share one list type
type Listener = (...args: any[]) => void;

/** Events by name, each with its argument list: `{ message: [ChatMessage] }`. */
export type EventMap = Record<string, unknown[]>;

/** on / once / off / emit with the argument types of `E`. */
export class Emitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Listener[]>();

  /** Calls `fn` for every `name` event. */
  on<K extends keyof E>(name: K, fn: (...args: E[K]) => void): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
    return this;
  }

  /** Like on(), but `fn` runs before the listeners already there. */
  prependListener<K extends keyof E>(name: K, fn: (...args: E[K]) => void): this {
    this.listeners.set(name, [fn, ...(this.listeners.get(name) ?? [])]);
    return this;
  }

  /** Calls `fn` for the next `name` event only. */
  once<K extends keyof E>(name: K, fn: (...args: E[K]) => void): this {
    const wrapper = (...args: E[K]) => {
      this.off(name, wrapper);
      fn(...args);
    };
    (wrapper as { original?: unknown }).original = fn;
    return this.on(name, wrapper);
  }

  /** Removes `fn` (added with on or once) from `name`. */
  off<K extends keyof E>(name: K, fn: (...args: E[K]) => void): this {
    const list = this.listeners.get(name);
    if (!list) return this;
    const i = list.findIndex(
      (l) => l === (fn as Listener) || (l as { original?: unknown }).original === fn,
    );
    if (i >= 0) this.listeners.set(name, [...list.slice(0, i), ...list.slice(i + 1)]);
    return this;
  }

  /** Same as off(). */
  removeListener<K extends keyof E>(name: K, fn: (...args: E[K]) => void): this {
    return this.off(name, fn);
  }

  /** How many listeners `name` has. */
  listenerCount(name: keyof E): number {
    return this.listeners.get(name)?.length ?? 0;
  }

  /** Calls the listeners of `name` in order; true when there was one. */
  emit<K extends keyof E>(name: K, ...args: E[K]): boolean {
    const list = this.listeners.get(name);
    if (!list || list.length === 0) return false;
    for (const fn of list) fn(...args);
    return true;
  }
}
