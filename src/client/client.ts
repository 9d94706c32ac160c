// The SDK client: typed actions (login, register, messages, conversations, admin) over
// IdentityActions (ID login), GroupActions (groups), ResumingCore (acks, duplicates, reliable sends, reconnect) and
// ClientCore (the connection).
import { IdentityActions } from './identities.ts';
import type { IdentityOutcome } from './identity-types.ts';
import { allConversations, type HistoryOptions, historyBackwards } from './reading.ts';
import type {
  Account,
  AuditPage,
  BanChange,
  ChatMessage,
  Conversation,
  ConversationPage,
  HistoryPage,
  Kicked,
  LevelChange,
  OnlineUsers,
  ReadMarker,
  Registration,
  SentMessage,
  UserInfo,
} from './types.ts';

/** A connection to a super-server: connect, log in, call actions, receive events. */
export class Client extends IdentityActions {
  /**
   * Logs in (veus, then set_user); the session token is kept. The password is kept in memory
   * only with `reconnect` on and no `relogin`, to log in again after a reconnect.
   */
  async login(user: string, password: string): Promise<Account> {
    await this.call('veus', [user, password]);
    const account = await this.setUser();
    this.keepCredentials(user, password);
    return account;
  }

  /** Registers (create_user); logs in at once unless the server asks for confirm(code). */
  async register(
    username: string,
    password: string,
    email: string,
    phone?: string,
  ): Promise<Registration> {
    const data =
      phone === undefined ? [username, password, email] : [username, password, email, phone];
    const r = (await this.call('create_user', data)) as Registration;
    if (r.confirm) this.confirmUsername = r.username;
    else {
      await this.setUser();
      this.keepCredentials(r.username, password);
    }
    return { id: r.id, username: r.username, confirm: r.confirm };
  }

  /**
   * Completes a registration that asked for an emailed code (confirm_user, then set_user).
   * `username` defaults to the one register() left waiting; give it on a new connection.
   */
  async confirm(code: string, username = this.confirmUsername): Promise<Account> {
    if (username === undefined) {
      throw new Error('confirm() needs the username, or a register() that asked for a code');
    }
    await this.call('confirm_user', [username, code]);
    return this.setUser();
  }

  /**
   * Before login, in a browser: redeems the one-time login code the web ID login's callback
   * put in the page's URL fragment (oidc_code). Resolves like oidcWait(): the Account (logged
   * in), or `{link: "new", suggested_username}` (then oidcRegister). A used, expired or
   * other browser's code: ServerError invalid_credentials.
   */
  async oidcCode(code: string): Promise<IdentityOutcome> {
    return this.identityAnswer((await this.call('oidc_code', [code])) as IdentityOutcome);
  }

  /** Before login: asks the server to email a password-reset code; always resolves "sent". */
  async resetPassword(usernameOrEmail: string): Promise<string> {
    return (await this.call('reset_password', [usernameOrEmail])) as string;
  }

  /**
   * Before login: sets a new password with the emailed code; resolves "reset". The connection
   * is not logged in afterwards: call login() with the new password.
   */
  async resetPasswordConfirm(username: string, code: string, newPassword: string): Promise<string> {
    return (await this.call('reset_password_confirm', [username, code, newPassword])) as string;
  }

  /** Changes this user's password; resolves "changed". Other sessions of the user are ended. */
  async changePassword(oldPassword: string, newPassword: string): Promise<string> {
    const r = (await this.call('change_password', [oldPassword, newPassword])) as string;
    if (this.username !== undefined) this.keepCredentials(this.username, newPassword);
    return r;
  }

  /**
   * Deletes this user's account; resolves "deleted". The server then sends
   * `disconnect {reason: account_deleted}` and closes the connection.
   */
  async deleteAccount(password: string): Promise<string> {
    return (await this.call('delete_account', [password])) as string;
  }

  /** A user's public profile; email and phone only for yourself or an admin. */
  async userInfo(username: string): Promise<UserInfo> {
    return (await this.call('user_info', [username])) as UserInfo;
  }

  /** Bans a user server-wide (admin): their sessions end and their logins are refused. */
  async ban(username: string, reason?: string): Promise<BanChange> {
    const data = reason === undefined ? [username] : [username, reason];
    return (await this.call('ban', data)) as BanChange;
  }

