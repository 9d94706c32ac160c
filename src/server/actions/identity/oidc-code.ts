// oidc_code [code] — redeem the web ID login's one-time login code (the callback put it in the
// page's URL fragment); answers as oidc_wait: the account ({id, username, level}, connection
// verified) or {link: "new", suggested_username}. Used, expired or another browser's code:
// invalid_credentials.
import { z } from 'zod';
import { ActionError } from '../../../protocol/errors.ts';
import { answerIdentityLogin, completeIdentityLogin } from '../../identity/completion.ts';
import { defineAction } from '../define.ts';

/** A login code: 256 bits in base64url. */
const LoginCode = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'must be the 43-character code the sign-in page got')
  .describe('code');

export default defineAction({
  name: 'oidc_code',
  phase: 'hello',
  input: z.tuple([LoginCode]),
  async run(ctx, [code]) {
    const { conn, services } = ctx;
    // Bound to the browser: only a connection whose upgrade carried the binding cookie.
    const identity = await services.loginCodes.redeem(code, conn.browserBinding);
    if (!identity) {
      throw new ActionError(
        'invalid_credentials',
        'the sign-in code is unknown, expired, used or from another browser: sign in again',
      );
    }
    return answerIdentityLogin(conn, await completeIdentityLogin(services, identity));
  },
});
