// Reliable sends: every message_user and message_group gets a client_id and stays here until the server answers,
// so a send cut off by a disconnect goes again, with the same client_id, after the reconnect.

/** The actions that store a message with a client_id. */
export type SendAction = 'message_user' | 'message_group';

/** A send waiting for its reply. */
export interface OutboxEntry {
  action: SendAction;
  clientId: string;
  /** the recipient's username, or the group's conv */
  to: string;
  text: string;
  /** sent on the current connection, reply pending */
  inFlight: boolean;
  resolve(reply: unknown): void;
  reject(err: Error): void;
}

/** A fresh client_id: 32 hex digits (a random UUID without dashes). */
export function newClientId(): string {
  // Web Crypto: the same in Node 20 and in browsers.
  return globalThis.crypto.randomUUID().replaceAll('-', '');
}

/** The unanswered sends, oldest first. */
export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();

  get size(): number {
    return this.entries.size;
  }

  /** Adds a send; a client_id already waiting is refused (it would be one message). */
  add(entry: OutboxEntry): boolean {
    if (this.entries.has(entry.clientId)) return false;
    this.entries.set(entry.clientId, entry);
    return true;
  }

  /** Removes a send (answered, or failed for good). */
  remove(entry: OutboxEntry): void {
    if (this.entries.get(entry.clientId) === entry) this.entries.delete(entry.clientId);
  }

  /** The sends not on the wire now, oldest first: what a new session sends again. */
  waiting(): OutboxEntry[] {
    return [...this.entries.values()].filter((e) => !e.inFlight);
  }

  /** Marks every send as not on the wire (its connection is gone). */
  connectionLost(): void {
    for (const e of this.entries.values()) e.inFlight = false;
  }

  /** Rejects every send with `err` and empties the outbox. */
  failAll(err: Error): void {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) e.reject(err);
  }
}
