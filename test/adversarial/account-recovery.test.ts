// Account recovery and management as attack surfaces: guessing reset codes,
// flooding a victim with reset mails, probing which accounts exist, and
// reading other people's details through user_info.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, registerClient } from '../protocol/client.ts';
import { cleanup } from '../protocol/harness.ts';
import { codeIn, mailsTo } from '../protocol/outbox.ts';
import { codeOf, emailFor, PASSWORD, pollUntil, sleep, uniqueName } from '../protocol/util.ts';
import { expectBoundedMemory, MemoryWatch } from './measure.ts';
import { destroyAllRaw, RawLines } from './raw-socket.ts';
import { CONTROL, itSurvives, useArena } from './support.ts';

afterEach(() => {
  closeAllClients();
  destroyAllRaw();
});
afterAll(cleanup);

describe('reset codes under attack', () => {
  // Loopback is not exempt here, so the per-address limits apply to the attacker.
  const arena = useArena({ config: { limits: { exempt_cidrs: [] }, login: { ip_failures: 12 } } });
  const port = () => arena().port;

  it('a guessed code dies after 5 tries and the guessing address is blocked', async () => {
    const mem = new MemoryWatch(arena().pid);
    const victim = uniqueName('victim');
    (await registerClient(port(), victim, PASSWORD, emailFor(victim))).destroy();
    const asker = await connectClient(port());
    expect(codeOf(await asker.call('reset_password', [victim]))).toBe('OK');
    await pollUntil(
      async () => mailsTo(arena().server.dataDir, emailFor(victim)).length > 0,
      3_000,
    );
    const code = codeIn(mailsTo(arena().server.dataDir, emailFor(victim))[0]?.text ?? '');
    expect(code).toBeDefined();
    const answers: string[] = [];
    for (let guess = 0; guess < 20; guess++) {
      const wrong = String((Number(code) + 1 + guess) % 1_000_000).padStart(6, '0');
      const c = await connectClient(port());
      answers.push(
        codeOf(await c.call('reset_password_confirm', [victim, wrong, 'attacker-owns-it'])),
      );
      c.destroy();
    }
    expect(answers.slice(0, 12)).toEqual(Array(12).fill('invalid_credentials'));
    expect(answers.slice(12)).toEqual(Array(8).fill('rate_limited'));
    // The address is blocked for logins too; the code itself died after its 5 tries
    // (test/protocol/cases/passwords.case.ts), so the account stays the victim's.
    const login = await connectClient(port());
    expect(codeOf(await login.call('veus', [victim, PASSWORD]))).toBe('rate_limited');
    expectBoundedMemory(mem, 'reset code guessing');
  });

  itSurvives(arena);
});

describe('reset mail flood and account probing', () => {
  const arena = useArena();
  const port = () => arena().port;

  it('mails a victim at most 3 codes an hour however often a reset is asked for', async () => {
    const victim = uniqueName('flooded');
    (await registerClient(port(), victim, PASSWORD, emailFor(victim))).destroy();
    for (let i = 0; i < 10; i++) {
      const c = await connectClient(port());
      for (let j = 0; j < 5; j++)
        expect(codeOf(await c.call('reset_password', [victim]))).toBe('OK');
      c.destroy();
    }
    await sleep(500);
    expect(mailsTo(arena().server.dataDir, emailFor(victim))).toHaveLength(3);
  });

  it('answers reset_password for an account and for nobody with identical bytes', async () => {
    const real = CONTROL[0];
    const raw = async (who: string) => {
      const s = new RawLines(port());
      const hello = await s.frame(0);
      s.write(
        `${JSON.stringify({ action: 'reset_password', tag: 'same', data: [who], token: hello?.data.token })}\n`,
      );
      return (await s.line(1))?.toString('utf8');
    };
    const a = await raw(real);
    const b = await raw(uniqueName('nobody'));
    const c = await raw('nobody@nowhere.example');
    expect(a).toBe('{"tag":"same","ok":true,"data":"sent"}');
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('never shows another user’s email or phone to a basic user', async () => {
    const name = uniqueName('nosy');
    const nosy = await registerClient(port(), name, PASSWORD, emailFor(name));
    for (const target of CONTROL) {
      const r = await nosy.call('user_info', [target]);
      expect(codeOf(r)).toBe('OK');
      expect(JSON.stringify(r)).not.toContain('@');
      expect(Object.keys(r.data).sort()).toEqual([
        'created_at',
        'id',
        'level',
        'online',
        'username',
      ]);
    }
  });

  itSurvives(arena);
});
