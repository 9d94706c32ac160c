// What the page keeps across a reload: the username only (sessionStorage, this tab), and
// whether the tab was logged in. A session cannot be resumed after a reload: the server
// binds the session token to its connection (docs/protocol.md section 3), so the page
// keeps no token and no password, and asks for the password again.

const USER = 'super-server.username';
const IN = 'super-server.logged-in';

/** sessionStorage, or undefined where it is blocked (some privacy settings throw). */
function store(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

/** Notes that `username` is logged in in this tab. */
export function rememberLogin(username: string): void {
  store()?.setItem(USER, username);
  store()?.setItem(IN, '1');
}

/** The session ended on purpose (log out, kicked, deleted): a reload is no surprise. */
export function rememberLogout(): void {
  store()?.removeItem(IN);
}

/** Forgets the username too (the account is gone). */
export function forgetUser(): void {
  store()?.removeItem(USER);
  store()?.removeItem(IN);
}

/** The username last logged in in this tab, to prefill the login form. */
export function rememberedUser(): string {
  return store()?.getItem(USER) ?? '';
}

/** True when this tab was logged in when it was reloaded. */
export function reloadedWhileIn(): boolean {
  return store()?.getItem(IN) === '1';
}
