// The prompt's command history file: where it lives, loading it, and saving it (owner-only).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** How many history lines are kept in memory and in the file. */
export const HISTORY_SIZE = 1_000;

/**
 * The history file: $SUPER_CLIENT_HISTORY when set (empty, "off" or "0" turn the file off),
 * otherwise ~/.super-client_history. undefined means keep history in memory only.
 */
export function historyPath(
  env: Record<string, string | undefined>,
  home: string = os.homedir(),
): string | undefined {
  const value = env.SUPER_CLIENT_HISTORY;
  if (value !== undefined) {
    const v = value.trim();
    if (v === '' || v === 'off' || v === '0') return undefined;
    return v;
  }
  return path.join(home, '.super-client_history');
}

/** The saved lines, newest first (as readline wants them); [] when the file is missing/unreadable. */
export function loadHistory(file: string | undefined): string[] {
  if (file === undefined) return [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-HISTORY_SIZE)
    .reverse();
}

/** Writes `newestFirst` to the file, oldest line first, readable by the owner only. */
export function saveHistory(file: string | undefined, newestFirst: readonly string[]): void {
  if (file === undefined) return;
  const lines = newestFirst.slice(0, HISTORY_SIZE).reverse();
  try {
    fs.writeFileSync(file, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
  } catch {
    // History is a convenience: a read-only home must not break the client.
  }
}

const SECRET_ACTIONS = new Set([
  'login',
  'veus',
  'verify_user',
  'register',
  'create_user',
  'confirm',
  'confirm_user',
  'change_password',
  'reset_password_confirm',
  'delete_account',
]);

/**
 * Lines never kept in history: login/register/confirm (or a raw action taking a password or
 * code) with more than a username after it, since a password or code may be among the words
 * (`login --id <provider>` is kept: it carries no secret).
 */
export function isSecretLine(line: string): boolean {
  let words = line.trim().split(/\s+/);
  const raw = words[0]?.toLowerCase() === 'raw';
  if (raw) words = words.slice(1);
  const first = words[0]?.toLowerCase() ?? '';
  // `login --id keycloak` names a provider, not a password: worth keeping.
  if (!raw && first === 'login' && words[1] === '--id' && words.length === 3) return false;
  return SECRET_ACTIONS.has(first) && words.length > (raw ? 1 : 2);
}
