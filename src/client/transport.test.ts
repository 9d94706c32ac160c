// LineSplitter fed every split of its input, and connectTcp against a local socket peer.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientTransport, connectTcp, LineSplitter } from './transport.ts';

/** Feeds `chunks` and collects every line, failing on an overflow. */
function split(chunks: Buffer[], limit = 1024): string[] {
  const s = new LineSplitter(limit);
  const out: string[] = [];
  for (const c of chunks) {
    const r = s.push(c);
    expect(r.tooLarge).toBe(false);
    out.push(...r.lines);
  }
  return out;
}

describe('LineSplitter', () => {
  const input = Buffer.from('{"a":1}\n{"b":"é✓😀"}\r\n\n{"c":3}\n{"partial"', 'utf8');
  const expected = ['{"a":1}', '{"b":"é✓😀"}', '{"c":3}'];

  it('gives the same lines for every two-way split and byte by byte', () => {
    for (let i = 0; i <= input.length; i++) {
      expect(split([input.subarray(0, i), input.subarray(i)])).toEqual(expected);
    }
    expect(split([...input].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it('refuses a line over the limit, even without a newline yet', () => {
    const s = new LineSplitter(8);
    expect(s.push(Buffer.from('12345678\n'))).toEqual({ lines: ['12345678'], tooLarge: false });
    expect(s.push(Buffer.from('123456789')).tooLarge).toBe(true);
  });
});

describe('connectTcp', () => {
  const servers: net.Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  /** A local peer that runs `onSocket` for each connection; resolves with its port. */
  function peer(onSocket: (s: net.Socket) => void): Promise<number> {
    const server = net.createServer(onSocket);
    servers.push(server);
    return new Promise((resolve) => {
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  }

  function collect(t: ClientTransport) {
    const lines: string[] = [];
    const closed = new Promise<Error | undefined>((resolve) => t.onClose(resolve));
    t.onLine((l) => lines.push(l));
    return { lines, closed };
  }

  it('splits lines written in pieces, sends lines, and reports the close', async () => {
    const got: string[] = [];
    const port = await peer((s) => {
      s.write('{"event":"he');
      s.on('data', (d) => {
        got.push(d.toString());
        if (got.join('').endsWith('\n')) s.end('llo"}\n{"x":1}\r\n');
      });
    });
    const t = await connectTcp({ host: '127.0.0.1', port });
    const { lines, closed } = collect(t);
    t.send('{"action":"ping","data":[],"tag":"1"}');
    expect(await closed).toBeUndefined();
    expect(lines).toEqual(['{"event":"hello"}', '{"x":1}']);
    expect(got.join('')).toBe('{"action":"ping","data":[],"tag":"1"}\n');
    expect(t.isOpen).toBe(false);
  });

  it('closes with an error when the peer sends a line over maxLineBytes', async () => {
    const port = await peer((s) => s.write(`${'x'.repeat(300)}\n`));
    const t = await connectTcp({ host: '127.0.0.1', port, maxLineBytes: 256 });
    const { lines, closed } = collect(t);
    expect((await closed)?.message).toMatch(/over 256 bytes/);
    expect(lines).toEqual([]);
  });

  it('rejects when nothing listens', async () => {
    const port = await peer(() => {});
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 20));
    await expect(connectTcp({ host: '127.0.0.1', port })).rejects.toThrow(/ECONNREFUSED/);
  });
});
