// Telling a TLS server from a silent one on a plain connection: one ping after a quiet second.
import type { ClientClock, TimerHandle } from './clock.ts';
import type { ClientTransport } from './transport.ts';

/** Default delay before the hello probe. */
export const DEFAULT_HELLO_PROBE_MS = 1_000;

// A ping needs no token; its tag matches no request, so its pong is dropped.
const HELLO_PROBE = JSON.stringify({ action: 'ping', data: [], tag: 'hello-probe' });

/**
 * Watches one plain connection until its hello. After `ms` without a line it sends one ping: a
 * TLS server (which waits for a ClientHello) hangs up on it without a word.
 */
export class HelloProbe {
  private lines = false;
  private probed = false;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: ClientClock,
    private readonly transport: ClientTransport,
    ms: number,
  ) {
    if (ms > 0) this.timer = clock.setTimer(() => this.probe(), ms);
  }

  /** A line arrived: the server speaks our protocol (or at least lines). */
  sawLine(): void {
    this.lines = true;
  }

  /** The hello came, or the connect ended: no probe from now on. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /**
   * Why the socket ended before a hello: TLS records received, or a hang-up without a word on
   * our plain-text ping (what a TLS server does) — `server_speaks_tls`; else `connection_lost`.
   */
  reasonForClose(err?: Error): string {
    if ((err as { code?: string } | undefined)?.code === 'ERR_SERVER_SPEAKS_TLS') {
      return 'server_speaks_tls';
    }
    return !this.lines && this.probed ? 'server_speaks_tls' : 'connection_lost';
  }

  private probe(): void {
    this.timer = undefined;
    if (this.lines || !this.transport.isOpen) return;
    this.probed = true;
    this.transport.send(HELLO_PROBE);
  }
}
