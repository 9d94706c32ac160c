// The one sender of the group-fanout scenario: a logged-in connection on the main
// thread that sends message_group to one group at a fixed rate (open loop), each
// text carrying its send time, and counts the replies.
import { authenticate, BenchClient, nowUs, readHello, sleep } from './bench-client.ts';
import { stampedText } from './load-patterns.ts';

/** Tag prefix of the sender's message_group requests. */
const GROUP_TAG = 'g';
/** How often the send loop wakes to send what is due (sends are spread evenly within). */
const TICK_MS = 2;
/** The sender stops (and counts skips) past this many unanswered requests. */
const MAX_OUTSTANDING = 1_024;
/** How long to wait for the last replies once sending stops. */
const REPLY_WAIT_MS = 10_000;

/** What the sender did: requests sent, ok replies, failures by code, lateness. */
export interface SenderTally {
  sent: number;
  ok: number;
  /** Sum of `online` over the ok replies (members other than the sender with a live session). */
  onlineSum: number;
  skipped: number;
  maxLateUs: number;
  outstanding: number;
  errors: Record<string, number>;
  samples: string[];
}

/** A logged-in sender of group messages. */
export class GroupSender {
  private constructor(
    private readonly client: BenchClient,
    private readonly tally: SenderTally,
  ) {}

  /** Connects and logs `username` in; every later reply is counted. */
  static async login(port: number, username: string, password: string): Promise<GroupSender> {
    const client = await BenchClient.connect(port);
    await readHello(client);
    await authenticate(client, username, password, true);
    const tally: SenderTally = {
      sent: 0,
      ok: 0,
      onlineSum: 0,
      skipped: 0,
      maxLateUs: 0,
      outstanding: 0,
      errors: {},
      samples: [],
    };
    const sender = new GroupSender(client, tally);
    client.goLive((line) => sender.onLine(line));
    return sender;
  }

  private onLine(line: string): void {
    const t = this.tally;
    if (!line.startsWith(`{"tag":"${GROUP_TAG}`)) {
      // Its own replay's synced, heartbeat pongs: nothing else is expected.
      if (line.startsWith('{"event":"synced"') || line.startsWith('{"tag":"p')) return;
      this.fail('sender:unexpected', line);
      return;
    }
    t.outstanding -= 1;
    if (line.includes('"ok":true')) {
      t.ok += 1;
      const at = line.indexOf('"online":');
      if (at >= 0) t.onlineSum += Number.parseInt(line.slice(at + 9, at + 20), 10);
      return;
    }
    const code = /"code":"([^"]+)"/.exec(line)?.[1] ?? 'unknown';
    this.fail(`sender:${code}`, line);
  }

  private fail(key: string, line: string): void {
    this.tally.errors[key] = (this.tally.errors[key] ?? 0) + 1;
    if (this.tally.samples.length < 5) this.tally.samples.push(line.slice(0, 300));
  }

  /** Sends `rate` messages a second to `conv` until `untilUs`, then awaits the replies (bounded). */
  async run(conv: string, rate: number, untilUs: number): Promise<SenderTally> {
    const t = this.tally;
    const intervalUs = 1e6 / rate;
    let dueUs = nowUs();
    while (dueUs < untilUs && !this.client.closed) {
      const now = nowUs();
      this.client.cork();
      while (dueUs <= now && dueUs < untilUs) {
        t.maxLateUs = Math.max(t.maxLateUs, now - dueUs);
        if (t.outstanding < MAX_OUTSTANDING) {
          this.client.send('message_group', [conv, stampedText()], GROUP_TAG);
          t.sent += 1;
          t.outstanding += 1;
        } else {
          t.skipped += 1;
        }
        dueUs += intervalUs;
      }
      this.client.uncork();
      await sleep(Math.min(TICK_MS, Math.max(0, (dueUs - nowUs()) / 1000)));
    }
    const deadline = performance.now() + REPLY_WAIT_MS;
    while (t.outstanding > 0 && !this.client.closed && performance.now() < deadline) {
      await sleep(20);
    }
    if (this.client.closed) this.fail('sender:connection_closed', '');
    return { ...t, errors: { ...t.errors }, samples: [...t.samples] };
  }

  /** Drops the connection. */
  close(): void {
    this.client.close();
  }
}
