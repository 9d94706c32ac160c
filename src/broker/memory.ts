// The broker of a server that is a single process: presence in memory, no other nodes.
import type { Broker, ClaimResult, NodeCommand, SessionCaps } from './broker.ts';
import { type OnlineUser, Presence, type PresentUser } from './presence.ts';

/** Decides a claim against the caps and records it; shared by the memory and cluster brokers. */
export function claimIn(presence: Presence, caps: SessionCaps, user: OnlineUser): ClaimResult {
  if ((presence.get(user.id)?.sessions ?? 0) >= caps.perUser) return 'already_logged_in';
  if (presence.totalSessions >= caps.capacity) return 'server_busy';
  presence.add(user, +1);
  return 'ok';
}

/** A Broker for one node: every session is local, so commands have nowhere else to go. */
export class MemoryBroker implements Broker {
  private readonly presence = new Presence();

  constructor(private readonly caps: SessionCaps) {}

  async claim(user: OnlineUser): Promise<ClaimResult> {
    return claimIn(this.presence, this.caps, user);
  }

  release(user: OnlineUser): void {
    this.presence.add(user, -1);
  }

  async find(username: string): Promise<PresentUser | undefined> {
    return this.presence.find(username);
  }

  async list(limit: number, after?: string): Promise<{ users: OnlineUser[]; total: number }> {
    return this.presence.list(limit, after);
  }

  send(_command: NodeCommand): undefined {
    return undefined;
  }

  onCommand(_handler: (command: NodeCommand) => void): void {}

  close(): void {}
}
