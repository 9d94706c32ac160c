// Direct Unix-socket links between the workers of one machine, for the hot
// path: a message for a user on another worker goes straight there, one line
// `<userId> <frame>` per delivery, without the hub's extra hop and re-encoding.
import { chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EndOfTurn } from '../util/end-of-turn.ts';

/** Where worker `nodeId` of the primary `primaryPid` listens. */
export function peerSocketPath(primaryPid: number, nodeId: number): string {
  return join(tmpdir(), `super-server-${primaryPid}-${nodeId}.sock`);
}

/** Unsent bytes on a link above which senders are asked to wait. */
const HIGH_WATER_BYTES = 256 * 1024;

/** An outgoing link: its socket, this turn's unsent deliveries, and a drain to wait on. */
interface Link {
  socket: net.Socket;
  pending: string;
  drained?: Promise<void> | undefined;
}

/** This worker's listener and its outgoing links to the other workers. */
export class PeerLinks {
  private readonly out = new Map<number, Link>();
  private readonly endOfTurn = new EndOfTurn<Link>((link) => {
    if (!link.socket.destroyed) link.socket.write(link.pending);
    link.pending = '';
  });
  private server: net.Server | undefined;

  constructor(
    private readonly primaryPid: number,
    private readonly nodeId: number,
    /** Called for each delivery another worker sent here. */
    private readonly onDeliver: (userId: number, frame: string) => void,
  ) {}

  /** Listens for other workers' links; resolves once bound. */
  listen(): Promise<void> {
    const path = peerSocketPath(this.primaryPid, this.nodeId);
    rmSync(path, { force: true });
    this.server = net.createServer((socket) => this.receive(socket));
    return new Promise((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(path, () => {
        // Only this user may connect (connecting needs write permission on the socket).
        chmodSync(path, 0o600);
        resolve();
      });
    });
  }

  /** Keeps a link to each of `ids` (other than this worker) and drops links to the rest. */
  connectTo(ids: readonly number[]): void {
    const wanted = new Set(ids.filter((id) => id !== this.nodeId));
    for (const [id, link] of this.out) {
      if (!wanted.has(id)) {
        link.socket.destroy();
        this.out.delete(id);
      }
    }
    for (const id of wanted) {
      if (this.out.has(id)) continue;
      const socket = net.connect(peerSocketPath(this.primaryPid, id));
      socket.setNoDelay(true);
      const link: Link = { socket, pending: '' };
      // A link that fails is dropped; deliveries for that worker go through the hub.
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        if (this.out.get(id) === link) this.out.delete(id);
      });
      socket.once('connect', () => {
        if (!socket.destroyed) this.out.set(id, link);
      });
    }
  }

  /** True when every one of `ids` other than this worker has a live link. */
  reaches(ids: readonly number[]): boolean {
    return ids.every((id) => id === this.nodeId || this.out.has(id));
  }

  /**
   * Queues a delivery to worker `id`, sent with the others of this turn in one
   * write. Returns a promise when that link holds more than HIGH_WATER_BYTES
   * unsent: it resolves once the link drained, so a sender that waits for it
   * cannot outrun the worker it sends to.
   */
  deliver(id: number, userId: number, frame: string): Promise<void> | undefined {
    const link = this.out.get(id);
    if (!link) return undefined;
    if (link.pending === '') this.endOfTurn.mark(link);
    link.pending += `${userId} ${frame}`;
    if (link.socket.writableLength + link.pending.length <= HIGH_WATER_BYTES) return undefined;
    link.drained ??= new Promise<void>((resolve) => {
      const done = () => {
        link.drained = undefined;
        link.socket.off('drain', done);
        link.socket.off('close', done);
        resolve();
      };
      link.socket.on('drain', done);
      link.socket.on('close', done);
    });
    return link.drained;
  }

  close(): void {
    this.server?.close();
    for (const link of this.out.values()) link.socket.destroy();
    this.out.clear();
    rmSync(peerSocketPath(this.primaryPid, this.nodeId), { force: true });
  }

  /** Reads `<userId> <frame>\n` lines from another worker. */
  private receive(socket: net.Socket): void {
    socket.setEncoding('utf8');
    let partial = '';
    socket.on('data', (chunk: string) => {
      const text = partial + chunk;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const space = text.indexOf(' ', start);
        this.onDeliver(Number(text.slice(start, space)), text.slice(space + 1, nl + 1));
        start = nl + 1;
      }
      partial = text.slice(start);
    });
    socket.on('error', () => socket.destroy());
  }
}