  /** Lifts a ban (admin). */
  async unban(username: string): Promise<BanChange> {
    return (await this.call('unban', [username])) as BanChange;
  }

  /** Round-trip time of one ping, in ms. */
  async ping(): Promise<number> {
    const start = this.clock.now();
    await this.call('ping');
    return this.clock.now() - start;
  }

  /** Users with a live session, sorted by username; `after` is an exclusive username cursor. */
  async who(opts: { limit?: number; after?: string } = {}): Promise<OnlineUsers> {
    const data = opts.after !== undefined ? [opts.limit ?? 1000, opts.after] : [];
    if (opts.after === undefined && opts.limit !== undefined) data.push(opts.limit);
    return (await this.call('show_online_users', data)) as OnlineUsers;
  }

  /**
   * Sends a direct message with a `client_id` (yours, or a random one) and resolves once the
   * server has stored it: `{id, conv, seq, delivered}`. With `reconnect` on, a send cut off
   * by a disconnect (or made while offline) goes again after the reconnect with the same
   * client_id, so it is stored once; a resend of a stored one resolves with the original.
   */
  messageUser(to: string, text: string, opts: { clientId?: string } = {}): Promise<SentMessage> {
    return this.reliableSend('message_user', to, text, opts.clientId);
  }

  /**
   * The messages of a conversation (`dm:…`, `#group`, or `@username`), newest first, fetched
   * page by page as the loop goes on: `for await (const m of client.history('@bob')) …`.
   */
  history(conv: string, opts: HistoryOptions = {}): AsyncGenerator<ChatMessage, void, undefined> {
    return historyBackwards((a, d) => this.call(a, d), conv, opts);
  }

  /** One history request: up to `limit` messages just below `beforeSeq`, ascending. */
  async historyPage(conv: string, beforeSeq?: number, limit?: number): Promise<HistoryPage> {
    const data: unknown[] = [conv, beforeSeq ?? null];
    if (limit !== undefined) data.push(limit);
    return (await this.call('history', data)) as HistoryPage;
  }

  /** The user's conversations with unread counts, most recent activity first, paged. */
  conversations(pageSize = 100): AsyncGenerator<Conversation, void, undefined> {
    return allConversations((a, d) => this.call(a, d), pageSize);
  }

  /** One conversations request: `limit` of them after the conv `after` (exclusive). */
  async conversationsPage(limit?: number, after?: string): Promise<ConversationPage> {
    const data = after === undefined ? [limit ?? 100] : [limit ?? 100, after];
    return (await this.call('conversations', data)) as ConversationPage;
  }

  /** Marks `conv` read up to `seq` (cumulative); in a direct one the other user is told. */
  async markRead(conv: string, seq: number): Promise<ReadMarker> {
    return (await this.call('mark_read', [conv, seq])) as ReadMarker;
  }

  /** This user's id as `"#00042"`. */
  async getId(): Promise<string> {
    return (await this.call('get_id')) as string;
  }

  /** This user's permission level. */
  async getPermissionLevel(): Promise<string> {
    return (await this.call('get_permission_level')) as string;
  }

  /** Sets another user's level (admin). */
  async changePermissionLevel(username: string, level: string): Promise<LevelChange> {
    const data = [username, level];
    return (await this.call('change_permission_level', data)) as LevelChange;
  }

  /** Ends every session of a user (admin). */
  async kick(username: string): Promise<Kicked> {
    return (await this.call('kick', [username])) as Kicked;
  }

  /**
   * One page of the audit log (admin), newest first: up to `limit` (default 50, at most 200)
   * entries older than the cursor `before` (a page's `next`), none older than `since`.
   */
  async auditLog(
    opts: { before?: string; limit?: number; since?: string } = {},
  ): Promise<AuditPage> {
    const data = [opts.before ?? null, opts.limit ?? null, opts.since ?? null];
    return (await this.call('audit_log', data)) as AuditPage;
  }

  /** Stops the server (admin); every client then gets `shutdown`. */
  async killServer(reason: string): Promise<string> {
    return (await this.call('kill_server', [reason])) as string;
  }
}
