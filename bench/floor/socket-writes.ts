// The Node.js floor of a fan-out: CPU per socket write when one process writes one
// ~250-byte frame to each of N loopback TCP connections, per event-loop turn, K frames
// per write. No protocol, no storage: what a delivery costs at the least when each
// recipient gets its own write. A yardstick for the group-fanout figures.
//   npx tsx bench/floor/socket-writes.ts [connections=1000] [rounds=200] [framesPerWrite=1]
import { fork } from 'node:child_process';
import net from 'node:net';

const FRAME = `${JSON.stringify({ event: 'message', tag: 'chat', data: { id: 'm_1_1', conv: '#global', seq: 1, from: 'sender', to: '#global', text: 'x'.repeat(120), sent_at: new Date().toISOString() } })}\n`;

if (process.argv[2] === 'reader') {
  // The receiving side: opens the connections and reads everything.
  const [port, n] = [Number(process.argv[3]), Number(process.argv[4])];
  let open = 0;
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1', () => {
      if (++open === n) process.send?.('ready');
    });
    s.on('data', () => {});
  }
} else {
  const n = Number(process.argv[2] ?? 1000);
  const rounds = Number(process.argv[3] ?? 200);
  const perWrite = Number(process.argv[4] ?? 1);
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    sockets.push(s);
  });
  server.listen(0, '127.0.0.1', () => {
    const port = (server.address() as net.AddressInfo).port;
    const reader = fork(new URL(import.meta.url).pathname, ['reader', String(port), String(n)], {
      execArgv: process.execArgv,
    });
    reader.on('message', async () => {
      while (sockets.length < n) await new Promise((r) => setTimeout(r, 10));
      const out = FRAME.repeat(perWrite);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let r = 0; r < rounds; r++) {
        for (const s of sockets) s.write(out);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const cpu = process.cpuUsage(cpu0);
      const writes = rounds * n;
      const us = cpu.user + cpu.system;
      console.log(
        JSON.stringify({
          connections: n,
          rounds,
          frames_per_write: perWrite,
          us_per_write: +(us / writes).toFixed(2),
          us_per_frame: +(us / writes / perWrite).toFixed(2),
          system_share: +(cpu.system / us).toFixed(2),
          elapsed_ms: Math.round(performance.now() - t0),
        }),
      );
      reader.kill();
      for (const s of sockets) s.destroy();
      server.close();
    });
  });
}
