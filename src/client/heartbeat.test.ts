// The heartbeat on a hand-moved clock: pings when idle, dead when the server is silent.
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { Heartbeat } from './heartbeat.ts';

function setup(expectSilence?: () => boolean) {
  const clock = new ManualClock();
  const log: string[] = [];
  let hb: Heartbeat | undefined;
  hb = new Heartbeat({
    intervalMs: 1000,
    timeoutMs: 3000,
    clock,
    sendPing: () => {
      log.push(`ping@${clock.now()}`);
      hb?.sent();
    },
    onDead: () => log.push(`dead@${clock.now()}`),
    expectSilence,
  });
  return { clock, log, hb };
}

describe('Heartbeat', () => {
  it('pings after each idle interval and stays alive while replies arrive', () => {
    const { clock, log, hb } = setup();
    for (let i = 0; i < 10; i++) {
      clock.advance(500);
      if (log.length > 0) hb.received(); // the pong
    }
    expect(log).toEqual(['ping@1000', 'ping@2000', 'ping@3000', 'ping@4000', 'ping@5000']);
  });

  it('does not ping while the application keeps sending', () => {
    const { clock, log, hb } = setup();
    for (let i = 0; i < 10; i++) {
      clock.advance(400);
      hb.sent();
      hb.received();
    }
    expect(log).toEqual([]);
  });

  it('declares the connection dead when nothing arrives for the timeout, once', () => {
    const { clock, log } = setup();
    clock.advance(10_000);
    expect(log).toEqual(['ping@1000', 'ping@2000', 'dead@3000']);
    expect(clock.pending).toBe(0);
  });

  it('stop() clears its timer', () => {
    const { clock, log, hb } = setup();
    hb.stop();
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(log).toEqual([]);
  });

  it('keeps pinging but stays alive while a long request holds the server silent', () => {
    let waiting = true;
    const { clock, log } = setup(() => waiting);
    clock.advance(5_000);
    expect(log).toEqual(['ping@1000', 'ping@2000', 'ping@3000', 'ping@4000', 'ping@5000']);
    waiting = false; // the answer came; from now on silence counts again
    clock.advance(10_000);
    expect(log.slice(5)).toEqual(['ping@6000', 'ping@7000', 'dead@8000']);
  });
});
