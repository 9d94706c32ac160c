// node:events for the browser build: the part of EventEmitter the SDK uses.
type Listener = (...args: never[]) => void;

/** A minimal EventEmitter: on / once / off / emit, listeners called in order. */
export class EventEmitter<_T = unknown> {
  private readonly listeners = new Map<string, Listener[]>();

  on(name: string, fn: Listener): this {
    const list = this.listeners.get(name) ?? [];
    list.push(fn);
    this.listeners.set(name, list);
    return this;
  }

  addListener(name: string, fn: Listener): this {
    return this.on(name, fn);
  }

  once(name: string, fn: Listener): this {
    const wrapper = ((...args: never[]) => {
      this.off(name, wrapper);
      fn(...args);
    }) as Listener;
    return this.on(name, wrapper);
  }

  off(name: string, fn: Listener): this {
    const list = this.listeners.get(name);
    if (list)
      this.listeners.set(
        name,
        list.filter((l) => l !== fn),
      );
    return this;
  }

  removeListener(name: string, fn: Listener): this {
    return this.off(name, fn);
  }

  emit(name: string, ...args: unknown[]): boolean {
    const list = this.listeners.get(name);
    if (!list || list.length === 0) return false;
    for (const fn of [...list]) (fn as (...a: unknown[]) => void)(...args);
    return true;
  }
}

export default { EventEmitter };
