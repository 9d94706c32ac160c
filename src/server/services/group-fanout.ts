// Group fan-out on this node: an in-memory index group → online member sessions here,
// and a per-group queue that hands each frame (serialised once) to every session, in
// slices so a group of 10,000 online members does not hold the event loop. Other nodes
// get each frame once, with the group id, and fan out to their own sessions.
import type { Broker, NodeCommand } from '../../broker/broker.ts';
import type { Session } from './sessions.ts';

/** Deliveries (one frame to one session) per event-loop turn, at most. */
export const FANOUT_SLICE = 1_000;
/** Frames of one group handed to each session together, at most. */
const MAX_BATCH = 64;

/** The group commands nodes exchange through the broker. */
export type GroupCommand = Extract<
  NodeCommand,
  { kind: 'group' } | { kind: 'group_member' } | { kind: 'group_gone' }
>;

/** A group's frames waiting to go out, in order, and where the current batch has got to. */
interface Lane {
  frames: string[];
  /** The frames going out now: every session gets all of them in one turn (one write). */
  batch: string[] | undefined;
  cursor: Iterator<Session> | undefined;
  running: boolean;
  /** The group was deleted: forget it once the queued frames (its `deleted` event) are out. */
  gone: boolean;
}

/** What the fan-out needs from the rest of the server. */
export interface FanoutDeps {
  broker: Broker;
  /** This node's live sessions of a user. */
  sessionsOf(userId: number): readonly Session[];
  /** Hands a frame to one session (through delivery's per-session order). */
  send(session: Session, frame: string): void;
  /** The session left the group's index (left, kicked, banned, deleted). */
  left(session: Session, convId: number): void;
  /** Sessions per turn; FANOUT_SLICE unless a test says otherwise. */
  slice?: number;
}

/** The group → online-sessions index of this node and the fan-out over it. */
export class GroupFanout {
  private readonly online = new Map<number, Set<Session>>();
  /** Per group, the users with a session in it here and how many sessions each. */
  private readonly users = new Map<number, Map<number, number>>();
  /** The groups each session is in the index of; exact-size arrays (a Set costs 150 bytes). */
  private readonly groupsOfSession = new Map<Session, readonly number[]>();
  private readonly lanes = new Map<number, Lane>();
  private readonly slice: number;
  /** The longest time one slice of fan-out took (ms), for the stall measurement. */
  longestSliceMs = 0;

  constructor(private readonly deps: FanoutDeps) {
    this.slice = deps.slice ?? FANOUT_SLICE;
  }

  /** Puts a session in the index of each of its groups (at login). */
  attach(session: Session, convIds: readonly number[]): void {
    for (const id of convIds) this.add(id, session);
  }

  /** Takes a session out of every group's index (its connection closed). */
  detach(session: Session): void {
    for (const id of this.groupsOfSession.get(session) ?? []) {
      if (this.online.get(id)?.delete(session)) this.uncount(id, session.user.id);
    }
    this.groupsOfSession.delete(session);
  }

  /** The user joined (true) or left the group: its sessions here and on every node follow. */
  member(convId: number, userId: number, joined: boolean): void {
    this.apply({ kind: 'group_member', convId, userId, joined });
    this.deps.broker.send({ kind: 'group_member', convId, userId, joined });
  }

  /** The group is gone everywhere; call after its last frame was published. */
  drop(convId: number): void {
    this.apply({ kind: 'group_gone', convId });
    this.deps.broker.send({ kind: 'group_gone', convId });
  }

  /** Sends a frame to every online member here and has every other node do the same. */
  publish(convId: number, frame: string): void {
    this.fanOut(convId, frame);
    this.deps.broker.send({ kind: 'group', convId, frame });
  }

  /** Carries out a group command from another node (or this one). */
  apply(command: GroupCommand): void {
    if (command.kind === 'group') this.fanOut(command.convId, command.frame);
    else if (command.kind === 'group_member') {
      for (const s of this.deps.sessionsOf(command.userId)) {
        if (command.joined) this.add(command.convId, s);
        else this.remove(command.convId, s);
      }
    } else {
      const lane = this.lanes.get(command.convId);
      if (lane) lane.gone = true;
      else this.forget(command.convId);
    }
  }

