// Email confirmation on real SQLite with a manual clock: codes expire, tries run out,
// pending accounts expire and free their names, nobody takes over a pending account.
import { describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../../storage/sqlite/sqlite-storage.ts';
import { ManualClock, systemRandom } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { Levels } from '../levels.ts';
import type { Mail, Mailer } from '../mail/mailer.ts';
import { AddressSet } from '../security/addresses.ts';
import { HashGate } from '../security/hash-gate.ts';
import { Accounts } from './accounts.ts';
import { EmailConfirmation, sixDigitCode } from './email-confirmation.ts';
import { LoginThrottle } from './login-throttle.ts';

const PASSWORD = 'purple lantern dawn';
const MINUTE = 60_000;

/** Keeps what would have been emailed; delivery itself is tested over real SMTP. */
class InboxMailer implements Mailer {
  readonly sent: Mail[] = [];
  fail = false;
  async send(mail: Mail): Promise<void> {
    if (this.fail) throw new Error('smtp down');
    this.sent.push(mail);
  }
  close(): void {}
  lastCode(): string {
    const match = /\b(\d{6})\b/.exec(this.sent.at(-1)?.text ?? '');
    if (!match?.[1]) throw new Error('no code mailed');
    return match[1];
  }
}

function setup() {
  const config = loadConfig();
  const storage = openSqliteStorage(':memory:');
  const clock = new ManualClock(1_000_000);
  const mailer = new InboxMailer();
  const accounts = new Accounts({
    storage,
    levels: new Levels(config.levels),
    passwords: config.passwords,
    clock,
    gate: new HashGate(4, 64),
    throttle: new LoginThrottle(config.login, new AddressSet([]), clock),
  });
  const confirmation = new EmailConfirmation({
    storage,
    mailer,
    clock,
    random: systemRandom,
    accounts: config.accounts,
    serverName: 'test',
  });
  const register = async (username = 'nora', email = 'nora@x.io', password = PASSWORD) => {
    const user = await accounts.register({
      username,
      password,
      email,
      pendingUntil: confirmation.pendingUntil(),
    });
    await confirmation.sendCode(user);
    return user;
  };
  return { storage, clock, mailer, accounts, confirmation, register };
}

const codeOf = (err: unknown) => (err as { code?: string }).code;

describe('EmailConfirmation', () => {
  it('mails a six-digit code that activates the account once', async () => {
    const { mailer, accounts, confirmation, register } = setup();
    await register();
    expect(mailer.sent[0]?.to).toBe('nora@x.io');
    await expect(accounts.verify('nora', PASSWORD, '10.0.0.1')).rejects.toMatchObject({
      code: 'forbidden',
    });
    const user = await confirmation.confirm('NORA', mailer.lastCode());
    expect(user.pendingUntil).toBeNull();
    expect((await accounts.verify('nora', PASSWORD, '10.0.0.1')).username).toBe('nora');
    const again = await confirmation.confirm('nora', mailer.lastCode()).catch(codeOf);
    expect(again).toBe('invalid_credentials');
  });

  it('refuses a code after 15 minutes', async () => {
    const { clock, mailer, confirmation, register } = setup();
    await register();
    clock.advance(15 * MINUTE);
    expect(await confirmation.confirm('nora', mailer.lastCode()).catch(codeOf)).toBe(
      'invalid_credentials',
    );
  });

  it('allows five tries, then even the right code is refused', async () => {
    const { mailer, confirmation, register } = setup();
    await register();
    const right = mailer.lastCode();
    const wrong = right === '000000' ? '000001' : '000000';
    for (let i = 0; i < 5; i++) {
      expect(await confirmation.confirm('nora', wrong).catch(codeOf)).toBe('invalid_credentials');
    }
    expect(await confirmation.confirm('nora', right).catch(codeOf)).toBe('invalid_credentials');
  });

  it('sends a fresh code to whoever registers again with the same email and password', async () => {
    const { mailer, confirmation, register } = setup();
    const first = await register();
    const oldCode = mailer.lastCode();
    const second = await register();
    expect(second.id).toBe(first.id);
    const newCode = mailer.lastCode();
    if (newCode !== oldCode) {
      expect(await confirmation.confirm('nora', oldCode).catch(codeOf)).toBe('invalid_credentials');
    }
    expect((await confirmation.confirm('nora', newCode)).id).toBe(first.id);
  });

  it('does not let another password or email take over a pending account', async () => {
    const { register, mailer } = setup();
    await register();
    const sent = mailer.sent.length;
    expect(await register('nora', 'nora@x.io', 'another long secret').catch(codeOf)).toBe(
      'username_taken',
    );
    expect(await register('nora', 'evil@x.io', PASSWORD).catch(codeOf)).toBe('username_taken');
    expect(mailer.sent.length).toBe(sent);
  });

  it('frees the username and email of a pending account after 32 hours', async () => {
    const { clock, storage, register, confirmation, mailer } = setup();
    const first = await register();
    const staleCode = mailer.lastCode();
    clock.advance(32 * 60 * MINUTE - 1);
    expect(await register('nora', 'nora@x.io', 'another long secret').catch(codeOf)).toBe(
      'username_taken',
    );
    clock.advance(2);
    const second = await register('nora', 'nora@x.io', 'another long secret');
    expect(second.id).not.toBe(first.id);
    expect(await storage.findUserById(first.id)).toBeUndefined();
    if (mailer.lastCode() !== staleCode) {
      expect(await confirmation.confirm('nora', staleCode).catch(codeOf)).toBe(
        'invalid_credentials',
      );
    }
  });

  it('answers internal when the email cannot be sent, and a retry sends it', async () => {
    const { mailer, register, confirmation } = setup();
    mailer.fail = true;
    expect(await register().catch(codeOf)).toBe('internal');
    mailer.fail = false;
    await register();
    expect((await confirmation.confirm('nora', mailer.lastCode())).username).toBe('nora');
  });

  it('draws codes uniformly over all six digits', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const code = sixDigitCode(systemRandom);
      expect(code).toMatch(/^\d{6}$/);
      seen.add(code);
    }
    expect(seen.size).toBeGreaterThan(1_990);
  });
});
