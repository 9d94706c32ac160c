// The baseline's actions (docs/protocol.md 6, 10, 11): ping, veus, set_user,
// message_user, message_group and ack, each checking its inputs by hand and
// answering with a template frame. Messages get their id and seq as in the real
// server and are pushed to live sessions; nothing is stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { verify } from '@node-rs/argon2';
import type { Connection } from './connection.ts';
import type { BaselineAction } from './dispatch.ts';
import { errorFrame, eventFrame, isBoundedText, isoTime, messageFrame, okFrame } from './frames.ts';
import { type Account, BASIC_RANK, type Conversation, type Hub } from './hub.ts';

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const GROUP_NAME = /^#[a-z0-9][a-z0-9_-]{1,31}$/;
const DM_CONV = /^dm:(\d{5,}):(\d{5,})$/;
const MAX_TEXT = 4_000;
/** Failed veus on one connection before too_many_login_attempts. */
const MAX_FAILED_LOGINS = 3;

/** Answers `tag` with the error `code`; undefined, for an action's return. */
function refuse(conn: Connection, tag: string, code: string, message: string): undefined {
  conn.push(errorFrame(tag, code, message));
  return undefined;
}

/** Answers `tag` with invalid_input. */
function invalid(conn: Connection, tag: string, message: string): undefined {
  return refuse(conn, tag, 'invalid_input', message);
}

/** Marks the connection's password checked for `account` and answers with the account. */
function verified(conn: Connection, account: Account, tag: string): void {
  conn.phase = 'verified';
  conn.account = account;
  conn.push(okFrame(tag, accountJson(account)));
}