  private forget(convId: number): void {
    const set = this.online.get(convId);
    for (const s of set ?? []) {
      this.dropGroup(s, convId);
      this.deps.left(s, convId);
    }
    set?.clear();
    this.online.delete(convId);
    this.users.delete(convId);
  }

  /** Distinct users other than `except` with a live session in the group on this node. */
  onlineUsers(convId: number, except: number): number {
    const users = this.users.get(convId);
    if (!users) return 0;
    return users.size - (users.has(except) ? 1 : 0);
  }

  /** Whether this session is in the group's index (a member, online here). */
  has(convId: number, session: Session): boolean {
    return this.online.get(convId)?.has(session) === true;
  }

  /** Whether any session of the user here is in the group's index. */
  isOnline(convId: number, userId: number): boolean {
    return this.deps.sessionsOf(userId).some((s) => this.online.get(convId)?.has(s));
  }

  private add(convId: number, session: Session): void {
    let set = this.online.get(convId);
    if (!set) {
      set = new Set();
      this.online.set(convId, set);
    }
    if (set.has(session)) return;
    set.add(session);
    let users = this.users.get(convId);
    if (!users) {
      users = new Map();
      this.users.set(convId, users);
    }
    users.set(session.user.id, (users.get(session.user.id) ?? 0) + 1);
    const mine = this.groupsOfSession.get(session);
    this.groupsOfSession.set(session, mine === undefined ? [convId] : mine.concat(convId));
  }

  /** Takes a group out of a session's list. */
  private dropGroup(session: Session, convId: number): void {
    const mine = this.groupsOfSession.get(session);
    if (mine?.includes(convId)) {
      this.groupsOfSession.set(
        session,
        mine.filter((id) => id !== convId),
      );
    }
  }

  private remove(convId: number, session: Session): void {
    if (this.online.get(convId)?.delete(session)) this.uncount(convId, session.user.id);
    this.dropGroup(session, convId);
    this.deps.left(session, convId);
  }

  private uncount(convId: number, userId: number): void {
    const users = this.users.get(convId);
    const n = users?.get(userId) ?? 0;
    if (n > 1) users?.set(userId, n - 1);
    else users?.delete(userId);
  }

  /** Queues the frame behind the group's earlier ones, so each session sees them in order. */
  private fanOut(convId: number, frame: string): void {
    const set = this.online.get(convId);
    if (!set || set.size === 0) return;
    let lane = this.lanes.get(convId);
    if (!lane) {
      lane = { frames: [], batch: undefined, cursor: undefined, running: false, gone: false };
      this.lanes.set(convId, lane);
    }
    lane.frames.push(frame);
    if (!lane.running) this.run(convId, lane);
  }

  /**
   * Sends up to one slice; schedules the rest for the next turn. The frames queued when a
   * batch starts go to each session back to back, so a session's frames of one turn leave
   * in one socket write however many messages the group had in that turn.
   */
  private run(convId: number, lane: Lane): void {
    lane.running = true;
    const started = performance.now();
    let budget = this.slice;
    while (lane.batch || lane.frames.length > 0) {
      lane.batch ??= lane.frames.splice(0, MAX_BATCH);
      const batch = lane.batch;
      // A live iterator: a session removed meanwhile (kicked, closed) is not visited.
      lane.cursor ??= (this.online.get(convId) ?? new Set<Session>()).values();
      for (let next = lane.cursor.next(); !next.done; next = lane.cursor.next()) {
        for (const frame of batch) this.deps.send(next.value, frame);
        budget -= batch.length;
        if (budget <= 0) break;
      }
      if (budget <= 0) {
        this.longestSliceMs = Math.max(this.longestSliceMs, performance.now() - started);
        setImmediate(() => this.run(convId, lane));
        return;
      }
      lane.batch = undefined;
      lane.cursor = undefined;
    }
    this.longestSliceMs = Math.max(this.longestSliceMs, performance.now() - started);
    lane.running = false;
    this.lanes.delete(convId);
    if (lane.gone) this.forget(convId);
  }
}
