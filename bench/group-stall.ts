// Quick measurement of the group fan-out's longest event-loop stall: 10,000 sessions in
// #global on the real services (storage, sessions, delivery, groups, fan-out), each with
// a fake connection that does what Connection.write and TcpTransport do (send-queue
// check, per-turn output, one write per turn into a stream that discards it).
// Run: npx tsx bench/group-stall.ts [members] [messages]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import pino from 'pino';
import { MemoryBroker } from '../src/broker/memory.ts';
import { systemClock, systemRandom } from '../src/server/clock.ts';
import { ConfigSchema } from '../src/server/config.ts';
import { Levels } from '../src/server/levels.ts';
import { Conversations } from '../src/server/services/conversations.ts';
import { wireGroups } from '../src/server/services/group-wiring.ts';
import { type Session, type SessionPeer, Sessions } from '../src/server/services/sessions.ts';
import { openSqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import { EndOfTurn } from '../src/util/end-of-turn.ts';

const MEMBERS = Number(process.argv[2] ?? 10_000);
const MESSAGES = Number(process.argv[3] ?? 20);

const sink = new Writable({ write: (_chunk, _enc, done) => done() });
const turn = new EndOfTurn<FakeConn>((c) => c.flush());
let received = 0;

/** A connection as the server's write path sees it, writing into the sink once per turn. */
class FakeConn implements SessionPeer {
  pending = '';
  constructor(readonly id: number) {}
  sendEvent(name: string, tag: string, data: unknown): void {
    this.sendFrame(`${JSON.stringify({ event: name, tag, data })}\n`);
  }
  sendFrame(frame: string): void {
    if (this.pending.length + Buffer.byteLength(frame) > 1_048_576) throw new Error('slow');
    if (this.pending === '') turn.mark(this);
    this.pending += frame;
    if (frame.startsWith('{"event":"message"')) received++;
  }
  flush(): void {
    sink.write(this.pending);
    this.pending = '';
  }
  disconnect(): void {}
}

async function main(): Promise<void> {
  const config = ConfigSchema.parse({ limits: { user_capacity: MEMBERS + 10 } });
  const log = pino({ level: 'silent' });
  const storage = openSqliteStorage(join(mkdtempSync(join(tmpdir(), 'ss-stall-')), 'db.sqlite'));
  const broker = new MemoryBroker({ capacity: MEMBERS + 10, perUser: 1 });
  const sessions = new Sessions(broker, systemRandom);
  const conversations = new Conversations(storage, sessions, config, systemClock, log);
  await conversations.init();
  const levels = new Levels(config.levels);
  const parts = { storage, levels, sessions, conversations, config, clock: systemClock };
  const { groups, fanout } = wireGroups(parts, broker);
  const all: Session[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const user = await storage.createUser({
      username: `u${i}`,
      email: `u${i}@example.com`,
      phone: null,
      passwordHash: 'x',
      level: 'basic',
      createdAt: new Date().toISOString(),
      pendingUntil: null,
    });
    const { session } = await sessions.open(new FakeConn(i), {
      id: user.id,
      username: user.username,
      level: 'basic',
    });
    await groups.attach(session);
    conversations.begin(session)();
    all.push(session);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const sender = all[0] as Session;
  const lag = monitorEventLoopDelay({ resolution: 1 });
  const target = (MEMBERS - 1) * MESSAGES;
  received = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  lag.enable();
  for (let m = 0; m < MESSAGES; m++) {
    await groups.post(sender, '#global', `message ${m} to everyone`, undefined);
  }
  while (received < target) await new Promise((resolve) => setImmediate(resolve));
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await new Promise((resolve) => setTimeout(resolve, 20));
  lag.disable();
  console.log(
    JSON.stringify({
      members: MEMBERS,
      messages: MESSAGES,
      deliveries: received,
      elapsed_ms: Math.round(elapsed),
      deliveries_per_s: Math.round(received / (elapsed / 1000)),
      cpu_us_per_delivery: Number(((used.user + used.system) / received).toFixed(3)),
      longest_slice_ms: Number(fanout.longestSliceMs.toFixed(2)),
      loop_delay_max_ms: Number((lag.max / 1e6).toFixed(2)),
      loop_delay_p99_ms: Number((lag.percentile(99) / 1e6).toFixed(2)),
    }),
  );
  await conversations.flush();
  await storage.close();
}

await main();
