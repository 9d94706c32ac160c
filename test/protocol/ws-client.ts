// The WebSocket test client: the same queue of frames as the TCP TestClient,
// one JSON object per text message, plus the close code and raw message sends.
import { WebSocket } from 'ws';
import { clientFactories, TestClient, WAIT_MS } from './client.ts';

/** A TestClient speaking to /ws of the server's HTTP listener. */
export class WsTestClient extends TestClient {
  /** the close code the server sent (1000, 1008, 1009, 1003, …), once closed */
  closeCode?: number;
  ws?: WebSocket;

  constructor(
    private readonly origin?: string,
    private readonly headers: Record<string, string> = {},
  ) {
    super();
  }

  // Opens ws://127.0.0.1:port/ws (wss with `secure`) without reading anything.
  override open(port: number, timeoutMs = WAIT_MS, secure?: object): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers = { ...this.headers };
      if (this.origin !== undefined) headers.origin = this.origin;
      const scheme = secure ? 'wss' : 'ws';
      const ws = new WebSocket(`${scheme}://127.0.0.1:${port}/ws`, {
        headers,
        perMessageDeflate: false,
        ...(secure ?? {}),
      });
      this.ws = ws;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`WebSocket to 127.0.0.1:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.on('error', (err) => {
        this.errors.push(err);
        clearTimeout(timer);
        reject(err);
      });
      ws.on('message', (data, isBinary) => {
        this.onLine(isBinary ? `<binary ${String(data.toString('hex'))}>` : data.toString());
      });
      ws.on('close', (code) => {
        this.closeCode = code;
        this.onClose();
      });
    });
  }

  // Sends one text message (a string) or one binary message (a Buffer).
  override sendRaw(data: string | Buffer): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(data, { binary: typeof data !== 'string' });
    return true;
  }

  override sendFrame(text: string): boolean {
    return this.sendRaw(text);
  }

  // One text message per frame, sent back to back.
  override sendFrames(texts: string[]): boolean {
    return texts.every((t) => this.sendRaw(t));
  }

  // Sends one JSON object as one text message.
  override send(obj: unknown): boolean {
    return this.sendRaw(JSON.stringify(obj));
  }

  override pause(): void {
    this.ws?.pause();
  }

  override resume(): void {
    this.ws?.resume();
  }

  override end(): void {
    this.ws?.close(1000);
  }

  override destroy(): void {
    this.ws?.terminate();
  }
}

clientFactories.ws = (e) => new WsTestClient(e.origin);
