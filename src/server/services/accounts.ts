// Accounts: registration, password verification and permission changes.
import { ActionError } from '../../protocol/errors.ts';
import {
  LastHolderError,
  type Storage,
  UniqueViolation,
  type UserRecord,
  usernameKey,
} from '../../storage/storage.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Levels } from '../levels.ts';
import type { HashGate } from '../security/hash-gate.ts';
import { normalizePassword, PasswordPolicy } from '../security/password-policy.ts';
import {
  hashPassword,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from '../security/passwords.ts';
import type { AuditLog } from './audit.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { Identity } from './sessions.ts';

/** What registration takes; email and phone are already normalised. */
export interface Registration {
  username: string;
  password: string;
  email: string;
  phone?: string | undefined;
  level?: string;
  /** Set when the email must be confirmed first: the account stays pending until then (ms). */
  pendingUntil?: number | null;
}

/** What Accounts is built from. */
export interface AccountsDeps {
  storage: Storage;
  levels: Levels;
  passwords: Config['passwords'];
  clock: Clock;
  gate: HashGate;
  throttle: LoginThrottle;
  /** Where account locks are recorded (the server's audit log; absent in the CLI). */
  audit?: AuditLog;
}

const TAKEN = {
  username: 'username_taken',
  email: 'email_taken',
  phone: 'phone_taken',
} as const;

/** Registers and verifies users and changes their levels. */
export class Accounts {
  private readonly storage: Storage;
  private readonly levels: Levels;
  private readonly clock: Clock;
  private readonly gate: HashGate;
  private readonly throttle: LoginThrottle;
  private readonly policy: PasswordPolicy;
  private readonly audit: AuditLog | undefined;

  constructor(deps: AccountsDeps) {
    this.storage = deps.storage;
    this.levels = deps.levels;
    this.clock = deps.clock;
    this.gate = deps.gate;
    this.throttle = deps.throttle;
    this.policy = new PasswordPolicy(deps.passwords);
    this.audit = deps.audit;
  }

  /**
   * Creates an account; throws weak_password or *_taken. Registering again as a
   * still-pending account with the same email and password returns that account
   * (so a new confirmation code can be sent); nobody else can take it over.
   */
  async register(reg: Registration): Promise<UserRecord> {
    const password = normalizePassword(reg.password);
    this.policy.check(password, reg);
    const level = reg.level ?? this.levels.defaultLevel;
    if (!this.levels.exists(level)) throw new ActionError('invalid_input', `no level "${level}"`);
    const pendingUntil = reg.pendingUntil ?? null;
    // Expired pending accounts give their username, email and phone back first.
    await this.storage.deleteExpiredPending(this.clock.now());
    // Cheap checks first so a taken name costs no hashing; the unique indexes decide races.
    const existing = await this.storage.findUserByName(reg.username);
    if (existing) {
      if (pendingUntil !== null && (await this.isOwnPendingAccount(existing, reg.email, password)))
        return existing;
      throw taken('username');
    }
    if (await this.storage.isTaken('email', reg.email)) throw taken('email');
    if (reg.phone && (await this.storage.isTaken('phone', reg.phone))) throw taken('phone');
    const passwordHash = await this.gate.run(() => hashPassword(password));
    try {
      return await this.storage.createUser({
        username: reg.username,
        email: reg.email,
        phone: reg.phone ?? null,
        passwordHash,
        level,
        createdAt: new Date(this.clock.now()).toISOString(),
        pendingUntil,
      });
    } catch (err) {
      if (err instanceof UniqueViolation) throw taken(err.field);
      throw err;
    }
  }

  /** Checks a username or `#id` and password; throws invalid_credentials on any mismatch. */
  async verify(login: string, password: string, ip: string): Promise<UserRecord> {
    await this.throttle.checkAddress(ip);
    const byId = login.startsWith('#');
    const user = byId
      ? await this.storage.findUserById(Number(login.slice(1)))
      : await this.storage.findUserByName(login);
    // A name without an account is throttled like one with, so refusals reveal nothing.
    const unknownKey = byId ? `#${Number(login.slice(1))}` : usernameKey(login);
    if (user) this.throttle.checkAccount(user);
    else await this.throttle.checkUnknown(unknownKey);
    const normalized = normalizePassword(password);
    const ok = await this.gate.run(() =>
      user ? verifyPassword(user.passwordHash, normalized) : verifyAgainstDummy(normalized),
    );
    if (!user || !ok) {
      if (user) await this.countFailure(user, ip);
      else await this.throttle.unknownFailed(unknownKey);
      await this.throttle.addressFailed(ip);
      // The same reply whatever failed, so it tells nothing about the account.
      throw new ActionError('invalid_credentials', 'wrong username or password');
    }
    if (user.failedLogins > 0) await this.storage.resetLoginFailures(user.id);
    if (user.pendingUntil !== null) {
      // The password is right, so saying why is safe.
      throw new ActionError('forbidden', 'confirm your email address first (confirm_user)');
    }
    if (user.bannedAt !== null) throw new ActionError('forbidden', 'this account is banned');
    if (needsRehash(user.passwordHash)) {
      // Stored with older argon2 parameters: upgrade now that the password is known.
      const upgraded = await this.gate.run(() => hashPassword(normalized));
      await this.storage.setPasswordHash(user.id, upgraded);
    }
    return user;
  }

  /**
   * Changes a logged-in user's password: the new one must pass the policy, the
   * old one is checked with the same throttling as a login.
   */
  async changePassword(
    user: Identity,
    oldPassword: string,
    newPassword: string,
    ip: string,
  ): Promise<void> {
    const record = await this.mustExist(user.id);
    const next = this.checkedPassword(newPassword, record);
    await this.verify(record.username, oldPassword, ip);
    await this.storePassword(record.id, next);
  }

  /** Sets a new password (after a reset code was checked) and ends any login lock. */
  async resetPassword(user: UserRecord, newPassword: string): Promise<void> {
    await this.storePassword(user.id, this.checkedPassword(newPassword, user));
    await this.storage.resetLoginFailures(user.id);
  }

  /** Throws weak_password unless the password is acceptable for `owner`; returns its stored form. */
  checkedPassword(password: string, owner: { username: string; email: string }): string {
    const normalized = normalizePassword(password);
    this.policy.check(normalized, owner);
    return normalized;
  }

  private async storePassword(id: number, normalized: string): Promise<void> {
    const hash = await this.gate.run(() => hashPassword(normalized));
    await this.storage.setPasswordHash(id, hash);
  }

  /** Deletes a logged-in user's own account after checking the password (throttled as a login). */
  async deleteOwn(user: Identity, password: string, ip: string): Promise<UserRecord> {
    const record = await this.mustExist(user.id);
    await this.verify(record.username, password, ip);
    return this.erase(record);
  }

  /** Deletes an account: personal data gone, name held; never the last admin. */
  async erase(user: UserRecord): Promise<UserRecord> {
    try {
      await this.storage.deleteUser(user.id, this.clock.now(), this.levels.top);
    } catch (err) {
      if (err instanceof LastHolderError) throw new ActionError('forbidden', err.message);
      throw err;
    }
    return user;
  }

  /** Frees the names of accounts deleted longer ago than the hold (accounts.deleted_name_hold_days). */
  releaseDeletedNames(holdDays: number): Promise<number> {
    return this.storage.releaseDeletedNames(this.clock.now() - holdDays * 86_400_000);
  }

  /**
   * Bans (reason given, possibly null) or unbans (undefined) a user. `actor` is
   * a server user, who may act only on lower levels, or null for the operator.
   */
  async setBan(
    actor: Identity | null,
    username: string,
    ban: { reason: string | null } | undefined,
  ): Promise<UserRecord> {
    const target = await this.storage.findUserByName(username);
    if (!target) throw new ActionError('not_found', `no user ${username}`);
    if (actor) {
      if (target.id === actor.id) throw new ActionError('forbidden', 'nobody bans themselves');
      if (!this.levels.above(actor.level, target.level)) {
        throw new ActionError('forbidden', `only users below your level can be banned`);
      }
    }
    try {
      const at = this.clock.now();
      await this.storage.setBan(
        target.id,
        ban ? { at, reason: ban.reason } : null,
        this.levels.top,
      );
      return ban
        ? { ...target, bannedAt: at, banReason: ban.reason }
        : { ...target, bannedAt: null, banReason: null };
    } catch (err) {
      if (err instanceof LastHolderError) throw new ActionError('forbidden', err.message);
      throw err;
    }
  }

  private async mustExist(id: number): Promise<UserRecord> {
    const record = await this.storage.findUserById(id);
    if (!record) throw new ActionError('not_found', 'the account no longer exists');
    return record;
  }

  private async countFailure(user: UserRecord, ip: string): Promise<void> {
    const failures = await this.storage.recordLoginFailure(user.id, this.clock.now());
    if (this.throttle.locksAt(failures)) {
      this.audit?.record({
        actor: null,
        action: 'account_locked',
        target: user.username,
        outcome: 'ok',
        detail: `${failures} consecutive failed logins`,
        address: ip,
      });
    }
  }

  private async isOwnPendingAccount(user: UserRecord, email: string, password: string) {
    if (user.pendingUntil === null || user.email !== email) return false;
    return this.gate.run(() => verifyPassword(user.passwordHash, password));
  }

  /** Changes another user's level within the config's grant rules. */
  async changeLevel(actor: Identity, username: string, level: string): Promise<UserRecord> {
    if (!this.levels.exists(level)) {
      throw new ActionError('invalid_input', `input 2 (level): no level "${level}"`);
    }
    if (!this.levels.mayGrant(actor.level, level)) {
      throw new ActionError('forbidden', `level ${actor.level} may not grant ${level}`);
    }
    const target = await this.storage.findUserByName(username);
    if (!target) throw new ActionError('not_found', `no user ${username}`);
    if (target.id === actor.id)
      throw new ActionError('forbidden', 'nobody changes their own level');
    if (!this.levels.atLeast(actor.level, target.level)) {
      throw new ActionError('forbidden', `${target.username} outranks you`);
    }
    try {
      await this.storage.setLevel(target.id, level, this.levels.top);
    } catch (err) {
      if (err instanceof LastHolderError) throw new ActionError('forbidden', err.message);
      throw err;
    }
    return { ...target, level };
  }
}

/** The *_taken error of a unique field a registration collided on. */
export function taken(field: keyof typeof TAKEN): ActionError {
  return new ActionError(TAKEN[field], `${field} is already registered`);
}
