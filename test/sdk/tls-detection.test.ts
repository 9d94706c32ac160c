// A plain client that reached a TLS server says so (server_speaks_tls) instead of waiting for
// the timeout; a silent server ends in hello_timeout. Time is a ManualClock: no real waiting.
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  Client,
  ConnectionClosedError,
  type ConnectTarget,
  connectTcp,
  ManualClock,
  type TcpOptions,
} from '../../src/client/index.ts';
import { throwawayCertificate } from '../protocol/certs.ts';
import { cleanup, startServer } from '../protocol/harness.ts';
import { pollUntil } from '../protocol/util.ts';
import { rejection } from './helpers.ts';

afterAll(cleanup);
const peers: net.Server[] = [];
const clients: Client[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const p of peers.splice(0)) p.close();
});

/** A client on a manual clock whose `opened` resolves once the TCP connection is up. */
function clientOnManualClock() {
  const clock = new ManualClock();
  let opened!: () => void;
  const isOpen = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const transport = async (opts: ConnectTarget) => {
    const t = await connectTcp(opts as TcpOptions);
    queueMicrotask(opened); // after connect() has attached its listeners and timers
    return t;
  };
  const client = new Client({ clock, transport, requestTimeoutMs: 10_000 });
  clients.push(client);
  return { client, clock, isOpen };
}

/** A local TCP peer; `received` collects what each connection sent. */
async function peer(onSocket: (s: net.Socket) => void) {
  const received: string[] = [];
  const server = net.createServer((s) => {
    s.on('data', (d) => received.push(d.toString('utf8')));
    s.on('error', () => {});
    onSocket(s);
  });
  peers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, received };
}

const reasonOf = (err: Error) => (err as ConnectionClosedError).reason;

describe('a plain client and a TLS server', () => {
  it('probes after a second of silence: our TLS server hangs up, reason server_speaks_tls', async () => {
    const files = await throwawayCertificate();
    const server = await startServer({
      config: { tls: { cert_file: files.cert, key_file: files.key } },
    });
    const { client, clock, isOpen } = clientOnManualClock();
    const connecting = rejection(client.connect({ host: '127.0.0.1', port: server.port }));
    await isOpen;
    clock.advance(1_000); // the probe goes out; the hello timeout (10 s) is still far away
    const err = await connecting;
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(reasonOf(err)).toBe('server_speaks_tls');
  });

  it('says server_speaks_tls at once when a TLS record arrives (an alert, 0x15)', async () => {
    const tlsAlert = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
    const { port } = await peer((s) => s.write(tlsAlert));
    const { client } = clientOnManualClock();
    const err = await rejection(client.connect({ host: '127.0.0.1', port }));
    expect(reasonOf(err)).toBe('server_speaks_tls');
  });

  it('ends a silent server with hello_timeout, after one probe ping', async () => {
    const { port, received } = await peer(() => {});
    const { client, clock, isOpen } = clientOnManualClock();
    const connecting = rejection(client.connect({ host: '127.0.0.1', port }));
    await isOpen;
    clock.advance(1_000);
    await pollUntil(async () => received.join('').includes('\n'), 3_000);
    expect(received.join('')).toBe('{"action":"ping","data":[],"tag":"hello-probe"}\n');
    clock.advance(9_000);
    expect(reasonOf(await connecting)).toBe('hello_timeout');
  });

  it('does not probe a server that said hello', async () => {
    const hello = {
      event: 'hello',
      tag: 'join_protocol',
      data: { server: 'x', version: '1', protocol: 1, token: 't', heartbeat_interval_s: 5 },
    };
    const { port, received } = await peer((s) => s.write(`${JSON.stringify(hello)}\n`));
    const { client, clock } = clientOnManualClock();
    await client.connect({ host: '127.0.0.1', port });
    clock.advance(5_000);
    // A request of our own: once it has arrived, a probe would have arrived before it.
    void client.call('ping').catch(() => {});
    await pollUntil(async () => received.join('').includes('"tag":"1"'), 3_000);
    expect(received.join('')).toContain('"action":"ping"');
    expect(received.join('')).not.toContain('hello-probe');
  });
});
