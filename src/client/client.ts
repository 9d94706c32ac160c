// The SDK client: typed actions (login, register, messages, admin) over ClientCore.
import { ClientCore } from './core.ts';
import type {
  Account,
  Kicked,
  LevelChange,
  OnlineUsers,
  Registration,
  SentMessage,
} from './types.ts';

/** A connection to a super-server: connect, log in, call actions, receive events. */
export class Client extends ClientCore {
  /** Logs in (veus, then set_user); the session token is kept, the password is not. */
  async login(user: string, password: string): Promise<Account> {
    await this.call('veus', [user, password]);
    return this.setUser();
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
    else await this.setUser();
    return { id: r.id, username: r.username, confirm: r.confirm };
  }

  /** Completes a registration that asked for an emailed code (confirm_user, then set_user). */
  async confirm(code: string): Promise<Account> {
    const username = this.confirmUsername;
    if (username === undefined) throw new Error('confirm() follows a register() that asked for it');
    await this.call('confirm_user', [username, code]);
    return this.setUser();
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

  /** Sends a direct message; `delivered` says whether the recipient was online. */
  async messageUser(to: string, text: string): Promise<SentMessage> {
    return (await this.call('message_user', [to, text])) as SentMessage;
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

  /** Stops the server (admin); every client then gets `shutdown`. */
  async killServer(reason: string): Promise<string> {
    return (await this.call('kill_server', [reason])) as string;
  }
}
