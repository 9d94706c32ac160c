// The two ways a generator thread sends direct messages: a closed loop with a
// fixed window of outstanding requests, and an open loop at a fixed rate.
import { type BenchClient, nowUs, sleep } from './bench-client.ts';
import { type LoadState, MESSAGE_TAG } from './load-state.ts';
import type { LoadEnd, RateCommand, WindowCommand } from './pool-protocol.ts';

/** Message texts are this long: the send time in µs, a space, then padding. */
const TEXT_LENGTH = 64;
/** An open-loop client stops sending (and counts skips) past this many unanswered requests. */
const MAX_OUTSTANDING = 256;
/** How long to wait for the replies still outstanding once sending stops. */
const REPLY_WAIT_MS = 10_000;

/** A message text that carries its send time. */
export function stampedText(): string {
  return `${nowUs()} `.padEnd(TEXT_LENGTH, 'x');
}

/** Sends one message_user; `withClientId`: with a client_id unique among this thread's sends. */
function sendMessage(client: BenchClient, state: LoadState, withClientId: boolean): void {
  const inputs = [client.partner, stampedText()];
  if (withClientId) inputs.push(`b${state.sent}`);
  client.send('message_user', inputs, MESSAGE_TAG);
  client.outstanding += 1;
  state.sent += 1;
}

/** Waits (bounded) until every live client has its replies; returns what is still missing. */
async function awaitReplies(clients: BenchClient[]): Promise<LoadEnd> {
  const deadline = performance.now() + REPLY_WAIT_MS;
  for (;;) {
    let outstanding = 0;
    for (const c of clients) if (!c.closed) outstanding += c.outstanding;
    if (outstanding === 0 || performance.now() >= deadline) return { outstanding };
    await sleep(20);
  }
}

async function sleepUntil(us: number): Promise<void> {
  await sleep(Math.max(0, (us - nowUs()) / 1000));
}

/** Each client keeps `window` requests outstanding until `untilUs`, then the replies are awaited. */
export async function runWindowLoad(
  clients: BenchClient[],
  state: LoadState,
  command: WindowCommand,
): Promise<LoadEnd> {
  state.windowFromUs = command.fromUs;
  state.windowUntilUs = command.untilUs;
  let active = true;
  const fill = (client: BenchClient) => {
    while (active && !client.closed && client.outstanding < command.window) {
      sendMessage(client, state, command.clientIds);
    }
  };
  state.onReplySlot = fill;
  for (const client of clients) {
    client.cork();
    fill(client);
    client.uncork();
  }
  await sleepUntil(command.untilUs);
  active = false;
  const end = await awaitReplies(clients);
  state.onReplySlot = undefined;
  return end;
}

/** Each client sends `rate` messages a second from a random phase until `untilUs`. */
export async function runRateLoad(
  clients: BenchClient[],
  state: LoadState,
  command: RateCommand,
): Promise<LoadEnd> {
  state.windowFromUs = command.fromUs;
  state.windowUntilUs = command.untilUs;
  const intervalUs = 1e6 / command.rate;
  const startUs = nowUs();
  const timers = new Set<NodeJS.Timeout>();
  let active = true;
  const schedule = (client: BenchClient, dueUs: number) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        if (!active || client.closed) return;
        const now = nowUs();
        state.maxSendLateUs = Math.max(state.maxSendLateUs, now - dueUs);
        if (client.outstanding < MAX_OUTSTANDING) sendMessage(client, state, command.clientIds);
        else state.skipped += 1;
        schedule(client, dueUs + intervalUs);
      },
      Math.max(0, (dueUs - nowUs()) / 1000),
    );
    timers.add(timer);
  };
  for (const client of clients) schedule(client, startUs + Math.random() * intervalUs);
  await sleepUntil(command.untilUs);
  active = false;
  for (const timer of timers) clearTimeout(timer);
  return awaitReplies(clients);
}
