// After the broker may have lost commands (a Redis outage), every live session
// of this node gets from storage what it missed, as a `sync` would push it:
// storage is the truth, the broker only carried the live copy.
import type { Logger } from 'pino';
import type { Conversations } from './conversations.ts';
import type { Sessions } from './sessions.ts';

// Pages of `messages.replay_limit` one session is pushed at most per resync;
// a client with more pending calls `sync` itself (it sees `more` there).
const MAX_PAGES = 10;

/** Pushes each live session the stored messages it was not sent; resolves when all are done. */
export async function resyncLiveSessions(
  sessions: Sessions,
  conversations: Conversations,
  log: Logger,
): Promise<void> {
  const live = sessions.all();
  log.info({ sessions: live.length }, 'broker reconnected: re-reading what live sessions missed');
  await Promise.all(
    live.map(async (session) => {
      try {
        for (let page = 0; page < MAX_PAGES && sessions.isLive(session); page++) {
          const { more } = await conversations.sync(session, undefined);
          if (!more) break;
        }
      } catch (err) {
        log.warn({ err }, 'resync of a session failed');
      }
    }),
  );
}
