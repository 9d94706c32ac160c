import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../../broker/memory.ts';
import { systemRandom } from '../clock.ts';
import { hashToken } from '../security/tokens.ts';
import { type SessionPeer, Sessions } from './sessions.ts';

/** A peer that records what the sessions layer sent it. */
function peer(id: number) {
  const got: string[] = [];
  const p: SessionPeer & { got: string[] } = {
    id,
    got,
    sendEvent: (name, _tag, data) => got.push(`${name} ${JSON.stringify(data)}`),
    sendFrame: (frame) => got.push(frame),
    disconnect: (reason) => got.push(`disconnect ${reason}`),
  };
  return p;
}

const make = (capacity: number, perUser: number) =>
  new Sessions(new MemoryBroker({ capacity, perUser }), systemRandom);

describe('Sessions', () => {
  it('keeps only the token hash and finds the session by it', async () => {
    const sessions = make(10, 1);
    const { session, token } = await sessions.open(peer(1), {
      id: 1,
      username: 'a',
      level: 'basic',
    });
    expect(token).toMatch(/^s_[A-Za-z0-9_-]{43}$/);
    expect(session.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(session.user)).not.toContain(token);
    expect(sessions.byTokenHash(hashToken(token))).toBe(session);
  });

  it('allows sessions_per_user sessions per user and user_capacity in total', async () => {
    const sessions = make(2, 1);
    await sessions.open(peer(1), { id: 1, username: 'a', level: 'basic' });
    await expect(sessions.open(peer(2), { id: 1, username: 'a', level: 'basic' })).rejects.toThrow(
      expect.objectContaining({ code: 'already_logged_in' }),
    );
    await sessions.open(peer(3), { id: 2, username: 'b', level: 'basic' });
    await expect(sessions.open(peer(4), { id: 3, username: 'c', level: 'basic' })).rejects.toThrow(
      expect.objectContaining({ code: 'server_busy' }),
    );
  });

  it('gives the slot back on close, so the user can log in again', async () => {
    const sessions = make(1, 1);
    const first = await sessions.open(peer(1), { id: 1, username: 'a', level: 'basic' });
    sessions.close(first.session);
    sessions.close(first.session); // closing twice is harmless
    await sessions.open(peer(2), { id: 1, username: 'a', level: 'basic' });
    expect(sessions.size).toBe(1);
    expect((await sessions.find('A'))?.sessions).toBe(1);
  });

  it('lists online users sorted case-insensitively with an exclusive cursor', async () => {
    const sessions = make(10, 2);
    const names = ['delta', 'Alpha', 'charlie', 'Bravo'];
    const opened = [];
    for (const [i, username] of names.entries()) {
      opened.push(await sessions.open(peer(i), { id: i + 1, username, level: 'basic' }));
    }
    await sessions.open(peer(9), { id: 1, username: 'delta', level: 'basic' }); // listed once
    expect((await sessions.list(10)).users.map((u) => u.username)).toEqual([
      'Alpha',
      'Bravo',
      'charlie',
      'delta',
    ]);
    expect(await sessions.list(2, 'bravo')).toEqual({
      users: [
        { id: 3, username: 'charlie' },
        { id: 1, username: 'delta' },
      ],
      total: 4,
    });
    expect((await sessions.list(10, 'b')).users.map((u) => u.username)).toEqual([
      'Bravo',
      'charlie',
      'delta',
    ]);
    const alpha = opened[1];
    if (alpha) sessions.close(alpha.session);
    expect((await sessions.list(10)).total).toBe(3);
    expect(sessions.ofUsername('ALPHA')).toHaveLength(0);
    expect(sessions.ofUsername('DELTA')).toHaveLength(2);
    expect((await sessions.find('delta'))?.sessions).toBe(2);
  });

  it('delivers a frame, a level change and a kick to every session of the user', async () => {
    const sessions = make(10, 2);
    const [p1, p2, other] = [peer(1), peer(2), peer(3)];
    await sessions.open(p1, { id: 1, username: 'a', level: 'basic' });
    await sessions.open(p2, { id: 1, username: 'a', level: 'basic' });
    await sessions.open(other, { id: 2, username: 'b', level: 'basic' });
    sessions.deliver(1, 'frame\n', 2);
    sessions.changeLevel(1, 'admin', 'root');
    expect(sessions.ofUser(1).map((s) => s.user.level)).toEqual(['admin', 'admin']);
    sessions.kick(1);
    for (const p of [p1, p2]) {
      expect(p.got).toEqual([
        'frame\n',
        'permission_changed {"level":"admin","by":"root"}',
        'disconnect kicked',
      ]);
    }
    expect(other.got).toEqual([]);
  });
});
