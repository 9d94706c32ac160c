// Builds the group services on the server's others: the fan-out index, the access
// checks over the permission table, membership and posting, moderation.
import type { Broker } from '../../broker/broker.ts';
import type { Storage } from '../../storage/storage.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Levels } from '../levels.ts';
import type { Conversations } from './conversations.ts';
import { GroupAccess } from './group-access.ts';
import { GroupFanout } from './group-fanout.ts';
import { GroupModeration } from './group-moderation.ts';
import { Groups } from './groups.ts';
import type { Sessions } from './sessions.ts';

/** What the group services are built on. */
export interface GroupParts {
  storage: Storage;
  levels: Levels;
  sessions: Sessions;
  conversations: Conversations;
  config: Config;
  clock: Clock;
}

/** The group services, and the fan-out that carries out other nodes' group commands. */
export function wireGroups(
  parts: GroupParts,
  broker: Broker,
): { groups: Groups; moderation: GroupModeration; fanout: GroupFanout } {
  const { storage, levels, sessions, conversations, config, clock } = parts;
  const fanout = new GroupFanout({
    broker,
    sessionsOf: (userId) => sessions.ofUser(userId),
    send: (session, frame) => sessions.send(session, frame),
    left: (session, convId) => conversations.delivery.forget(session, convId),
  });
  const access = new GroupAccess(
    storage,
    levels,
    sessions,
    fanout,
    config.session.sessions_per_user,
  );
  return {
    groups: new Groups(storage, access, conversations, sessions, config, clock),
    moderation: new GroupModeration(storage, access, clock),
    fanout,
  };
}