/** A message being sent: its checked inputs, then its number and time once stamped. */
interface Outgoing {
  text: string;
  clientId: string | undefined;
  seq: number;
  id: string;
  sentAt: string;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** `{id, username, level}` of an account. */
function accountJson(a: Account): string {
  return `{"id":"${a.wireId}","username":"${a.username}","level":"${a.level}"}`;
}

/** The six actions over `hub`, by name and alias. */
export function baselineActions(hub: Hub): Map<string, BaselineAction> {
  /** A group by its input name (`#lab`, `lab`, any case); undefined when malformed. */
  const groupKey = (input: string): string | undefined => {
    const key = (input.startsWith('#') ? input : `#${input}`).toLowerCase();
    return GROUP_NAME.test(key) ? key : undefined;
  };

  /** The conversation `input` names for `me`: a string for an error reply, else the conversation. */
  const resolveConv = (me: Account, input: string): Conversation | 'invalid' | 'not_found' => {
    if (input.startsWith('@')) {
      const other = hub.account(input.slice(1));
      return other ? hub.direct(me, other) : 'not_found';
    }
    const dm = DM_CONV.exec(input);
    if (dm) {
      const a = hub.accountById(dm[1] as string);
      const b = hub.accountById(dm[2] as string);
      if (!a || !b || (a !== me && b !== me)) return 'not_found';
      return hub.direct(a, b);
    }
    const key = groupKey(input);
    if (!key) return 'invalid';
    const group = hub.group(key);
    return group?.members?.has(me) ? group : 'not_found';
  };

  const ping: BaselineAction = {
    phase: 'any',
    minRank: 0,
    limit: 'default',
    run(conn, _data, tag) {
      conn.push(okFrame(tag, '"pong"'));
      return undefined;
    },
  };

  const veus: BaselineAction = {
    phase: 'hello',
    minRank: 0,
    limit: 'auth',
    run(conn, data, tag) {
      const [name, password] = data;
      if (data.length !== 2 || typeof name !== 'string' || typeof password !== 'string') {
        return invalid(conn, tag, 'inputs: expected [username, password]');
      }
      const account = name.startsWith('#') ? hub.accountById(name.slice(1)) : hub.account(name);
      const normalized = password.normalize('NFKC');
      const digest = sha256(normalized);
      const cached = account?.verifiedDigest;
      // argon2id once per account; after that the password's SHA-256 is compared.
      if (account && cached && timingSafeEqual(cached, digest)) {
        verified(conn, account, tag);
        return undefined;
      }
      return verify(account?.passwordHash ?? hub.dummyHash, normalized)
        .catch(() => false)
        .then((ok) => {
          if (conn.closed) return;
          if (account && ok) {
            account.verifiedDigest = digest;
            verified(conn, account, tag);
            return;
          }
          conn.push(errorFrame(tag, 'invalid_credentials', 'wrong username or password'));
          conn.failedLogins += 1;
          if (conn.failedLogins >= MAX_FAILED_LOGINS) conn.disconnect('too_many_login_attempts');
        });
    },
  };

  const setUser: BaselineAction = {
    phase: 'hello',
    minRank: 0,
    limit: 'auth',
    run(conn, data, tag) {
      const account = conn.account;
      if (data.length !== 0) return invalid(conn, tag, 'inputs: expected []');
      if (conn.phase !== 'verified' || !account) {
        return refuse(conn, tag, 'not_logged_in', 'verify first (veus)');
      }
      if (!hub.startSession(account, conn)) {
        return refuse(conn, tag, 'already_logged_in', 'the user already has a live session');
      }
      conn.phase = 'session';
      conn.token = `s_${randomBytes(32).toString('base64url')}`;
      const { wireId, username, level } = account;
      const reply = `{"token":"${conn.token}","id":"${wireId}","username":"${username}","level":"${level}"}`;
      conn.push(okFrame(tag, reply));
      // Nothing is stored, so the replay is always empty.
      conn.push(eventFrame('synced', 'system', '{"replayed":0,"more":false}'));
      return undefined;
    },
  };

  /** The shared checks of message_user and message_group: text and client_id. */
  const sendInputs = (conn: Connection, data: unknown[], tag: string): Outgoing | undefined => {
    const [, text, clientId] = data;
    if (data.length < 2 || data.length > 3) {
      return invalid(conn, tag, 'inputs: expected [to, text, client_id?]');
    }
    if (!isBoundedText(text, MAX_TEXT))
      return invalid(conn, tag, 'input 2 (text) must be 1-4000 characters');
    if (clientId !== undefined && (typeof clientId !== 'string' || !CLIENT_ID.test(clientId))) {
      return invalid(conn, tag, 'input 3 (client_id) must be 1-64 of A-Z a-z 0-9 _ -');
    }
    return { text, clientId: clientId as string | undefined, seq: 0, id: '', sentAt: '' };
  };

  /**
   * Numbers `out` as the next message of `conv` from `me` to `to` and returns its `message`
   * frame. Sending moves the sender's delivery cursor only when it was just below it.
   */
  const stamp = (conn: Connection, me: Account, conv: Conversation, to: string, out: Outgoing) => {
    out.seq = ++conv.seq;
    out.id = conv.idPrefix + out.seq.toString(36);
    out.sentAt = isoTime(conn.lastSeenMs);
    if ((me.cursors.get(conv) ?? 0) === out.seq - 1) me.cursors.set(conv, out.seq);
    const { id, seq, text, sentAt, clientId } = out;
    return messageFrame(id, conv.name, seq, me.username, to, text, sentAt, clientId);
  };

  const messageUser: BaselineAction = {
    phase: 'session',
    minRank: BASIC_RANK,
    limit: 'chat',
    run(conn, data, tag) {
      const me = conn.account as Account;
      const to = data[0];
      if (typeof to !== 'string' || !USERNAME.test(to)) {
        return invalid(conn, tag, 'input 1 (username) must be 3-32 of A-Z a-z 0-9 _ . -');
      }
      const out = sendInputs(conn, data, tag);
      if (!out) return undefined;
      const other = hub.account(to);
      if (!other) return refuse(conn, tag, 'not_found', `no user ${to}`);
      const conv = hub.direct(me, other);
      const frame = stamp(conn, me, conv, other.username, out);
      const peer = other === me ? undefined : other.session;
      peer?.push(frame);
      const reply = `{"id":"${out.id}","conv":"${conv.name}","seq":${out.seq},"delivered":${peer !== undefined}}`;
      conn.push(okFrame(tag, reply));
      return undefined;
    },
  };

  const messageGroup: BaselineAction = {
    phase: 'session',
    minRank: BASIC_RANK,
    limit: 'chat',
    run(conn, data, tag) {
      const me = conn.account as Account;
      const input = data[0];
      const key = typeof input === 'string' ? groupKey(input) : undefined;
      if (!key) return invalid(conn, tag, 'input 1 (conv) must be a group name');
      const out = sendInputs(conn, data, tag);
      if (!out) return undefined;
      const group = hub.group(key);
      if (!group?.members || !group.online) return refuse(conn, tag, 'not_found', 'no such group');
      if (!group.members.has(me)) {
        return refuse(conn, tag, 'forbidden', 'not a member of this group');
      }
      const frame = stamp(conn, me, group, group.name, out);
      let online = 0;
      for (const member of group.online) {
        if (member === me || !member.session) continue;
        member.session.push(frame);
        online += 1;
      }
      conn.push(
        okFrame(
          tag,
          `{"id":"${out.id}","conv":"${group.name}","seq":${out.seq},"online":${online}}`,
        ),
      );
      return undefined;
    },
  };

  const ack: BaselineAction = {
    phase: 'session',
    minRank: BASIC_RANK,
    limit: 'default',
    run(conn, data, tag) {
      const me = conn.account as Account;
      const [input, seq] = data;
      if (data.length !== 2 || typeof input !== 'string') {
        return invalid(conn, tag, 'inputs: expected [conv, seq]');
      }
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
        return invalid(conn, tag, 'input 2 (seq) must be an integer of 0 or more');
      }
      const conv = resolveConv(me, input);
      if (conv === 'invalid') return invalid(conn, tag, 'input 1 (conv) is not a conversation');
      if (conv === 'not_found') return refuse(conn, tag, 'not_found', 'no such conversation');
      if (seq > conv.seq)
        return invalid(conn, tag, `input 2 (seq) is above the last seq ${conv.seq}`);
      const cursor = Math.max(me.cursors.get(conv) ?? 0, seq);
      me.cursors.set(conv, cursor);
      conn.push(okFrame(tag, `{"conv":"${conv.name}","seq":${cursor}}`));
      return undefined;
    },
  };

  return new Map<string, BaselineAction>([
    ['ping', ping],
    ['veus', veus],
    ['verify_user', veus],
    ['login', veus],
    ['set_user', setUser],
    ['set_client', setUser],
    ['message_user', messageUser],
    ['msg', messageUser],
    ['message_group', messageGroup],
    ['ack', ack],
  ]);
}
