import { describe, expect, it } from 'vitest';
import { systemRandom } from '../clock.ts';
import { hashToken } from '../security/tokens.ts';
import { type SessionPeer, Sessions } from './sessions.ts';

const peer = (id: number): SessionPeer => ({ id, sendEvent: () => {}, disconnect: () => {} });

describe('Sessions', () => {
  it('keeps only the token hash and finds the session by it', () => {
    const sessions = new Sessions({ capacity: 10, perUser: 1 }, systemRandom);
    const { session, token } = sessions.open(peer(1), { id: 1, username: 'a', level: 'basic' });
    expect(token).toMatch(/^s_[A-Za-z0-9_-]{43}$/);
    expect(session.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(session.user)).not.toContain(token);
    expect(sessions.byTokenHash(hashToken(token))).toBe(session);
  });

  it('allows sessions_per_user sessions per user and user_capacity in total', () => {
    const sessions = new Sessions({ capacity: 2, perUser: 1 }, systemRandom);
    sessions.open(peer(1), { id: 1, username: 'a', level: 'basic' });
    expect(() => sessions.open(peer(2), { id: 1, username: 'a', level: 'basic' })).toThrow(
      expect.objectContaining({ code: 'already_logged_in' }),
    );
    sessions.open(peer(3), { id: 2, username: 'b', level: 'basic' });
    expect(() => sessions.open(peer(4), { id: 3, username: 'c', level: 'basic' })).toThrow(
      expect.objectContaining({ code: 'server_busy' }),
    );
  });

  it('lists online users sorted case-insensitively with an exclusive cursor', () => {
    const sessions = new Sessions({ capacity: 10, perUser: 2 }, systemRandom);
    const names = ['delta', 'Alpha', 'charlie', 'Bravo'];
    const opened = names.map((username, i) =>
      sessions.open(peer(i), { id: i + 1, username, level: 'basic' }),
    );
    sessions.open(peer(9), { id: 1, username: 'delta', level: 'basic' }); // second session, listed once
    expect(sessions.list(10).users.map((u) => u.username)).toEqual([
      'Alpha',
      'Bravo',
      'charlie',
      'delta',
    ]);
    expect(sessions.list(2, 'bravo')).toEqual({
      users: [
        { id: 3, username: 'charlie' },
        { id: 1, username: 'delta' },
      ],
      total: 4,
    });
    expect(sessions.list(10, 'b').users.map((u) => u.username)).toEqual([
      'Bravo',
      'charlie',
      'delta',
    ]);
    for (const alpha of opened.slice(1, 2)) {
      sessions.close(alpha.session);
      sessions.close(alpha.session); // closing twice is harmless
    }
    expect(sessions.list(10).total).toBe(3);
    expect(sessions.ofUsername('ALPHA')).toHaveLength(0);
    expect(sessions.ofUsername('DELTA')).toHaveLength(2);
  });
});
