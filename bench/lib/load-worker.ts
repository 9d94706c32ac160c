// A load-generator thread: owns a slice of the benchmark clients, connects and
// logs them in, runs the load the main thread asks for, and reports its tallies.
import { parentPort, workerData } from 'node:worker_threads';
import {
  authenticate,
  BenchClient,
  type Endpoint,
  finishLogin,
  LoginError,
  nowUs,
  readHello,
  sleep,
} from './bench-client.ts';
import { type FailoverContext, runFailover } from './failover-clients.ts';
import { runRateLoad, runWindowLoad } from './load-patterns.ts';
import { LoadState, PING_TAG } from './load-state.ts';
import {
  nodeOfClient,
  type ReceiveCommand,
  type StormTally,
  type WorkerCommand,
  type WorkerSetup,
} from './pool-protocol.ts';
import { userName } from './seed.ts';

const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error('load-worker.ts runs as a worker thread');

/** Logins each thread keeps in flight during setup (connect, hello, veus, set_user). */
const SETUP_CONCURRENCY = 16;

const count = setup.count;
const clients: Array<BenchClient | undefined> = new Array(count);
const state = new LoadState(count);

/** Global index → the partner's username. */
const partnerOf = (slot: number) =>
  userName((setup.first + slot + Math.floor(setup.total / 2)) % setup.total);

