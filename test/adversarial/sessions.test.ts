// Session forgery: set_user without verification (the seed's hole) and
// tokens replayed on other connections or after their connection closed.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  closeAllClients,
  connectClient,
  loginClient,
  registerClient,
  type TestClient,
} from '../protocol/client.ts';
import { cleanup } from '../protocol/harness.ts';
import { codeOf, emailFor, PASSWORD, uniqueName } from '../protocol/util.ts';
import { expectBoundedMemory, MemoryWatch, record } from './measure.ts';
import { assertControlStillWorks, CONTROL, itSurvives, onlineUsers, useArena } from './support.ts';

afterEach(closeAllClients);
afterAll(cleanup);

describe('session forgery', () => {
  const arena = useArena();
  const port = () => arena().port;

  it('a set_user flood without verification creates no session profile', async () => {
    const mem = new MemoryWatch(arena().pid);
    // A connection that did verify (registered) but never calls set_user itself.
    const mule = uniqueName('mule');
    const verified = await connectClient(port());
    expect(
      codeOf(
        await verified.request(
          'create_user',
          [mule, PASSWORD, emailFor(mule)],
          verified.helloToken,
        ),
      ),
    ).toBe('OK');
    // One that failed a login first.
    const failed = await connectClient(port());
    expect(
      codeOf(
        await failed.request('veus', [uniqueName('ghost'), 'not-the-password'], failed.helloToken),
      ),
    ).toBe('invalid_credentials');
    const flooders: TestClient[] = [failed];
    for (let i = 0; i < 9; i++) flooders.push(await connectClient(port()));

    const PER_CONNECTION = 40;
    const variants = (c: TestClient, i: number) => {
      const own = c.helloToken as string;
      return [
        { req: { action: 'set_user', data: [], token: own }, code: 'not_logged_in' },
        { req: { action: 'set_client', data: [], token: own }, code: 'not_logged_in' },
        { req: { action: 'set_user', data: [] }, code: 'invalid_token' },
        {
          req: { action: 'set_user', data: [], token: `h_${'A'.repeat(43)}` },
          code: 'invalid_token',
        },
        // The verified connection's hello token, presented elsewhere.
        {
          req: { action: 'set_user', data: [], token: verified.helloToken },
          code: 'invalid_token',
        },
        // The seed's form: naming the user to become.
        { req: { action: 'set_user', data: [CONTROL[0]], token: own }, code: 'invalid_input' },
        { req: { action: 'set_user', data: [mule], token: own }, code: 'invalid_input' },
        { req: { action: 'set_user', data: [mule] }, code: 'invalid_token' },
      ][i % 8] as { req: Record<string, unknown>; code: string };
    };
    const codes = new Map<string, number>();
    await Promise.all(
      flooders.map(async (c) => {
        const plan = Array.from({ length: PER_CONNECTION }, (_, i) => variants(c, i));
        c.sendRaw(plan.map((p, i) => `${JSON.stringify({ ...p.req, tag: `s${i}` })}\n`).join(''));
        for (let i = 0; i < plan.length; i++) {
          const code = codeOf(await c.reply(`s${i}`));
          expect(code, JSON.stringify(plan[i]?.req)).toBe(plan[i]?.code);
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      }),
    );
    const total = flooders.length * PER_CONNECTION;
    record('set_user flood', { requests: total, ...Object.fromEntries(codes) });

    // Nobody got a session: who shows the control users only, and nothing works as a session.
    expect(await onlineUsers(arena().alice)).toEqual({ names: [...CONTROL], total: 2 });
    const probe = flooders[1] as TestClient;
    expect(codeOf(await probe.call('msg', [CONTROL[1], 'forged']))).toBe('not_logged_in');
    expect(flooders.every((c) => !c.isClosed)).toBe(true);
    // The verified connection itself still gets its one session, and only one.
    expect(codeOf(await verified.request('set_user', [], verified.helloToken))).toBe('OK');
    expect(codeOf(await verified.request('set_user', [], verified.helloToken))).toBe(
      'already_logged_in',
    );
    expect((await onlineUsers(arena().alice)).total).toBe(3);
    expectBoundedMemory(mem, 'set_user flood');
    await assertControlStillWorks(arena());
  });

  it('refuses a session token on another connection and everywhere after its connection closed', async () => {
    const mem = new MemoryWatch(arena().pid);
    const [n1, n2] = [uniqueName('tok_a'), uniqueName('tok_b')];
    const a = await registerClient(port(), n1, PASSWORD, emailFor(n1));
    const b = await registerClient(port(), n2, PASSWORD, emailFor(n2));
    const stolen = a.token as string;
    // B presents A's token: no impersonation, whatever the action.
    expect(codeOf(await b.request('get_id', [], stolen))).toBe('invalid_token');
    expect(codeOf(await b.request('msg', [CONTROL[1], 'as A'], stolen))).toBe('invalid_token');
    expect(codeOf(await b.request('logout', [], stolen))).toBe('invalid_token');
    // A pre-login connection cannot use it either.
    const fresh = await connectClient(port());
    expect(codeOf(await fresh.request('get_id', [], stolen))).toBe('invalid_token');
    // A still works: the attempts changed nothing.
    expect(codeOf(await a.call('get_id'))).toBe('OK');

    a.destroy();
    await a.waitClosed();
    // Once A is gone, its token is dead on every connection, old and new,
    // including a new session of the same user.
    const again = await loginClient(port(), n1, PASSWORD);
    for (const c of [b, fresh, again]) {
      expect(codeOf(await c.request('get_id', [], stolen))).toBe('invalid_token');
    }
    expect(arena().bob.received.some((f) => f.event === 'message' && f.data?.text === 'as A')).toBe(
      false,
    );
    expect(codeOf(await again.call('get_id'))).toBe('OK');
    expectBoundedMemory(mem, 'token replay');
    await assertControlStillWorks(arena());
  });

  itSurvives(arena);
});
