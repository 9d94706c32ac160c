// What a wrong password costs a connection, wherever a password is checked
// (veus, change_password, delete_account): after session.login_attempts of
// them the connection is told too_many_login_attempts and closed.
import { ActionError } from '../../../protocol/errors.ts';
import type { ActionContext } from '../define.ts';

/** Runs a password check; counts a wrong password against the connection, then rethrows. */
export async function countingFailedLogins<T>(
  ctx: ActionContext,
  check: () => Promise<T>,
): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof ActionError && err.code === 'invalid_credentials') {
      const { conn, services } = ctx;
      conn.failedLogins++;
      if (conn.failedLogins >= services.config.session.login_attempts) {
        ctx.after(() => conn.disconnect('too_many_login_attempts'));
      }
    }
    throw err;
  }
}