/** Runs `task` for every slot with at most `limit` at once; failures are tallied, not thrown. */
async function forEachSlot(limit: number, task: (slot: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const slot = next++;
      try {
        await task(slot);
      } catch (err) {
        state.fail(err instanceof LoginError ? `login:${err.code}` : `connect:${String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

/** The endpoint of the node client `slot` of this thread connects to. */
function endpointOf(slot: number): Endpoint {
  const node = nodeOfClient(setup.first + slot, setup.total, setup.endpoints.length);
  return setup.endpoints[node] as Endpoint;
}

async function connectWithHello(slot: number): Promise<BenchClient> {
  const client = await BenchClient.connectTo(endpointOf(slot));
  clients[slot] = client;
  await readHello(client);
  return client;
}

/** Hands a logged-in client to the hot line handler; `onClose` replaces the default. */
function goLive(client: BenchClient, slot: number, onClose = () => state.onClosed(slot)): void {
  client.partner = partnerOf(slot);
  client.ownFrom = `"from":"${userName(setup.first + slot)}"`;
  client.onClose = onClose;
  client.goLive((line) => state.onLine(client, slot, line));
  if (client.closed) onClose();
}

/** What the failover run of this thread works with. */
const failoverContext: FailoverContext = {
  clients,
  state,
  goLive,
  username: (slot) => userName(setup.first + slot),
  password: setup.password,
};

/** Recipients ack what they received at least this often (and every ACK_EVERY messages). */
const ACK_INTERVAL_MS = 100;
const ackTimer = setInterval(() => state.flushAcks(), ACK_INTERVAL_MS);

/** Each client acks as the SDK does, within `ms`, instead of the shared timer. */
function ackLikeTheSdk(ms: number): void {
  clearInterval(ackTimer);
  state.sdkAckDelayMs = ms;
}

/** The clients only receive (group-fanout): sets the measured window and the ack interval. */
function receiveOnly(command: ReceiveCommand): void {
  state.windowFromUs = command.fromUs;
  state.windowUntilUs = command.untilUs;
  ackLikeTheSdk(command.ackIntervalMs);
}

/**
 * Pings every connected client that has been quiet for its heartbeat interval: logged-in
 * ones, and those that verified their password and wait for the set_user storm.
 */
const heartbeat = setInterval(() => {
  const now = performance.now();
  for (const client of clients) {
    if (
      client &&
      client.lastSentMs > 0 &&
      !client.closed &&
      now - client.lastSentMs >= client.heartbeatMs
    ) {
      client.send('ping', [], PING_TAG);
    }
  }
}, 500);

/** Every client logs in; server_busy is retried. */
async function loginAll(): Promise<void> {
  await forEachSlot(SETUP_CONCURRENCY, async (slot) => {
    const client = await connectWithHello(slot);
    await authenticate(client, userName(setup.first + slot), setup.password, true);
    goLive(client, slot);
  });
}

/** Every client connects, reads its hello and verifies its password (veus), without set_user. */
async function verifyAll(): Promise<void> {
  await forEachSlot(SETUP_CONCURRENCY, async (slot) => {
    const client = await connectWithHello(slot);
    await authenticate(client, userName(setup.first + slot), setup.password, true, false);
  });
}

/** How long the replay storm waits for every client to catch up. */
const CATCH_UP_LIMIT_MS = 120_000;

/**
 * At `atUs` every verified client sends set_user at once; each then receives its
 * replay (acking as it goes, sync while `more`). Resolves once all caught up or
 * the limit passed; the tally says how many did and when the last one did.
 */
async function setUserStorm(atUs: number): Promise<void> {
  await sleep(Math.max(0, (atUs - nowUs()) / 1000));
  let failed = 0;
  await Promise.all(
    clients.map(async (client, slot) => {
      if (!client) return;
      try {
        await finishLogin(client);
        goLive(client, slot);
      } catch (err) {
        failed += 1;
        state.fail(err instanceof LoginError ? `login:${err.code}` : `storm:${String(err)}`);
      }
    }),
  );
  const giveUpAt = performance.now() + CATCH_UP_LIMIT_MS;
  while (state.caughtUp + failed < count) {
    if (performance.now() > giveUpAt) {
      state.fail('replay:not_caught_up', `${count - state.caughtUp} clients not caught up`);
      return;
    }
    await sleep(10);
  }
}

/** Sends the acks still unsent and waits (bounded) for their replies; returns those missing. */
async function drainAcks(): Promise<number> {
  state.flushAcks();
  const deadline = performance.now() + 5_000;
  while (state.ackReplies < state.acksSent && performance.now() < deadline) await sleep(20);
  return state.acksSent - state.ackReplies;
}

/** Every client connects and reads its hello, without logging in. */
async function helloAll(): Promise<void> {
  await forEachSlot(SETUP_CONCURRENCY * 4, async (slot) => {
    await connectWithHello(slot);
  });
}

/** How long a storm client keeps retrying a login answered server_busy. */
const STORM_RETRY_LIMIT_MS = 120_000;

/**
 * At `atUs` every connected client sends veus (then set_user). A login answered
 * server_busy is retried after 50–150 ms, as a real client would, until it
 * succeeds: so the storm lasts until the gate has let everyone through.
 */
async function storm(atUs: number): Promise<StormTally> {
  const tally: StormTally = { ok: 0, busy: 0, firstBusy: 0, lastAnswerUs: 0 };
  await sleep(Math.max(0, (atUs - nowUs()) / 1000));
  const giveUpAt = performance.now() + STORM_RETRY_LIMIT_MS;
  await Promise.all(
    clients.map(async (client, slot) => {
      if (!client) return;
      try {
        for (let attempt = 0; ; attempt++) {
          const outcome = await authenticate(
            client,
            userName(setup.first + slot),
            setup.password,
            false,
          );
          tally.lastAnswerUs = Math.max(tally.lastAnswerUs, nowUs());
          if (outcome === 'ok') {
            tally.ok += 1;
            goLive(client, slot);
            return;
          }
          tally.busy += 1;
          if (attempt === 0) tally.firstBusy += 1;
          if (performance.now() > giveUpAt) throw new LoginError('still_busy');
          await sleep(50 + Math.random() * 100);
        }
      } catch (err) {
        tally.lastAnswerUs = Math.max(tally.lastAnswerUs, nowUs());
        state.fail(err instanceof LoginError ? `login:${err.code}` : `storm:${String(err)}`);
      }
    }),
  );
  return tally;
}

async function handle(command: WorkerCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'login':
      return loginAll();
    case 'hello':
      return helloAll();
    case 'verify':
      return verifyAll();
    case 'set-user-storm':
      return setUserStorm(command.atUs);
    case 'drain-acks':
      return drainAcks();
    case 'storm':
      return storm(command.atUs);
    case 'receive':
      return receiveOnly(command);
    case 'expect-shutdown':
      state.expectShutdown = true;
      return undefined;
    case 'window':
      return runWindowLoad(live(), state, command);
    case 'rate':
      ackLikeTheSdk(command.ackIntervalMs);
      return runRateLoad(live(), state, command);
    case 'failover':
      clearInterval(ackTimer);
      return runFailover(failoverContext, command);
    case 'tally':
      return state.tally();
    case 'close':
      state.closing = true;
      clearInterval(heartbeat);
      clearInterval(ackTimer);
      for (const client of clients) client?.close();
      return undefined;
  }
}

/** The logged-in clients whose sockets are still open. */
function live(): BenchClient[] {
  return clients.filter((c): c is BenchClient => c?.onLine !== undefined && !c.closed);
}

port.on('message', (message: { id: number; command: WorkerCommand }) => {
  handle(message.command).then(
    (result) => port.postMessage({ id: message.id, result }),
    (err: unknown) => port.postMessage({ id: message.id, error: String(err) }),
  );
});
