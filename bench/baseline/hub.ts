// The baseline's shared state, all in memory: the accounts the bench seeded, who
// has a session, each conversation's seq counter and each user's delivery cursors.
// No storage: a message lives only in the frames written for it.
import { readFileSync } from 'node:fs';

/** Levels in rank order, as the server's default config: admin above basic. */
const LEVEL_RANK: Record<string, number> = { basic: 1, admin: 2 };

/** The minimum rank of every hot action (level `basic`). */
export const BASIC_RANK = 1;

/** Anything that can receive frames: a connection with a session. */
export interface Peer {
  /** Appends one newline-terminated frame to this turn's output. */
  push(frame: string): void;
}

/** One seeded account. */
export interface Account {
  id: number;
  /** Five digits, zero-padded, as on the wire. */
  wireId: string;
  username: string;
  level: string;
  rank: number;
  passwordHash: string;
  /** SHA-256 of the password once argon2id accepted it: later logins skip the hash. */
  verifiedDigest: Buffer | undefined;
  /** The live session's connection (one session per user). */
  session: Peer | undefined;
  /** conversation → the highest seq this user acknowledged. */
  readonly cursors: Map<Conversation, number>;
  /** The direct conversations this user has, by the other user. */
  readonly direct: Map<Account, Conversation>;
}

/** A conversation and its seq counter. */
export interface Conversation {
  /** The canonical `conv`: `dm:<id>:<id>` or `#name`. */
  name: string;
  /** `m_<internal id in base 36>_`: a message id is this plus its seq in base 36. */
  idPrefix: string;
  seq: number;
  /** A group's members (every account in #global); undefined for a direct conversation. */
  members: Set<Account> | undefined;
  /** A group's members with a live session. */
  online: Set<Account> | undefined;
}

/** What the bench writes for the baseline: the accounts of the run's database. */
interface AccountsFile {
  users: Array<{ id: number; username: string; level: string; password_hash: string }>;
}

/** Every account, conversation and session of the baseline. */
export class Hub {
  private readonly byName = new Map<string, Account>();
  private readonly byKey = new Map<string, Account>();
  private readonly byWireId = new Map<string, Account>();
  private readonly byConv = new Map<string, Conversation>();
  private nextConvId = 1;
  /** #global: every account is a member. */
  readonly global: Conversation;
  /** Any account's hash: login with an unknown name still spends one argon2id verify. */
  readonly dummyHash: string;

  constructor(file: string) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as AccountsFile;
    this.global = this.newConversation('#global', new Set());
    for (const u of parsed.users) {
      const account: Account = {
        id: u.id,
        wireId: String(u.id).padStart(5, '0'),
        username: u.username,
        level: u.level,
        rank: LEVEL_RANK[u.level] ?? 0,
        passwordHash: u.password_hash,
        verifiedDigest: undefined,
        session: undefined,
        cursors: new Map(),
        direct: new Map(),
      };
      this.byName.set(u.username, account);
      this.byKey.set(u.username.toLowerCase(), account);
      this.byWireId.set(account.wireId, account);
      this.global.members?.add(account);
    }
    const first = parsed.users[0];
    if (!first) throw new Error(`${file} lists no accounts`);
    this.dummyHash = first.password_hash;
  }

  /** The account named `username` (case-insensitive), or undefined. */
  account(username: string): Account | undefined {
    return this.byName.get(username) ?? this.byKey.get(username.toLowerCase());
  }

  /** The account of wire id `00042` (any zero padding), or undefined. */
  accountById(digits: string): Account | undefined {
    return this.byWireId.get(digits.padStart(5, '0'));
  }

  /** The direct conversation of `a` and `b`, made on first use. */
  direct(a: Account, b: Account): Conversation {
    const known = a.direct.get(b);
    if (known) return known;
    const [low, high] = a.id <= b.id ? [a, b] : [b, a];
    const conv = this.newConversation(`dm:${low.wireId}:${high.wireId}`, undefined);
    a.direct.set(b, conv);
    b.direct.set(a, conv);
    return conv;
  }

  /** The group named `key` (lower case, with its `#`), or undefined. */
  group(key: string): Conversation | undefined {
    const conv = this.byConv.get(key);
    return conv?.members ? conv : undefined;
  }

  /** Marks `account`'s session live on `peer`; false when it already has one. */
  startSession(account: Account, peer: Peer): boolean {
    if (account.session) return false;
    account.session = peer;
    for (const conv of this.groupsOf(account)) conv.online?.add(account);
    return true;
  }

  /** Ends `account`'s session if `peer` holds it. */
  endSession(account: Account, peer: Peer): void {
    if (account.session !== peer) return;
    account.session = undefined;
    for (const conv of this.groupsOf(account)) conv.online?.delete(account);
  }

  /** The groups `account` belongs to (only #global in the baseline). */
  private groupsOf(account: Account): Conversation[] {
    return this.global.members?.has(account) ? [this.global] : [];
  }

  private newConversation(name: string, members: Set<Account> | undefined): Conversation {
    const id = this.nextConvId++;
    const conv: Conversation = {
      name,
      idPrefix: `m_${id.toString(36)}_`,
      seq: 0,
      members,
      online: members ? new Set() : undefined,
    };
    this.byConv.set(name, conv);
    return conv;
  }
}
