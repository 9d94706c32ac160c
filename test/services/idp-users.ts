// The test identity provider's clients and users, shared by its process (idp-server.ts) and
// the tests (idp.ts). Test only.

/** Client ids and the secret the test IdP knows. */
export const IDP_CLIENTS = {
  confidential: { id: 'super-server', secret: 'super-server-test-secret' },
  public: { id: 'super-server-public' },
} as const;

/**
 * Claims of a test user, by the login typed into the IdP's form. Any login works:
 * `carol` and `noemail-…` have no email, `unverified-…` an unverified one, `dave` and
 * `admin-…` are in the `chat-admins` group; everyone else gets `<login>@example.test`, verified.
 */
export function testUserClaims(login: string): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: login, preferred_username: login, name: login };
  if (login === 'carol' || login.startsWith('noemail-')) return claims;
  claims.email = `${login}@example.test`;
  claims.email_verified = !login.startsWith('unverified-');
  if (login === 'dave' || login.startsWith('admin-')) claims.groups = ['chat-admins'];
  return claims;
}
