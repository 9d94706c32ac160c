// A probe connection that pings the server every few ms and keeps the longest
// round trip: the longest stall a client saw, also past the lag histogram's top
// bucket (2.5 s), which only says "longer".
import { BenchClient, readHello } from './bench-client.ts';

/** How often the probe pings. */
const PROBE_EVERY_MS = 20;

/** Connects (hello only) and pings one at a time; stop() returns the longest round trip (ms). */
export async function startPingProbe(port: number): Promise<{ stop(): Promise<number> }> {
  const client = await BenchClient.connect(port);
  await readHello(client);
  let longest = 0;
  let running = true;
  const loop = (async () => {
    while (running && !client.closed) {
      const sent = performance.now();
      client.send('ping', [], 'q');
      await client.next(60_000).catch(() => undefined);
      longest = Math.max(longest, performance.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      client.close();
      return longest;
    },
  };
}
