// oidc_register [username, email?] — after oidc_wait answered {link: "new"}: create the
// account tied to that identity, without a password. The email is the IdP's verified email
// claim (no code); only without one is `email` needed, and then the normal confirmation applies.
import { z } from 'zod';
import { registerWithIdentity } from '../../identity/registration.ts';
import { defineAction } from '../define.ts';
import { Email, Username } from '../inputs.ts';

export default defineAction({
  name: 'oidc_register',
  phase: 'hello',
  input: z.tuple([Username, Email.optional()]),
  async run(ctx, [username, email]) {
    return registerWithIdentity(ctx.services, ctx.conn, username, email);
  },
});
