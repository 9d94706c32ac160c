// The WebSocket transport: one JSON object per text message on /ws of the HTTP
// listener; each message becomes one frame of the same Connection TCP uses.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { EndOfTurn } from '../../util/end-of-turn.ts';
import { BINDING_COOKIE, readCookie } from '../identity/cookies.ts';
import type { BadFrameKind } from '../metrics/connection-events.ts';
import { hashToken } from '../security/tokens.ts';
import type { CloseCause, Transport, TransportSink } from './transport.ts';

/** How long a closing WebSocket may take to finish its close handshake before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;

/** The close code for each way a connection ends (RFC 6455 section 7.4.1). */
const CLOSE_CODES: Record<CloseCause, number> = {
  normal: 1000,
  policy: 1008,
  too_large: 1009,
  unsupported: 1003,
};

/** The ws library's errors that refuse a message the server never sees, as bad-frame kinds. */
const REFUSED_BY_WS: Record<string, BadFrameKind> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'too_long',
  WS_ERR_INVALID_UTF8: 'invalid_json',
};

/** Transports with output waiting; flushed together at the end of the turn. */
const endOfTurn = new EndOfTurn<WsTransport>((t) => t.flush());

/**
 * A WebSocket behind the Transport interface. Each frame goes out as its own
 * text message (the contract: one JSON object per message), but the messages
 * of one event-loop turn leave corked, in one socket write.
 */
export class WsTransport implements Transport {
  readonly kind = 'ws' as const;
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    readonly remoteAddress: string,
    readonly browserBinding: string | undefined,
  ) {}

  write(frame: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.pending.length === 0) endOfTurn.mark(this);
    // Frames come newline-terminated (the TCP framing); a message needs no terminator.
    const text = frame.endsWith('\n') ? frame.slice(0, -1) : frame;
    this.pending.push(text);
    this.pendingChars += text.length;
  }

  /** Sends the messages gathered this turn, corked into one socket write. */
  flush(): void {
    if (this.pending.length === 0) return;
    const out = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.socket.cork();
    for (const text of out) this.ws.send(text);
    this.socket.uncork();
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount + this.pendingChars;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  close(cause: CloseCause = 'normal'): void {
    this.flush();
    endOfTurn.unmark(this);
    this.ws.close(CLOSE_CODES[cause]);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}

/** What the WebSocket endpoint hands each new connection to (the server: same as TCP). */
export interface WsHandler {
  /** Takes a new transport; returns where its frames and its close go. */
  accept(transport: Transport): TransportSink;
}

/** The WebSocket endpoint's settings. */
export interface WsOptions {
  /** The largest message the ws library reads at all; above it, it closes with 1009 itself. */
  maxPayload: number;
}

/**
 * Completes WebSocket upgrades that the HTTP listener has already checked
 * (path, Origin, caps) and wires each socket to a Connection.
 */
export class WsEndpoint {
  private readonly wss: WebSocketServer;

  constructor(
    private readonly handler: WsHandler,
    options: WsOptions,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload,
      // Compression costs CPU per message and has a history of memory attacks; frames are small.
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  /** Upgrades `req` and starts a Connection for the peer at `remoteAddress`. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, remoteAddress: string): void {
    const binding = readCookie(req, BINDING_COOKIE);
    const bindingHash = binding === undefined ? undefined : hashToken(binding);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const transport = new WsTransport(ws, socket, remoteAddress, bindingHash);
      const conn = this.handler.accept(transport);
      ws.on('message', (data, isBinary) => conn.onFrame(data as Buffer, isBinary));
      // A protocol error (bad UTF-8, a message over maxPayload): ws closes with its code.
      ws.on('error', (err: Error & { code?: string }) => {
        const kind = err.code === undefined ? undefined : REFUSED_BY_WS[err.code];
        if (kind !== undefined) conn.onFrameRefused(kind);
      });
      ws.on('close', () => conn.onTransportClosed());
    });
  }
}
